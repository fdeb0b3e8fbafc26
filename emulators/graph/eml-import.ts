import { createHash } from 'node:crypto';
import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';
import type { ExtendedProperty } from './event-record.ts';
import type { InternetMessageHeader, Recipient } from './mail-record.ts';

/**
 * An .eml file read the way Exchange stores a delivered message. It has one body (HTML when the message has an HTML
 * part, else text), the transport headers and every MIME attachment. The threading headers are also kept as the
 * MAPI properties PidTagInReplyToId (`String 0x1042`) and PidTagInternetReferences (`String 0x1039`).
 */
export interface EmlMessage {
  readonly internetMessageId: string | null;
  readonly subject: string;
  readonly from: Recipient | null;
  readonly sender: Recipient | null;
  readonly toRecipients: Recipient[];
  readonly ccRecipients: Recipient[];
  readonly bccRecipients: Recipient[];
  readonly replyTo: Recipient[];
  /** ISO instants; null when the file has no readable Date or Received header. */
  readonly sentDateTime: string | null;
  readonly receivedDateTime: string | null;
  readonly body: { contentType: 'text' | 'html'; content: string };
  readonly headers: InternetMessageHeader[];
  readonly importance: 'low' | 'normal' | 'high';
  readonly isReadReceiptRequested: boolean;
  readonly attachments: EmlAttachment[];
  readonly extendedProperties: ExtendedProperty[];
  /** Message-IDs this message replies to, for threading: In-Reply-To and References, in header order. */
  readonly referencedIds: string[];
  /** Key that seeding matches on: the Message-ID, or `sha256:…` of the bytes when there is none. */
  readonly seedKey: string;
  readonly seedHash: string;
  readonly warnings: string[];
}

export interface EmlAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly isInline: boolean;
  readonly contentId: string | null;
  readonly contentBase64: string;
}

export const IN_REPLY_TO_PROPERTY = 'String 0x1042';
export const REFERENCES_PROPERTY = 'String 0x1039';

const MESSAGE_ID = /<[^<>\s]+>/g;
const EXTENSIONS: Record<string, string> = {
  'text/plain': '.txt',
  'text/html': '.htm',
  'text/calendar': '.ics',
  'message/rfc822': '.eml',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'application/pdf': '.pdf',
};

export async function importEml(bytes: Uint8Array): Promise<EmlMessage> {
  const email = await PostalMime.parse(bytes, { attachmentEncoding: 'base64' });
  const warnings: string[] = [];
  const seedHash = createHash('sha256').update(bytes).digest('hex');

  const internetMessageId = email.messageId?.trim() || null;
  if (internetMessageId === null) {
    warnings.push('no Message-ID header: seeding matches this file by its content instead');
  }

  const from = firstRecipient(email.from);
  if (from === null) {
    warnings.push('no From header: the message has no sender');
  }

  const sentDateTime = readInstant(email.date);
  if (email.date !== undefined && sentDateTime === null) {
    warnings.push(`unreadable Date header '${email.date}': the message has no sent time`);
  }

  const inReplyTo = headerValues(email, 'in-reply-to')[0]?.trim() ?? '';
  const references = headerValues(email, 'references').join(' ').replace(/\s+/g, ' ').trim();
  return {
    internetMessageId,
    subject: email.subject ?? '',
    from,
    sender: firstRecipient(email.sender) ?? from,
    toRecipients: recipients(email.to),
    ccRecipients: recipients(email.cc),
    bccRecipients: recipients(email.bcc),
    replyTo: recipients(email.replyTo),
    sentDateTime,
    receivedDateTime: receivedInstant(email) ?? sentDateTime,
    body: email.html !== undefined ? { contentType: 'html', content: email.html } : { contentType: 'text', content: email.text ?? '' },
    headers: email.headers.map((header) => ({ name: header.originalKey, value: header.value })),
    importance: importanceOf(email),
    isReadReceiptRequested: headerValues(email, 'disposition-notification-to').length > 0,
    attachments: email.attachments.map((attachment, index) => toAttachment(attachment, index)),
    extendedProperties: [
      ...(inReplyTo === '' ? [] : [{ id: IN_REPLY_TO_PROPERTY, value: inReplyTo }]),
      ...(references === '' ? [] : [{ id: REFERENCES_PROPERTY, value: references }]),
    ],
    referencedIds: [...`${references} ${inReplyTo}`.matchAll(MESSAGE_ID)].map((match) => match[0]),
    seedKey: internetMessageId ?? `sha256:${seedHash}`,
    seedHash,
    warnings,
  };
}

function headerValues(email: Email, key: string): string[] {
  return email.headers.filter((header) => header.key === key).map((header) => header.value);
}

/** Exchange lists a recipient without a display name under its address, as the documented payloads show. */
function toRecipient(name: string, address: string): Recipient {
  return { emailAddress: { name: name === '' ? address : name, address } };
}

function recipients(addresses: Address[] | undefined): Recipient[] {
  const flat: Recipient[] = [];
  for (const address of addresses ?? []) {
    if (address.group) {
      flat.push(...address.group.filter((member) => member.address !== '').map((member) => toRecipient(member.name, member.address)));
    } else if (address.address !== '') {
      flat.push(toRecipient(address.name, address.address));
    }
  }
  return flat;
}

function firstRecipient(address: Address | undefined): Recipient | null {
  return recipients(address === undefined ? [] : [address])[0] ?? null;
}

function readInstant(value: string | undefined): string | null {
  if (value === undefined) {
    return null;
  }

  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Read when the last server took the message: the date after the `;` of the topmost Received header. */
function receivedInstant(email: Email): string | null {
  const received = headerValues(email, 'received')[0];
  const stamp = received?.slice(received.lastIndexOf(';') + 1).trim();
  return stamp ? readInstant(stamp) : null;
}

/** `Importance`, else `X-Priority` (1–2 high, 4–5 low), which Exchange maps to the same property. */
function importanceOf(email: Email): 'low' | 'normal' | 'high' {
  const importance = headerValues(email, 'importance')[0]?.trim().toLowerCase();
  if (importance === 'high' || importance === 'low') {
    return importance;
  }

  const priority = Number.parseInt(headerValues(email, 'x-priority')[0]?.trim() ?? '', 10);
  if (priority === 1 || priority === 2) {
    return 'high';
  }
  return priority === 4 || priority === 5 ? 'low' : 'normal';
}

/**
 * An unnamed part gets a name the way Outlook shows one, `Untitled attachment 00001.txt`.
 * NOTE: postal-mime returns calendar parts (text/calendar, application/ics) as re-encoded UTF-8 text with LF line
 * ends, so their bytes and size can differ from the file's. Every other part keeps its exact bytes.
 */
function toAttachment(attachment: Attachment, index: number): EmlAttachment {
  const content = typeof attachment.content === 'string' ? attachment.content : Buffer.from(attachment.content as ArrayBuffer).toString('base64');
  const name = attachment.filename ?? `Untitled attachment ${String(index + 1).padStart(5, '0')}${EXTENSIONS[attachment.mimeType] ?? '.bin'}`;
  return {
    name,
    contentType: attachment.mimeType,
    size: Buffer.from(content, 'base64').length,
    isInline: attachment.disposition === 'inline' || attachment.related === true,
    contentId: attachment.contentId?.replace(/^<|>$/g, '') ?? null,
    contentBase64: content,
  };
}
