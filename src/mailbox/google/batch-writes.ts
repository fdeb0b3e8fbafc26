import type { ItemSnapshot, Write, WriteResult } from '../../domain/connector.ts';
import { executeBatch, type BatchItem, type BatchOutcome, type BatchTarget } from './google-batch.ts';
import type { Logger } from '../../observability/logger.ts';

/** A create that failed without a clear outcome, with the sync id it carried. */
export interface UnsureCreate {
  readonly ref: string;
  readonly syncId: string;
}

/** The API-specific parts of `applyWritesInBatches`. */
export interface BatchedWrites<T> {
  readonly target: BatchTarget;
  /** API name for messages, e.g. `Calendar`. */
  readonly service: string;
  /** Item kind for log lines, e.g. `event`. */
  readonly kind: string;
  /** Builds the batch part of a write, or null for an update with no field the API can store. */
  toItem(write: Write<T>, partId: string): BatchItem | null;
  /** Returns the id and version of a successful write from its response body. */
  written(write: Write<T>, body: unknown): { readonly id: string; readonly version: string | null };
  findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>>;
}

/**
 * Sends creates, updates and deletes in batches and returns one result per write, in the order of `writes`.
 * A delete of an item that is already gone succeeds, and an unsure create is looked up by its sync id.
 */
export async function applyWritesInBatches<T>(writes: readonly Write<T>[], api: BatchedWrites<T>): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const items: BatchItem[] = [];
  writes.forEach((write, index) => {
    const item = api.toItem(write, String(index));
    if (item !== null) {
      items.push(item);
    } else if (write.op === 'update') {
      // Nothing the API can store was in the patch, so the item stays as it was.
      results.set(index, { ref: write.ref, ok: true, id: write.id, version: write.expectedVersion });
    }
  });

  const outcomes = await executeBatch(api.target, items);
  for (const item of items) {
    const index = Number(item.id);
    results.set(index, toResult(api, writes[index] as Write<T>, outcomes.get(item.id)));
  }

  const unsure: UnsureCreate[] = [];
  const indexOfRef = new Map<string, number>();
  writes.forEach((write, index) => {
    const result = results.get(index);
    if (write.op === 'create' && result !== undefined && isUnsure(result)) {
      unsure.push({ ref: write.ref, syncId: write.syncId });
      indexOfRef.set(write.ref, index);
    }
  });
  const recovered = await recoverUnsureCreates(api.target.http.logger, api.kind, unsure, (syncIds) => api.findBySyncIds(syncIds));
  for (const [ref, result] of recovered) {
    results.set(indexOfRef.get(ref) as number, result);
  }

  return [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
}

function toResult<T>(api: BatchedWrites<T>, write: Write<T>, outcome: BatchOutcome | undefined): WriteResult {
  if (outcome === undefined) {
    return { ref: write.ref, ok: false, failure: { kind: 'retryLater', code: 'BatchPartMissing', message: `${api.service} returned no response for this write, so it is repeated later` } };
  }
  // A deleted item is gone either way (404, or Calendar's 410 for one deleted before), so a repeated delete must not fail.
  if (write.op === 'delete' && (outcome.ok || outcome.failure.kind === 'notFound')) {
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  if (!outcome.ok) {
    return { ref: write.ref, ok: false, failure: outcome.failure };
  }
  return { ref: write.ref, ok: true, ...api.written(write, outcome.body) };
}

/** Tells whether a create result leaves open whether Google stored the item (a 5xx, a lost connection). */
export function isUnsure(result: WriteResult): boolean {
  return !result.ok && result.failure.kind === 'retryLater';
}

/**
 * Looks up creates that failed without a clear outcome by the sync id each carried, because Google may have stored
 * them anyway. Returns a success result by write ref for each item found, so the item is not created twice.
 * A failed lookup is logged and recovers nothing.
 */
export async function recoverUnsureCreates<T>(
  logger: Logger,
  kind: string,
  unsure: readonly UnsureCreate[],
  findBySyncIds: (syncIds: readonly string[]) => Promise<Map<string, ItemSnapshot<T>>>,
): Promise<Map<string, WriteResult>> {
  const recovered = new Map<string, WriteResult>();
  if (unsure.length === 0) {
    return recovered;
  }

  const found = await findBySyncIds(unsure.map((create) => create.syncId)).catch((error: unknown) => {
    logger.warn({ kind, refs: unsure.map((create) => create.ref), err: error }, 'lookup by sync id after failed creates failed');
    return new Map<string, never>();
  });
  for (const create of unsure) {
    const snapshot = found.get(create.syncId);
    if (snapshot) {
      recovered.set(create.ref, { ref: create.ref, ok: true, id: snapshot.id, version: snapshot.version });
    }
  }
  return recovered;
}
