import type { Change, PullResult } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { GraphPage } from '../graph-types.ts';
import type { SourceContext } from '../source-context.ts';
import type { GraphItem, GraphItemKind } from './graph-item-kind.ts';
import { readItemsById } from './read-items-by-id.ts';

/**
 * Follow a delta round from `cursor` (a stored deltaLink) or, without one, from a full listing, until Graph hands
 * out the next deltaLink. Tasks and contacts have no time range, so every pull covers the whole collection.
 */
export async function pullItemDelta<T, G extends GraphItem>(ctx: SourceContext, kind: GraphItemKind<T, G>, cursor: string | null): Promise<PullResult<T>> {
  const changes = new Map<string, Change<T>>();
  const toReread = new Set<string>();
  let url = cursor ?? (await kind.firstDeltaUrl());
  let pages = 0;

  for (;;) {
    const { body } = await ctx.http.sendOrThrow({
      method: 'GET',
      url,
      idempotent: true,
      label: `${kind.label} delta`,
      extraPreferences: [`odata.maxpagesize=${ctx.pageSize}`],
    });
    const page = (body ?? {}) as GraphPage<G>;
    pages += 1;
    for (const item of page.value ?? []) {
      addChange(kind, changes, toReread, item);
    }

    const deltaLink = page['@odata.deltaLink'];
    if (deltaLink) {
      await rereadChanged(ctx, kind, changes, toReread);
      ctx.logger.debug({ kind: kind.label, pages, changes: changes.size, fullListing: cursor === null }, 'Graph delta pulled');
      return { changes: [...changes.values()], nextCursor: deltaLink, isFullListing: cursor === null };
    }

    const nextLink = page['@odata.nextLink'];
    if (!nextLink) {
      throw new ConnectorError({
        kind: 'bug',
        code: 'DeltaWithoutLink',
        message: `a Graph ${kind.label} delta page had neither @odata.nextLink nor @odata.deltaLink; the pull cannot go on`,
      });
    }
    url = nextLink;
  }
}

/** Record one delta item. For the same id twice in one round the later entry wins, so a delete then an upsert ends as the upsert. */
function addChange<T, G extends GraphItem>(kind: GraphItemKind<T, G>, changes: Map<string, Change<T>>, toReread: Set<string>, item: G): void {
  changes.delete(item.id);
  toReread.delete(item.id);

  if (item['@removed'] !== undefined) {
    changes.set(item.id, { kind: 'delete', id: item.id, mayStillExist: kind.removalMayBeMove });
    return;
  }

  if (kind.rereadDeltaItems) {
    toReread.add(item.id);
    return;
  }

  const snapshot = kind.toSnapshot(item);
  changes.set(item.id, { kind: 'upsert', ...snapshot });
}

/**
 * Read the changed items again by id where delta cannot return every field the mapping needs. An item deleted in
 * between is reported as a removal the core confirms, so nothing is deleted on this read alone.
 */
async function rereadChanged<T, G extends GraphItem>(ctx: SourceContext, kind: GraphItemKind<T, G>, changes: Map<string, Change<T>>, toReread: Set<string>): Promise<void> {
  if (toReread.size === 0) {
    return;
  }

  const found = await readItemsById(ctx, kind, [...toReread]);
  for (const id of toReread) {
    const snapshot = found.get(id);
    changes.set(id, snapshot ? { kind: 'upsert', ...snapshot } : { kind: 'delete', id, mayStillExist: true });
  }
}
