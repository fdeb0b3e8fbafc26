import { child, childText, type XmlNode } from '../soap/xml-tree.ts';

/** Item change that a notification reports. The callback only starts a session, so the item itself is not read. */
export interface EwsChange {
  /** The watched folder the item is in, by its well-known name; `other` when it was not one of them. */
  readonly folder: string;
  readonly changeType: 'created' | 'updated' | 'deleted' | 'moved' | 'newMail';
  readonly itemId: string | null;
}

const CHANGE_TYPES: Readonly<Record<string, EwsChange['changeType']>> = {
  CreatedEvent: 'created',
  ModifiedEvent: 'updated',
  DeletedEvent: 'deleted',
  MovedEvent: 'moved',
  CopiedEvent: 'created',
  NewMailEvent: 'newMail',
};

export const EVENT_TYPES = Object.keys(CHANGE_TYPES);

/**
 * The item changes of one `Notification` element and its last watermark. Folder events (a folder's unread count
 * moved) are dropped, and so is the StatusEvent a pull subscription sends when nothing happened.
 */
export function readNotification(notification: XmlNode, folderNames: ReadonlyMap<string, string>): { changes: EwsChange[]; watermark: string | null } {
  const changes: EwsChange[] = [];
  let watermark: string | null = null;
  for (const event of notification.children) {
    watermark = childText(event, 'Watermark')?.trim() || watermark;
    const changeType = CHANGE_TYPES[event.name];
    const itemId = child(event, 'ItemId')?.attributes.Id ?? null;
    if (changeType === undefined || itemId === null) {
      continue;
    }
    const parent = child(event, 'ParentFolderId')?.attributes.Id;
    changes.push({ folder: (parent === undefined ? undefined : folderNames.get(parent)) ?? 'other', changeType, itemId });
  }
  return { changes, watermark };
}
