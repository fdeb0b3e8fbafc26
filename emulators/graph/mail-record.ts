import type { ExtendedProperty } from './event-record.ts';
import type { GraphEmailAddress } from './seed-types.ts';

/** The mail side of a mailbox as the emulator stores it: folders, messages with attachments, master categories. */

export interface Recipient {
  emailAddress: GraphEmailAddress;
}

export interface InternetMessageHeader {
  name: string;
  value: string;
}

/** A file attachment whose bytes `contentBase64` contains; item attachments are stored as files too. */
export interface AttachmentRecord {
  id: string;
  name: string;
  contentType: string;
  /** Bytes of the content. */
  size: number;
  isInline: boolean;
  /** Content-ID without angle brackets, as Graph returns it; null when the part has none. */
  contentId: string | null;
  lastModifiedDateTime: string;
  contentBase64: string;
}

export interface MailFolderRecord {
  id: string;
  ownerId: string;
  displayName: string;
  /** Null only for the root (`msgfolderroot`). */
  parentFolderId: string | null;
  /** `inbox`, `sentitems`… for the folders Graph addresses by well-known name; null for user folders. */
  wellKnownName: string | null;
  isHidden: boolean;
}

/** One folder a message sat in, from the change sequence number at which it arrived there. */
export interface FolderStay {
  folderId: string;
  fromSeq: number;
}

/**
 * One message. A deleted message stays as a tombstone so delta can report its removal, and `folderStays`
 * records every folder it sat in, so a folder's delta can tell a message that left it from one it never had.
 */
export interface MessageRecord {
  id: string;
  ownerId: string;
  /** The current folder; equal to the last entry of `folderStays`. */
  parentFolderId: string;
  folderStays: FolderStay[];
  /** Position in the mail change sequence; moves on every create, edit, move and delete. */
  seq: number;
  createdSeq: number;
  deleted: boolean;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  receivedDateTime: string;
  /** Null for a draft, which has not been sent. */
  sentDateTime: string | null;
  /** RFC 5322 Message-ID with angle brackets; null when the message has none. */
  internetMessageId: string | null;
  conversationId: string;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  from: Recipient | null;
  sender: Recipient | null;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  categories: string[];
  importance: 'low' | 'normal' | 'high';
  isRead: boolean;
  isDraft: boolean;
  isReadReceiptRequested: boolean;
  isDeliveryReceiptRequested: boolean;
  inferenceClassification: 'focused' | 'other';
  flag: { flagStatus: 'notFlagged' | 'flagged' | 'complete' };
  /** Null where Exchange keeps no transport headers (messages written in the mailbox: sent items, drafts). */
  internetMessageHeaders: InternetMessageHeader[] | null;
  attachments: AttachmentRecord[];
  extendedProperties: ExtendedProperty[];
  /** Key that seeding matches on: the Message-ID, or a hash of the .eml bytes when it has none; null for other messages. */
  seedKey: string | null;
  /** SHA-256 of the seeded .eml bytes, so seeding the same file again changes nothing. */
  seedHash: string | null;
}

/** An entry of the user's master category list (`outlookCategory`). */
export interface CategoryRecord {
  id: string;
  displayName: string;
  /** `none` or `preset0` to `preset24`. */
  color: string;
}

/** Per-mailbox mail state besides the messages: folders and master categories. */
export interface MailboxMail {
  userId: string;
  folders: MailFolderRecord[];
  categories: CategoryRecord[];
}
