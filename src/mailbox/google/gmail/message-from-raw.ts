import PostalMime, { type Address, type Attachment } from 'postal-mime';
import type { FolderRole, MailAddress, MailAttachmentInfo, MailMessage } from '../../../domain/email-message.ts';

const MESSAGE_ID = /<[^<>\s]+>/g;

/** Attachment ids are the attachment's position in the parsed message; `readAttachment` parses it again to find it. */
export const ATTACHMENT_ID_PREFIX = 'part:';

export interface RawMessageContext {
  readonly threadId: string | null;
  readonly internalDate: string | null;
  readonly folder: FolderRole;
  readonly isDraft: boolean;
  readonly categories: readonly string[];
}

/**
 * Build the canonical message from the RFC 5322 bytes of Gmail's `raw` format, parsed by postal-mime: the bodies,
 * headers and attachments exactly as sent, with Gmail's own facts (thread, receipt time, labels) beside them.
 */
export async function messageFromRaw(bytes: Uint8Array, context: RawMessageContext): Promise<MailMessage> {
  const email = await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer' });
  return {
    internetMessageId: messageIds(email.messageId ?? '')[0] ?? null,
    conversationId: context.threadId,
    inReplyTo: messageIds(email.inReplyTo ?? '')[0] ?? null,
    references: messageIds(email.references ?? ''),
    subject: email.subject ?? '',
    from: flatten(email.from ? [email.from] : [])[0] ?? flatten(email.sender ? [email.sender] : [])[0] ?? null,
    to: flatten(email.to ?? []),
    cc: flatten(email.cc ?? []),
    bcc: flatten(email.bcc ?? []),
    sentAt: instantOf(email.date),
    receivedAt: context.internalDate === null ? null : instantOf(new Date(Number(context.internalDate)).toISOString()),
    bodyText: email.text ?? null,
    bodyHtml: email.html ?? null,
    headers: headersOf(email.headers),
    categories: [...context.categories],
    folder: context.folder,
    isDraft: context.isDraft,
    attachments: email.attachments.map(attachmentInfo),
  };
}

/** Return the bytes of the attachment an id from `messageFromRaw` names; null when the message has no such part. */
export async function attachmentBytes(bytes: Uint8Array, attachmentId: string): Promise<Uint8Array | null> {
  const index = Number(attachmentId.startsWith(ATTACHMENT_ID_PREFIX) ? attachmentId.slice(ATTACHMENT_ID_PREFIX.length) : Number.NaN);
  if (!Number.isInteger(index) || index < 0) {
    return null;
  }
  const email = await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer' });
  const attachment = email.attachments[index];
  return attachment === undefined ? null : contentBytes(attachment);
}

function attachmentInfo(attachment: Attachment, index: number): MailAttachmentInfo {
  return {
    id: `${ATTACHMENT_ID_PREFIX}${index}`,
    name: attachment.filename ?? `attachment-${index + 1}`,
    contentType: attachment.mimeType || 'application/octet-stream',
    size: contentBytes(attachment).byteLength,
    isInline: attachment.disposition === 'inline' || attachment.related === true,
    contentId: attachment.contentId ? attachment.contentId.replace(/^<|>$/g, '') : null,
  };
}

function contentBytes(attachment: Attachment): Uint8Array {
  const { content } = attachment;
  if (typeof content === 'string') {
    return new TextEncoder().encode(content);
  }
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/** Header fields by lower-case name; a repeated field keeps its first, topmost occurrence. */
function headersOf(headers: readonly { key: string; value: string }[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const header of headers) {
    if (!(header.key in result)) {
      result[header.key] = header.value;
    }
  }
  return result;
}

/** Mailboxes of address groups are listed as members; an entry without an address is dropped. */
function flatten(addresses: readonly Address[]): MailAddress[] {
  return addresses
    .flatMap((address) => (address.group ? address.group : [address]))
    .filter((mailbox) => mailbox.address !== undefined && mailbox.address.trim() !== '')
    .map((mailbox) => {
      const address = (mailbox.address as string).trim();
      const name = mailbox.name.trim();
      return { address, name: name === '' || name.toLowerCase() === address.toLowerCase() ? null : name };
    });
}

function messageIds(value: string): string[] {
  return [...value.matchAll(MESSAGE_ID)].map((match) => match[0]);
}

function instantOf(value: string | undefined): string | null {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
