import type { Write, WriteResult } from '../../../domain/connector.ts';
import { isConnectorError } from '../../../domain/errors.ts';
import { ifMatch } from '../apply-writes.ts';
import { executeBatch, type BatchItem, type BatchOutcome } from '../graph-batch.ts';
import type { SourceContext } from '../source-context.ts';
import type { GraphItem, GraphItemKind } from './graph-item-kind.ts';

type CreateWrite<T> = Extract<Write<T>, { op: 'create' }>;
type UpdateWrite<T> = Extract<Write<T>, { op: 'update' }>;

/**
 * Apply creates, partial updates and deletes through `$batch`, 20 requests per batch; one result per write, in
 * write order. A write whose value Graph cannot take (a malformed date) fails alone, before anything is sent.
 */
export async function applyItemWrites<T, G extends GraphItem>(
  ctx: SourceContext,
  kind: GraphItemKind<T, G>,
  writes: readonly Write<T>[],
): Promise<WriteResult[]> {
  if (writes.length === 0) {
    return [];
  }

  const collection = await kind.collectionPath();
  const results = new Map<number, WriteResult>();
  const requests: BatchItem[] = [];

  for (const [index, write] of writes.entries()) {
    try {
      const request = toRequest(ctx, kind, collection, write, String(index));
      if (request !== null) {
        requests.push(request);
      } else if (write.op === 'update') {
        // Nothing Graph can write was in the patch, so the item stays as it was.
        results.set(index, { ref: write.ref, ok: true, id: write.id, version: write.expectedVersion });
      }
    } catch (error) {
      if (!isConnectorError(error, 'itemError')) {
        throw error;
      }
      results.set(index, { ref: write.ref, ok: false, failure: error.failure });
    }
  }

  const outcomes = await executeBatch(ctx.batch, requests);
  for (const request of requests) {
    const index = Number(request.id);
    results.set(index, toResult(kind, writes[index] as Write<T>, outcomes.get(request.id)));
  }

  await recoverCreates(ctx, kind, writes, results);
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
}

function toRequest<T, G extends GraphItem>(ctx: SourceContext, kind: GraphItemKind<T, G>, collection: string, write: Write<T>, id: string): BatchItem | null {
  switch (write.op) {
    case 'create':
      return { id, method: 'POST', url: collection, body: kind.createBody(write.item, write.syncId), idempotent: false };
    case 'delete':
      return { id, method: 'DELETE', url: `${collection}/${encodeURIComponent(write.id)}`, idempotent: true };
    case 'update':
      return updateRequest(ctx, kind, collection, write, id);
  }
}

function updateRequest<T, G extends GraphItem>(ctx: SourceContext, kind: GraphItemKind<T, G>, collection: string, write: UpdateWrite<T>, id: string): BatchItem | null {
  const { body, skipped } = kind.patchBody(write.patch);
  if (skipped.length > 0) {
    ctx.logger.debug({ kind: kind.label, ref: write.ref, skipped }, 'Graph cannot write these fields; they are left out of the update');
  }
  if (Object.keys(body).length === 0) {
    return null;
  }

  // Without If-Match a repeated PATCH could overwrite an edit made in between, so only a guarded one retries.
  const headers = guard(kind, write.expectedVersion);
  return { id, method: 'PATCH', url: `${collection}/${encodeURIComponent(write.id)}`, body, headers, idempotent: headers !== undefined };
}

function guard<T, G extends GraphItem>(kind: GraphItemKind<T, G>, version: string | null): Record<string, string> | undefined {
  return kind.sendsIfMatch && version !== null ? { 'If-Match': ifMatch(version) } : undefined;
}

function toResult<T, G extends GraphItem>(kind: GraphItemKind<T, G>, write: Write<T>, outcome: BatchOutcome | undefined): WriteResult {
  if (outcome === undefined) {
    return {
      ref: write.ref,
      ok: false,
      failure: { kind: 'retryLater', code: 'BatchResponseMissing', message: 'Graph returned no response for this write, so it is repeated later' },
    };
  }

  if (write.op === 'delete' && (outcome.ok || outcome.failure.kind === 'notFound')) {
    // The item is gone either way, which is what the delete asked for; a repeated delete must not fail.
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  if (!outcome.ok) {
    return { ref: write.ref, ok: false, failure: outcome.failure };
  }

  const item = outcome.body as G | null;
  const version = item?.id ? kind.toSnapshot(item).version : null;
  if (write.op === 'create') {
    return { ref: write.ref, ok: true, id: item?.id ?? '', version };
  }
  return { ref: write.ref, ok: true, id: write.id, version };
}

/**
 * Look up creates that failed without a clear outcome (a 5xx, a lost connection), because Graph may have stored
 * them anyway. An item found with the sync id it carried is the create's result, so the item is not created twice.
 */
async function recoverCreates<T, G extends GraphItem>(
  ctx: SourceContext,
  kind: GraphItemKind<T, G>,
  writes: readonly Write<T>[],
  results: Map<number, WriteResult>,
): Promise<void> {
  const unsure = [...results.entries()].filter(([index, result]) => writes[index]?.op === 'create' && !result.ok && result.failure.kind === 'retryLater');
  if (unsure.length === 0) {
    return;
  }

  const syncIds = unsure.map(([index]) => (writes[index] as CreateWrite<T>).syncId);
  const found = await kind.findBySyncIds(syncIds).catch((error: unknown) => {
    // The creates keep their retryLater failure, and the next session searches by sync id before creating again.
    ctx.logger.warn({ kind: kind.label, refs: unsure.map(([, result]) => result.ref), err: error }, 'lookup by sync id after failed creates failed');
    return new Map<string, never>();
  });
  for (const [index, result] of unsure) {
    const snapshot = found.get((writes[index] as CreateWrite<T>).syncId);
    if (snapshot) {
      results.set(index, { ref: result.ref, ok: true, id: snapshot.id, version: snapshot.version });
    }
  }
}
