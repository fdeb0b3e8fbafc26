import type { Write, WriteResult } from '../../../domain/connector.ts';
import { isConnectorError } from '../../../domain/errors.ts';
import { element } from '../soap/xml-write.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { distinguishedFolderXml, itemIdXml } from './ews-item-xml.ts';
import type { EwsItemKind } from './item-kind.ts';
import { findKindBySyncIds } from './read-kind-items.ts';
import { createItemCall, deleteItemCall, sendItemParts, updateItemCall, type ItemOutcome } from './write-items.ts';

type CreateWrite<T> = Extract<Write<T>, { op: 'create' }>;
type UpdateWrite<T> = Extract<Write<T>, { op: 'update' }>;
type DeleteWrite<T> = Extract<Write<T>, { op: 'delete' }>;

interface Indexed<W> {
  readonly index: number;
  readonly write: W;
  readonly part: string;
}

/**
 * Apply creates, partial updates and deletes with CreateItem, UpdateItem and DeleteItem, many items per call; one
 * result per write, in write order. A write whose value Exchange cannot take fails alone, before anything is sent.
 */
export async function applyKindWrites<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>, writes: readonly Write<T>[]): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const creates: Indexed<CreateWrite<T>>[] = [];
  const guarded: Indexed<UpdateWrite<T>>[] = [];
  const unguarded: Indexed<UpdateWrite<T>>[] = [];
  const deletes: Indexed<DeleteWrite<T>>[] = [];

  writes.forEach((write, index) => {
    try {
      sortWrite(ctx, kind, write, index, { creates, guarded, unguarded, deletes, results });
    } catch (error) {
      if (!isConnectorError(error, 'itemError')) {
        throw error;
      }
      results.set(index, { ref: write.ref, ok: false, failure: error.failure });
    }
  });

  const folderXml = distinguishedFolderXml(kind.folder);
  const { client, batchSize } = ctx;
  settle(creates, results, await sendItemParts(createItemCall(client, batchSize, folderXml, kind.writeAttributes.create), parts(creates)));
  settle(guarded, results, await sendItemParts(updateItemCall(client, batchSize, kind.writeAttributes.update, true), parts(guarded)));
  settle(unguarded, results, await sendItemParts(updateItemCall(client, batchSize, kind.writeAttributes.update, false), parts(unguarded)));
  settle(deletes, results, await sendItemParts(deleteItemCall(client, batchSize, kind.writeAttributes.delete), parts(deletes)));

  await recoverCreates(ctx, kind, writes, results);
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
}

interface Buckets<T> {
  readonly creates: Indexed<CreateWrite<T>>[];
  readonly guarded: Indexed<UpdateWrite<T>>[];
  readonly unguarded: Indexed<UpdateWrite<T>>[];
  readonly deletes: Indexed<DeleteWrite<T>>[];
  readonly results: Map<number, WriteResult>;
}

function sortWrite<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>, write: Write<T>, index: number, buckets: Buckets<T>): void {
  switch (write.op) {
    case 'create':
      buckets.creates.push({ index, write, part: kind.createXml(write.item, write.syncId) });
      return;
    case 'delete':
      buckets.deletes.push({ index, write, part: itemIdXml(write.id) });
      return;
    case 'update': {
      const { updates, skipped } = kind.updateParts(write.patch);
      if (skipped.length > 0) {
        ctx.logger.debug({ kind: kind.label, ref: write.ref, skipped }, 'Exchange cannot write these fields; they are left out of the update');
      }
      if (updates.length === 0) {
        // Nothing Exchange can write was in the patch, so the item stays as it was.
        buckets.results.set(index, { ref: write.ref, ok: true, id: write.id, version: write.expectedVersion });
        return;
      }
      const part = element('t:ItemChange', {}, itemIdXml(write.id, write.expectedVersion), element('t:Updates', {}, ...updates));
      (write.expectedVersion === null ? buckets.unguarded : buckets.guarded).push({ index, write, part });
    }
  }
}

function parts<W>(entries: readonly Indexed<W>[]): string[] {
  return entries.map((entry) => entry.part);
}

function settle<T>(entries: readonly Indexed<Write<T>>[], results: Map<number, WriteResult>, outcomes: readonly ItemOutcome[]): void {
  entries.forEach((entry, position) => {
    results.set(entry.index, toResult(entry.write, outcomes[position]));
  });
}

function toResult<T>(write: Write<T>, outcome: ItemOutcome | undefined): WriteResult {
  if (outcome === undefined) {
    return { ref: write.ref, ok: false, failure: { kind: 'retryLater', code: 'MissingResponseMessage', message: 'Exchange returned no outcome for this write, so it is repeated later' } };
  }
  if (write.op === 'delete' && (outcome.ok || outcome.failure.kind === 'notFound')) {
    // The item is gone either way, which is what the delete asked for; a repeated delete must not fail.
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  if (!outcome.ok) {
    return { ref: write.ref, ok: false, failure: outcome.failure };
  }
  if (write.op === 'create') {
    return { ref: write.ref, ok: true, id: outcome.id ?? '', version: outcome.changeKey };
  }
  return { ref: write.ref, ok: true, id: write.id, version: outcome.changeKey };
}

/**
 * Look up creates that failed without a clear outcome (a 5xx, a lost connection): Exchange may have stored them
 * anyway. An item found with the sync id it carried is the create's result, so the item is not created twice.
 */
async function recoverCreates<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>, writes: readonly Write<T>[], results: Map<number, WriteResult>): Promise<void> {
  const unsure = [...results.entries()].filter(([index, result]) => writes[index]?.op === 'create' && !result.ok && result.failure.kind === 'retryLater');
  if (unsure.length === 0) {
    return;
  }

  const syncIds = unsure.map(([index]) => (writes[index] as CreateWrite<T>).syncId);
  const found = await findKindBySyncIds(ctx, kind, syncIds).catch((error: unknown) => {
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
