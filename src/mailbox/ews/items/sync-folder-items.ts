import { ConnectorError } from '../../../domain/errors.ts';
import { successMessage, type EwsClient } from '../ews-client.ts';
import { child, childText, type XmlNode } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';
import { itemIdOf, itemShapeXml } from './ews-item-xml.ts';

/** One entry of a SyncFolderItems round. ReadFlagChange entries are dropped: a read flag is no mapped field. */
export type FolderChange =
  | { readonly kind: 'upsert'; readonly id: string; readonly changeKey: string; readonly item: XmlNode }
  | { readonly kind: 'delete'; readonly id: string };

export interface FolderRound {
  readonly changes: readonly FolderChange[];
  readonly syncState: string;
  readonly pages: number;
}

/** EWS accepts 1 to 512 changes per SyncFolderItems call. */
export const MAX_SYNC_PAGE_SIZE = 512;

/**
 * Follow SyncFolderItems from `syncState` (null: from the beginning, which lists every item as a create) until
 * IncludesLastItemInRange, carrying each page's SyncState into the next call. The returned state covers every change
 * returned. An invalid state throws cursorExpired (ErrorInvalidSyncStateData).
 */
export async function syncFolderItems(
  client: EwsClient,
  folderXml: string,
  syncState: string | null,
  options: { readonly pageSize: number; readonly fieldUris?: readonly string[] },
): Promise<FolderRound> {
  const changes = new Map<string, FolderChange>();
  let state = syncState;
  let pages = 0;

  for (;;) {
    const body = element(
      'm:SyncFolderItems',
      {},
      itemShapeXml(options.fieldUris ?? []),
      element('m:SyncFolderId', {}, folderXml),
      state === null ? '' : textElement('m:SyncState', state),
      textElement('m:MaxChangesReturned', String(options.pageSize)),
      textElement('m:SyncScope', 'NormalItems'),
    );
    const reply = await client.call({ body, idempotent: true, label: 'SyncFolderItems' });
    const message = successMessage(reply.messages[0], 'SyncFolderItems');

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
      return { changes: [...changes.values()], syncState: state, pages };
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
