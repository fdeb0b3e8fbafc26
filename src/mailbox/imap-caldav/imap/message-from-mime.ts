import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';
import type { FolderRole, MailAddress, MailAttachmentInfo, MailMessage } from '../../../domain/email-message.ts';

const MESSAGE_ID = /<[^<>\s]+>/g;

/**
 * Keywords that mail clients and servers set for their own bookkeeping (RFC 5788 registry, Thunderbird, Apple
 * Mail); they are no categories a person chose.
 */
const BOOKKEEPING_KEYWORDS = new Set(
  ['$Forwarded', '$MDNSent', '$Junk', '$NotJunk', 'Junk', 'NonJunk', 'NotJunk', '$Phishing', '$SubmitPending', '$Submitted', '$HasAttachment', '$HasNoAttachment', '$MailFlagBit0', '$MailFlagBit1', '$MailFlagBit2'].map(
    (keyword) => keyword.toLowerCase(),
  ),
);

export interface ImapMessageInput {
  readonly source: Uint8Array;
  readonly flags: ReadonlySet<string>;
  readonly internalDate: Date | string | null;
  readonly folder: FolderRole;
  /** The keyword that marks a message for saving, and the category name it is reported as. */
  readonly keyword: string;
  readonly category: string;
}

/** Parse the raw message with postal-mime and build the canonical message from it and the IMAP flags. */
export async function messageFromMime(input: ImapMessageInput): Promise<MailMessage> {
  const email = await PostalMime.parse(input.source);
  const internetMessageId = messageIds(email.messageId ?? '')[0] ?? null;
  const references = messageIds(email.references ?? '');

  return {
    internetMessageId,
    // IMAP has no conversation id; the thread's first message, named first in References, stands in for one.
    conversationId: references[0] ?? internetMessageId,
    inReplyTo: messageIds(email.inReplyTo ?? '')[0] ?? null,
    references,
    subject: email.subject ?? '',
    from: firstAddress(email.from) ?? firstAddress(email.sender),
    to: addresses(email.to),
    cc: addresses(email.cc),
    bcc: addresses(email.bcc),
    sentAt: instantOf(email.date),
    receivedAt: instantOf(input.internalDate),
    bodyText: email.text ?? null,
    bodyHtml: email.html ?? null,
    headers: headersOf(email),
    categories: categoriesOf(input.flags, input.keyword, input.category),
    folder: input.folder,
    isDraft: input.flags.has('\\Draft') || input.folder === 'drafts',
    attachments: email.attachments.map(attachmentInfo),
  };
}

/** The bytes of the attachment at `index` in postal-mime's order, which is the order `attachments` lists them in. */
export async function attachmentContent(source: Uint8Array, index: number): Promise<Uint8Array | null> {
  const email = await PostalMime.parse(source, { attachmentEncoding: 'arraybuffer' });
  const attachment = email.attachments[index];
  if (attachment === undefined) {
    return null;
  }

  const content = attachment.content;
  if (typeof content === 'string') {
    return new TextEncoder().encode(content);
  }
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function categoriesOf(flags: ReadonlySet<string>, keyword: string, category: string): string[] {
  const wanted = keyword.toLowerCase();
  return [...flags]
    .filter((flag) => !flag.startsWith('\\') && !BOOKKEEPING_KEYWORDS.has(flag.toLowerCase()))
    .map((flag) => (flag.toLowerCase() === wanted ? category : flag));
}

/** Header fields by lower-case name; a repeated field keeps its first, topmost occurrence. */
function headersOf(email: Email): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of email.headers) {
    if (!(header.key in headers)) {
      headers[header.key] = header.value;
    }
  }
  return headers;
}

function messageIds(value: string): string[] {
  return [...value.matchAll(MESSAGE_ID)].map((match) => match[0]);
}

function firstAddress(address: Address | undefined): MailAddress | null {
  return address === undefined ? null : (addresses([address])[0] ?? null);
}

/** Flatten groups into their members; an entry without an address is no recipient. */
function addresses(list: readonly Address[] | undefined): MailAddress[] {
  return (list ?? [])
    .flatMap((entry) => (entry.group === undefined ? [entry] : entry.group))
    .filter((entry) => entry.address.trim() !== '')
    .map((entry) => ({ address: entry.address.trim(), name: entry.name.trim() === '' ? null : entry.name.trim() }));
}

function instantOf(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function attachmentInfo(attachment: Attachment, index: number): MailAttachmentInfo {
  const content = attachment.content;
  const size = typeof content === 'string' ? new TextEncoder().encode(content).byteLength : content.byteLength;
  return {
    id: String(index),
    name: attachment.filename ?? '',
    contentType: attachment.mimeType,
    size,
    isInline: attachment.disposition === 'inline' || attachment.related === true,
    contentId: attachment.contentId?.replace(/^<|>$/g, '') ?? null,
  };
}
