import type { ApiCallCounter, PullResult } from './connector.ts';

/** The canonical email message, as every mailbox connector reads it for saving to Salesforce (one way). */

export interface MailAddress {
  /** Lower-case is not applied here: the linking engine compares addresses case-insensitively. */
  readonly address: string;
  readonly name: string | null;
}

export interface MailAttachmentInfo {
  /** The side's attachment id, passed back to `readAttachment`. */
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  /** Bytes, as the side reports them. */
  readonly size: number;
  readonly isInline: boolean;
  readonly contentId: string | null;
}

/** Folder role of a message, used in place of the display name because users rename and translate folders. */
export const FOLDER_ROLES = ['inbox', 'sent', 'salesforce', 'drafts', 'other'] as const;
export type FolderRole = (typeof FOLDER_ROLES)[number];

export interface MailMessage {
  /** RFC 5322 Message-ID with its angle brackets, e.g. `<abc@example.com>`; null when the message has none. */
  readonly internetMessageId: string | null;
  /** The side's thread id (Graph conversationId, Gmail threadId); null when it has none. */
  readonly conversationId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly subject: string;
  readonly from: MailAddress | null;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly bcc: readonly MailAddress[];
  /** ISO instants; null when the side does not report them (a draft has no sent time). */
  readonly sentAt: string | null;
  readonly receivedAt: string | null;
  readonly bodyText: string | null;
  readonly bodyHtml: string | null;
  /** Header fields the pipeline decides on (List-Unsubscribe, Auto-Submitted, Precedence…), names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly categories: readonly string[];
  readonly folder: FolderRole;
  readonly isDraft: boolean;
  readonly attachments: readonly MailAttachmentInfo[];
}

/** Pull scope that a session requests from a message source: the folders to watch and how far back a first read goes. */
export interface MessageScope {
  readonly folders: readonly FolderRole[];
  /** ISO instant; a first read (null cursor) lists messages received or sent after it. */
  readonly since: string;
  /**
   * Messages the pull reads in full. `all` (the default): every message. `marked`: only messages that carry the
   * Salesforce keyword or category or sit in the Salesforce folder. A connector may return the other messages with
   * headers and flags only (no body, no attachments), because orgs whose automatic rules are all off never save them.
   */
  readonly readBodies?: 'all' | 'marked';
}

/**
 * The mail side of a mailbox connector. Messages are only read and marked: the engine never edits or deletes
 * mail. A pull reports upserts only; messages that left the scope are not reported.
 */
export interface MessageSource extends ApiCallCounter {
  /** Pull messages changed since `cursor` in the scope's folders; a null cursor lists the scope in full. */
  pullMessages(cursor: string | null, scope: MessageScope): Promise<PullResult<MailMessage>>;

  /** Read messages by id; an id that no longer exists is absent from the result. */
  readMessages(ids: readonly string[]): Promise<Map<string, { readonly id: string; readonly version: string; readonly item: MailMessage }>>;

  /** The attachment's bytes. */
  readAttachment(messageId: string, attachmentId: string): Promise<Uint8Array>;

  /**
   * Create the Salesforce category (or label, or keyword) and the Salesforce folder when missing; idempotent. Call it
   * before a pull whose scope holds the `salesforce` role: the source finds that folder by the name given here.
   */
  ensureMarkers(markers: { readonly category: string; readonly folderName: string }): Promise<void>;
}
