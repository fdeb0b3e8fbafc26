import type { ItemSnapshot } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { executeBatch, type BatchItem } from '../graph-batch.ts';
import type { SourceContext } from '../source-context.ts';
import type { GraphItem, GraphItemKind } from './graph-item-kind.ts';

/** Read items by id through `$batch`; an id Graph no longer has, or one outside the synced collection, is left out. */
export async function readItemsById<T, G extends GraphItem>(
  ctx: SourceContext,
  kind: GraphItemKind<T, G>,
  ids: readonly string[],
): Promise<Map<string, ItemSnapshot<T>>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) {
    return new Map();
  }

  const collection = await kind.collectionPath();
  const requests: BatchItem[] = unique.map((id, index) => ({
    id: String(index),
    method: 'GET',
    url: `${collection}/${encodeURIComponent(id)}?${kind.readQuery}`,
    idempotent: true,
  }));
  const outcomes = await executeBatch(ctx.batch, requests);

  const found = new Map<string, ItemSnapshot<T>>();
  for (const [index, id] of unique.entries()) {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      continue;
    }

    if (outcome.ok) {
      const item = { ...(outcome.body as G), id };
      if (await kind.isInScope(item)) {
        found.set(id, kind.toSnapshot(item));
      }
      continue;
    }

    // A malformed id cannot name an existing item either.
    if (outcome.failure.kind === 'notFound' || outcome.failure.code === 'ErrorInvalidIdMalformed') {
      continue;
    }
    throw new ConnectorError(outcome.failure);
  }
  return found;
}
