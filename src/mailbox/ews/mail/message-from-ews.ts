import type { FolderRole, MailAddress, MailAttachmentInfo, MailMessage } from '../../../domain/email-message.ts';
import { htmlToText } from '../../graph/html-to-text.ts';
import { booleanOf, categoriesOf, instantOf, mailboxOf, textOf } from '../items/ews-values.ts';
import { child, childText, children, type XmlNode } from '../soap/xml-tree.ts';

/** Message properties that every read requests. InternetMessageHeaders needs Exchange 2010 or later, TextBody Exchange 2013 or later. */
export const MESSAGE_FIELD_URIS = [
  'item:Subject',
  'item:Body',
  'item:TextBody',
  'item:Categories',
  'item:DateTimeSent',
  'item:DateTimeReceived',
  'item:IsDraft',
  'item:Attachments',
  'item:InternetMessageHeaders',
  'item:InReplyTo',
  'item:ConversationId',
  'item:LastModifiedTime',
  'item:ParentFolderId',
  'message:InternetMessageId',
  'message:References',
  'message:From',
  'message:Sender',
  'message:ToRecipients',
  'message:CcRecipients',
  'message:BccRecipients',
] as const;

const MESSAGE_ID = /<[^<>\s]+>/g;

/**
 * Build the canonical message from an EWS message read with the body as stored (BodyType Best). An HTML body is
 * kept and its text taken from TextBody, or derived when the server has no TextBody; a text body has no HTML.
 */
export function messageFromEws(node: XmlNode, folder: FolderRole): MailMessage {
  const body = child(node, 'Body');
  const isHtml = body?.attributes.BodyType?.toLowerCase() === 'html';
  const html = isHtml ? (body?.text ?? '') : null;
  const textBody = childText(node, 'TextBody');
  const text = html === null ? (body?.text ?? null) : (textBody ?? htmlToText(html));
  const headers = headersOf(node);

  return {
    internetMessageId: textOf(node, 'InternetMessageId'),
    conversationId: child(node, 'ConversationId')?.attributes.Id ?? null,
    inReplyTo: messageIds(textOf(node, 'InReplyTo') ?? headers['in-reply-to'] ?? '')[0] ?? null,
    references: messageIds(textOf(node, 'References') ?? headers.references ?? ''),
    subject: textOf(node, 'Subject') ?? '',
    from: mailboxOf(child(child(node, 'From'), 'Mailbox')) ?? mailboxOf(child(child(node, 'Sender'), 'Mailbox')),
    to: recipients(node, 'ToRecipients'),
    cc: recipients(node, 'CcRecipients'),
    bcc: recipients(node, 'BccRecipients'),
    sentAt: instantOf(node, 'DateTimeSent'),
    receivedAt: instantOf(node, 'DateTimeReceived'),
    bodyText: text === null || text === '' ? null : text,
    bodyHtml: html,
    headers,
    categories: categoriesOf(node),
    folder,
    isDraft: booleanOf(node, 'IsDraft'),
    attachments: children(child(node, 'Attachments'), 'FileAttachment').map(attachmentOf),
  };
}

function recipients(node: XmlNode, list: string): MailAddress[] {
  return children(child(node, list), 'Mailbox')
    .map(mailboxOf)
    .filter((address): address is MailAddress => address !== null);
}

/** Header fields by lower-case name; a repeated field keeps its first, topmost occurrence. */
function headersOf(node: XmlNode): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of children(child(node, 'InternetMessageHeaders'), 'InternetMessageHeader')) {
    const name = header.attributes.HeaderName?.trim().toLowerCase();
    if (name && !(name in headers)) {
      headers[name] = header.text.trim();
    }
  }
  return headers;
}

function messageIds(value: string): string[] {
  return [...value.matchAll(MESSAGE_ID)].map((match) => match[0]);
}

function attachmentOf(attachment: XmlNode): MailAttachmentInfo {
  const size = Number(textOf(attachment, 'Size') ?? '0');
  return {
    id: child(attachment, 'AttachmentId')?.attributes.Id ?? '',
    name: textOf(attachment, 'Name') ?? '',
    contentType: textOf(attachment, 'ContentType') ?? 'application/octet-stream',
    size: Number.isFinite(size) ? size : 0,
    isInline: booleanOf(attachment, 'IsInline'),
    contentId: textOf(attachment, 'ContentId')?.replace(/^<|>$/g, '') ?? null,
  };
}
