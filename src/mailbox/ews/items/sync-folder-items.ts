import { ConnectorError, isConnectorError } from '../../../domain/errors.ts';
import { successMessage, type EwsClient } from '../ews-client.ts';
import type { ResponseMessage } from '../soap/response.ts';
import { child, childText, type XmlNode } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';
import { itemIdOf, itemShapeXml } from './ews-item-xml.ts';

/** One entry of a SyncFolderItems round. ReadFlagChange entries are dropped: a read flag is no mapped field. */
export type FolderChange =
  | { readonly kind: 'upsert'; readonly id: string; readonly changeKey: string; readonly item: XmlNode }
  | { readonly kind: 'delete'; readonly id: string };

export interface FolderRound {
  readonly changes: readonly FolderChange[];
  /** SyncState after the last page read. It covers every change returned, and the next round continues from it. */
  readonly syncState: string;
  readonly pages: number;
  /** Flag that is false when an incremental round stopped early, at the page limit or on a temporary failure. */
  readonly complete: boolean;
}

export interface SyncOptions {
  readonly pageSize: number;
  readonly fieldUris?: readonly string[];
  /** Maximum pages of an incremental round, so the rest waits for the next round. A round from the beginning reads every page. */
  readonly maxPages?: number;
}

/** EWS accepts 1 to 512 changes per SyncFolderItems call. */
export const MAX_SYNC_PAGE_SIZE = 512;

/**
 * Follow SyncFolderItems from `syncState` until IncludesLastItemInRange, carrying each page's SyncState into the next
 * call. The returned state covers every change returned, so storing it after those changes are applied is safe.
 *
 * From the beginning (`syncState` null) every item is listed as a create, and the caller treats the round as a full
 * listing. So every page is read and any failure is thrown, because a partial listing must never pass for a full one. An
 * incremental round reads at most `maxPages` pages, and a temporary failure after its first page ends it with the
 * pages read; either way `complete` is false and the next round continues from the returned state. An invalid state
 * throws cursorExpired (ErrorInvalidSyncStateData).
 */
export async function syncFolderItems(client: EwsClient, folderXml: string, syncState: string | null, options: SyncOptions): Promise<FolderRound> {
  const changes = new Map<string, FolderChange>();
  const incremental = syncState !== null;
  let state = syncState;
  let pages = 0;

  for (;;) {
    if (incremental && state !== null && options.maxPages !== undefined && pages >= options.maxPages) {
      client.logger.info({ pages, changes: changes.size }, 'SyncFolderItems page limit reached; the next pull continues from this state');
      return { changes: [...changes.values()], syncState: state, pages, complete: false };
    }
    const body = element(
      'm:SyncFolderItems',
      {},
      itemShapeXml(options.fieldUris ?? []),
      element('m:SyncFolderId', {}, folderXml),
      state === null ? '' : textElement('m:SyncState', state),
      textElement('m:MaxChangesReturned', String(options.pageSize)),
      textElement('m:SyncScope', 'NormalItems'),
    );
    let message: ResponseMessage;
    try {
      const reply = await client.call({ body, idempotent: true, label: 'SyncFolderItems' });
      message = successMessage(reply.messages[0], 'SyncFolderItems');
    } catch (error) {
      if (incremental && pages > 0 && state !== null && isConnectorError(error, 'retryLater')) {
        client.logger.warn({ pages, changes: changes.size, code: error.failure.code }, 'SyncFolderItems failed after some pages; the pages read are returned and the next pull continues');
        return { changes: [...changes.values()], syncState: state, pages, complete: false };
      }
      throw error;
    }

    pages += 1;
    for (const entry of child(message.node, 'Changes')?.children ?? []) {
      addChange(changes, entry);
    }

    const next = childText(message.node, 'SyncState');
    if (next === null || next.trim() === '') {
      throw new ConnectorError({ kind: 'bug', code: 'SyncStateMissing', message: 'Exchange returned a SyncFolderItems response without a SyncState, so the pull cannot continue. Report this with the operation name' });
    }
    state = next.trim();
    if (childText(message.node, 'IncludesLastItemInRange')?.trim() !== 'false') {
      return { changes: [...changes.values()], syncState: state, pages, complete: true };
    }
  }
}

/** The same id twice in one round: the later entry wins, so a delete followed by a create ends as the create. */
function addChange(changes: Map<string, FolderChange>, entry: XmlNode): void {
  if (entry.name === 'Delete') {
    const id = child(entry, 'ItemId')?.attributes.Id?.trim();
    if (id) {
      changes.delete(id);
      changes.set(id, { kind: 'delete', id });
    }
    return;
  }
  if (entry.name !== 'Create' && entry.name !== 'Update') {
    return;
  }

  const item = entry.children[0];
  const ids = item === undefined ? null : itemIdOf(item);
  if (item === undefined || ids === null) {
    return;
  }
  changes.delete(ids.id);
  changes.set(ids.id, { kind: 'upsert', id: ids.id, changeKey: ids.changeKey, item });
}
