import { PREFERENCES } from '../graph-http.ts';

/**
 * The query options and preferences every message read sends, so a delta page and a read by id return the same
 * properties.
 */

/** Properties `MailMessage` needs, and nothing else; `internetMessageHeaders` comes only when selected. */
export const MESSAGE_SELECT = [
  'changeKey',
  'lastModifiedDateTime',
  'receivedDateTime',
  'sentDateTime',
  'internetMessageId',
  'conversationId',
  'subject',
  'body',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'categories',
  'hasAttachments',
  'isDraft',
  'parentFolderId',
  'internetMessageHeaders',
].join(',');

/**
 * PidTagInReplyToId and PidTagInternetReferences: Exchange keeps the threading headers as these MAPI properties
 * on every message, sent items included, whose `internetMessageHeaders` Graph does not return.
 */
export const IN_REPLY_TO_PROPERTY = 'String 0x1042';
export const REFERENCES_PROPERTY = 'String 0x1039';
export const MESSAGE_EXPAND = `singleValueExtendedProperties($filter=id eq '${IN_REPLY_TO_PROPERTY}' or id eq '${REFERENCES_PROPERTY}')`;

/** `$select` and `$expand` as one query string, for a read by id or a first delta request. */
export function messageQuery(): URLSearchParams {
  return new URLSearchParams({ $select: MESSAGE_SELECT, $expand: MESSAGE_EXPAND });
}

/**
 * The standard preferences without `outlook.body-content-type`, so Graph returns the body as it was written: HTML
 * stays HTML (the text is derived from it), and a plain-text message is not wrapped in made-up HTML.
 */
export const MAIL_PREFERENCES: readonly string[] = PREFERENCES.filter((preference) => !preference.startsWith('outlook.body-content-type'));

/** Attachment properties of the base `attachment` type; Graph rejects `contentId` in `$select` on this collection. */
export const ATTACHMENT_SELECT = 'id,name,contentType,size,isInline';

/** Properties a delta item must carry to be read as a whole message; Graph sometimes sends only the changed ones. */
export const REQUIRED_PROPERTIES = [
  'changeKey',
  'receivedDateTime',
  'subject',
  'body',
  'toRecipients',
  'categories',
  'parentFolderId',
  'hasAttachments',
  'isDraft',
] as const;
