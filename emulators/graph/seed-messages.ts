import type { UserRecord } from './event-record.ts';
import { importEml, type EmlMessage } from './eml-import.ts';
import { conversationIdFor, messageTimestamp, newAttachmentId, newFolderId, newMessageId } from './mail-ids.ts';
import type { MailFolderRecord, MessageRecord } from './mail-record.ts';
import type { MailStore } from './mail-store.ts';

/** One .eml file to put into a mailbox, as `POST /_admin/users/{u}/messages/seed` takes it. */
export interface MessageSeed {
  /** The file's bytes in base64, because .eml files may hold 8-bit bytes in any charset. */
  readonly emlBase64: string;
  /** Named in the result, for reports. */
  readonly fileName?: string;
  /** A folder id, a well-known name (`inbox`, `sentitems`, `drafts`…) or the display name of a top-level folder, which is created when missing. Default `inbox`. */
  readonly folder?: string;
  readonly categories?: readonly string[];
  readonly isRead?: boolean;
  /** ISO instant the mailbox received the message; default the topmost Received header, else the Date header. */
  readonly receivedDateTime?: string;
}

export type MessageSeedOutcome = 'added' | 'updated' | 'unchanged';

export interface MessageSeedResult {
  readonly fileName: string | null;
  readonly id: string;
  readonly outcome: MessageSeedOutcome;
  /** Display name of the folder the message is in. */
  readonly folder: string;
  readonly warnings: readonly string[];
}

/** Folders where Exchange keeps messages written in the mailbox, which carry no transport headers. */
const WRITTEN_HERE = new Set(['sentitems', 'drafts', 'outbox']);

/**
 * Put messages into a mailbox. Seeding is idempotent by Message-ID, or by the file's content hash when there is
 * none. A message seeded before is left alone when the file, folder and categories are the same. When one of them
 * changed, it is rewritten in place (same id, new change key), moved or re-categorised.
 */
export async function seedMessages(mail: MailStore, user: UserRecord, seeds: readonly MessageSeed[]): Promise<MessageSeedResult[]> {
  const results: MessageSeedResult[] = [];
  for (const seed of seeds) {
    const eml = await importEml(Buffer.from(seed.emlBase64, 'base64'));
    const folder = resolveFolder(mail, user, seed.folder ?? 'inbox');
    const existing = mail.liveMessages(user.id).find((message) => message.seedKey === eml.seedKey);
    const { id, outcome } = existing ? reseed(mail, existing, eml, folder, seed) : { id: mail.insert(newRecord(mail, user, eml, folder, seed)).id, outcome: 'added' as const };
    results.push({ fileName: seed.fileName ?? null, id, outcome, folder: folder.displayName, warnings: eml.warnings });
  }
  return results;
}

function reseed(mail: MailStore, message: MessageRecord, eml: EmlMessage, folder: MailFolderRecord, seed: MessageSeed): { id: string; outcome: MessageSeedOutcome } {
  const contentChanged = message.seedHash !== eml.seedHash;
  const categoriesChanged = seed.categories !== undefined && !sameNames(seed.categories, message.categories);
  const folderChanged = message.parentFolderId !== folder.id;
  if (!contentChanged && !categoriesChanged && !folderChanged) {
    return { id: message.id, outcome: 'unchanged' };
  }

  if (contentChanged) {
    Object.assign(message, contentOf(mail, message.ownerId, eml, folder, seed));
  }
  if (seed.categories !== undefined) {
    message.categories = [...seed.categories];
  }

  if (folderChanged) {
    mail.move(message, folder.id);
  } else {
    mail.touch(message);
  }
  return { id: message.id, outcome: 'updated' };
}

function newRecord(mail: MailStore, user: UserRecord, eml: EmlMessage, folder: MailFolderRecord, seed: MessageSeed): MessageRecord {
  return {
    id: newMessageId(),
    ownerId: user.id,
    parentFolderId: folder.id,
    folderStays: [],
    seq: 0,
    createdSeq: 0,
    deleted: false,
    changeKey: '',
    createdDateTime: '',
    lastModifiedDateTime: '',
    ...contentOf(mail, user.id, eml, folder, seed),
    categories: [...(seed.categories ?? [])],
    isRead: seed.isRead ?? isWrittenHere(folder),
    isDeliveryReceiptRequested: false,
    inferenceClassification: 'focused',
    flag: { flagStatus: 'notFlagged' },
  };
}

type SeededContent = Omit<
  MessageRecord,
  | 'id'
  | 'ownerId'
  | 'parentFolderId'
  | 'folderStays'
  | 'seq'
  | 'createdSeq'
  | 'deleted'
  | 'changeKey'
  | 'createdDateTime'
  | 'lastModifiedDateTime'
  | 'categories'
  | 'isRead'
  | 'isDeliveryReceiptRequested'
  | 'inferenceClassification'
  | 'flag'
>;

/** Build the fields the .eml file and the folder decide; the rest is the mailbox's own state and survives seeding again. */
function contentOf(mail: MailStore, userId: string, eml: EmlMessage, folder: MailFolderRecord, seed: MessageSeed): SeededContent {
  const isDraft = folder.wellKnownName === 'drafts';
  const now = messageTimestamp(Date.now());
  const receivedDateTime = seed.receivedDateTime === undefined ? (eml.receivedDateTime ?? now) : messageTimestamp(Date.parse(seed.receivedDateTime));
  return {
    receivedDateTime,
    sentDateTime: isDraft ? null : (eml.sentDateTime ?? receivedDateTime),
    internetMessageId: eml.internetMessageId,
    conversationId: conversationOf(mail, userId, eml),
    subject: eml.subject,
    body: eml.body,
    from: eml.from,
    sender: eml.sender,
    toRecipients: eml.toRecipients,
    ccRecipients: eml.ccRecipients,
    bccRecipients: eml.bccRecipients,
    replyTo: eml.replyTo,
    importance: eml.importance,
    isDraft,
    isReadReceiptRequested: eml.isReadReceiptRequested,
    internetMessageHeaders: headersKept(folder, eml),
    attachments: eml.attachments.map((attachment) => ({ ...attachment, id: newAttachmentId(), lastModifiedDateTime: now })),
    extendedProperties: eml.extendedProperties,
    seedKey: eml.seedKey,
    seedHash: eml.seedHash,
  };
}

function isWrittenHere(folder: MailFolderRecord): boolean {
  return folder.wellKnownName !== null && WRITTEN_HERE.has(folder.wellKnownName);
}

/**
 * Keep the transport headers of a received message. A message written in the mailbox has none, except that a draft
 * keeps the custom `x-` headers its client set, which Graph returns (message resource, internetMessageHeaders).
 */
function headersKept(folder: MailFolderRecord, eml: EmlMessage): MessageRecord['internetMessageHeaders'] {
  if (!isWrittenHere(folder)) {
    return eml.headers;
  }
  if (folder.wellKnownName !== 'drafts') {
    return null;
  }

  const custom = eml.headers.filter((header) => header.name.toLowerCase().startsWith('x-'));
  return custom.length === 0 ? null : custom;
}

/** Find the conversation: a reply joins that of a message it references in the mailbox, else the thread's first Message-ID names it. */
function conversationOf(mail: MailStore, userId: string, eml: EmlMessage): string {
  const referenced = new Set(eml.referencedIds);
  const known = mail.liveMessages(userId).find((message) => message.internetMessageId !== null && referenced.has(message.internetMessageId));
  return known?.conversationId ?? conversationIdFor(eml.referencedIds[0] ?? eml.seedKey);
}

function resolveFolder(mail: MailStore, user: UserRecord, key: string): MailFolderRecord {
  const direct = mail.findFolder(user.id, key);
  if (direct) {
    return direct;
  }

  const root = mail.findFolder(user.id, 'msgfolderroot');
  if (!root) {
    throw new Error(`The mailbox of ${user.userPrincipalName} has no root folder.`);
  }

  const named = mail.childFolders(user.id, root.id).find((folder) => folder.displayName.toLowerCase() === key.toLowerCase());
  if (named) {
    return named;
  }

  const created: MailFolderRecord = { id: newFolderId(), ownerId: user.id, displayName: key, parentFolderId: root.id, wellKnownName: null, isHidden: false };
  mail.addFolder(created);
  return created;
}

function sameNames(wanted: readonly string[], actual: readonly string[]): boolean {
  return wanted.length === actual.length && wanted.every((name, index) => name === actual[index]);
}
