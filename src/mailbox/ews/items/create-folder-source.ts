import type { Change, ItemSource, PullResult } from '../../../domain/connector.ts';
import { decodeEwsCursor, encodeEwsCursor } from '../ews-cursor.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { applyKindWrites } from './apply-kind-writes.ts';
import { distinguishedFolderXml } from './ews-item-xml.ts';
import type { EwsItemKind } from './item-kind.ts';
import { findKindBySyncIds, readKindItems } from './read-kind-items.ts';
import { syncFolderItems } from './sync-folder-items.ts';

/** Create an item source over one default folder (tasks, contacts); it ignores the sync window because these items have no time range. */
export function createFolderSource<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>): ItemSource<T> {
  return {
    get calls() {
      return ctx.client.calls;
    },
    pullChanges: (cursor) => pullFolder(ctx, kind, cursor),
    readItems: (ids) => readKindItems(ctx, kind, ids),
    findBySyncIds: (syncIds) => findKindBySyncIds(ctx, kind, syncIds),
    applyWrites: (writes) => applyKindWrites(ctx, kind, writes),
  };
}

/**
 * Follow SyncFolderItems on the kind's folder from the stored SyncState, or list the folder from the beginning, and
 * read the created and updated items whole with GetItem. An item gone before the read is reported as a removal the
 * core confirms.
 */
async function pullFolder<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>, cursor: string | null): Promise<PullResult<T>> {
  const state = cursor === null ? null : (decodeEwsCursor(cursor).folders[kind.folder] ?? null);
  const round = await syncFolderItems(ctx.client, distinguishedFolderXml(kind.folder), state, { pageSize: ctx.syncPageSize, maxPages: ctx.syncPagesPerPull });

  const upsertIds = round.changes.filter((change) => change.kind === 'upsert').map((change) => change.id);
  const read = await readKindItems(ctx, kind, upsertIds);
  const changes: Change<T>[] = round.changes.map((change) => {
    if (change.kind === 'delete') {
      // SyncFolderItems reports a move out of the folder as a delete too, and a moved item gets a new id: this id is gone.
      return { kind: 'delete', id: change.id, mayStillExist: false };
    }
    const snapshot = read.get(change.id);
    return snapshot === undefined ? { kind: 'delete', id: change.id, mayStillExist: true } : { kind: 'upsert', ...snapshot };
  });

  ctx.logger.debug({ kind: kind.label, pages: round.pages, complete: round.complete, changes: changes.length, fullListing: state === null }, 'EWS folder synced');
  return { changes, nextCursor: encodeEwsCursor({ folders: { [kind.folder]: round.syncState } }), isFullListing: state === null };
}
