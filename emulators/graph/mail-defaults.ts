import { randomUUID } from 'node:crypto';
import { newFolderId } from './mail-ids.ts';
import type { CategoryRecord, MailboxMail, MailFolderRecord } from './mail-record.ts';

/**
 * Folders and categories a new Exchange Online mailbox starts with: the root, the top-level folders Graph addresses by well-known
 * name (mailFolder resource type), and Outlook's six colour categories.
 */
const ROOT_NAME = 'msgfolderroot';
const TOP_LEVEL_FOLDERS: readonly (readonly [wellKnownName: string, displayName: string])[] = [
  ['archive', 'Archive'],
  ['deleteditems', 'Deleted Items'],
  ['drafts', 'Drafts'],
  ['inbox', 'Inbox'],
  ['junkemail', 'Junk Email'],
  ['outbox', 'Outbox'],
  ['sentitems', 'Sent Items'],
];
const DEFAULT_CATEGORIES: readonly (readonly [displayName: string, color: string])[] = [
  ['Red category', 'preset0'],
  ['Orange category', 'preset1'],
  ['Yellow category', 'preset3'],
  ['Green category', 'preset4'],
  ['Blue category', 'preset7'],
  ['Purple category', 'preset8'],
];

export function newMailboxMail(userId: string): MailboxMail {
  const root: MailFolderRecord = {
    id: newFolderId(),
    ownerId: userId,
    displayName: 'Top of Information Store',
    parentFolderId: null,
    wellKnownName: ROOT_NAME,
    isHidden: false,
  };
  const folders = TOP_LEVEL_FOLDERS.map(([wellKnownName, displayName]) => ({
    id: newFolderId(),
    ownerId: userId,
    displayName,
    parentFolderId: root.id,
    wellKnownName,
    isHidden: false,
  }));
  const categories: CategoryRecord[] = DEFAULT_CATEGORIES.map(([displayName, color]) => ({ id: randomUUID(), displayName, color }));
  return { userId, folders: [root, ...folders], categories };
}
