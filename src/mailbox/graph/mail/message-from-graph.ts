import type { FolderRole, MailAddress, MailAttachmentInfo, MailMessage } from '../../../domain/email-message.ts';
import type { GraphAttachment, GraphMessage } from './graph-mail-types.ts';
import type { GraphRecipient } from '../graph-types.ts';
import { htmlToText } from '../html-to-text.ts';
import { IN_REPLY_TO_PROPERTY, REFERENCES_PROPERTY } from './message-query.ts';

const MESSAGE_ID = /<[^<>\s]+>/g;

/**
 * Build the canonical message from Graph's message JSON. Graph keeps one body: an HTML body is kept as it is and its text
 * derived from it, a text body stays text with no HTML.
 */
export function messageFromGraph(message: GraphMessage, folder: FolderRole, attachments: readonly GraphAttachment[]): MailMessage {
  const headers = headersOf(message);
  const html = message.body?.contentType?.toLowerCase() === 'html' ? (message.body.content ?? '') : null;
  const text = html === null ? (message.body?.content ?? null) : htmlToText(html);

  return {
    internetMessageId: nonEmpty(message.internetMessageId),
    conversationId: nonEmpty(message.conversationId),
    inReplyTo: messageIds(propertyOf(message, IN_REPLY_TO_PROPERTY) ?? headers['in-reply-to'] ?? '')[0] ?? null,
    references: messageIds(propertyOf(message, REFERENCES_PROPERTY) ?? headers.references ?? ''),
    subject: message.subject ?? '',
    from: addressOf(message.from) ?? addressOf(message.sender),
    to: addressesOf(message.toRecipients),
    cc: addressesOf(message.ccRecipients),
    bcc: addressesOf(message.bccRecipients),
    sentAt: instantOf(message.sentDateTime),
    receivedAt: instantOf(message.receivedDateTime),
    bodyText: text,
    bodyHtml: html,
    headers,
    categories: [...(message.categories ?? [])],
    folder,
    isDraft: message.isDraft === true,
    attachments: attachments.map(attachmentInfo),
  };
}

/**
 * Collect header fields by lower-case name. A field that occurs more than once (Received, a repeated References)
 * keeps its first occurrence, the topmost one. Threading does not depend on it, because it comes from the MAPI
 * properties.
 */
function headersOf(message: GraphMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of message.internetMessageHeaders ?? []) {
    const name = header.name?.trim().toLowerCase();
    if (name && !(name in headers)) {
      headers[name] = header.value ?? '';
    }
  }
  return headers;
}

function propertyOf(message: GraphMessage, id: string): string | null {
  const wanted = id.toLowerCase();
  const value = message.singleValueExtendedProperties?.find((property) => property.id.toLowerCase() === wanted)?.value;
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function messageIds(value: string): string[] {
  return [...value.matchAll(MESSAGE_ID)].map((match) => match[0]);
}

function addressOf(recipient: GraphRecipient | null | undefined): MailAddress | null {
  const address = recipient?.emailAddress?.address?.trim();
  if (!address) {
    return null;
  }

  const name = recipient?.emailAddress?.name?.trim();
  // Exchange repeats the address as the name when the sender gave none; that is no name.
  return { address, name: name && name.toLowerCase() !== address.toLowerCase() ? name : null };
}

function addressesOf(recipients: readonly GraphRecipient[] | null | undefined): MailAddress[] {
  return (recipients ?? []).map(addressOf).filter((address): address is MailAddress => address !== null);
}

function instantOf(value: string | null | undefined): string | null {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function nonEmpty(value: string | null | undefined): string | null {
  return value && value.trim() !== '' ? value.trim() : null;
}

function attachmentInfo(attachment: GraphAttachment): MailAttachmentInfo {
  return {
    id: attachment.id,
    name: attachment.name ?? '',
    contentType: attachment.contentType ?? 'application/octet-stream',
    size: attachment.size ?? 0,
    isInline: attachment.isInline === true,
    contentId: nonEmpty(attachment.contentId)?.replace(/^<|>$/g, '') ?? null,
  };
}
