import { propertyKey } from './event-input.ts';
import { GraphError } from './graph-error.ts';
import { htmlToText, previewOf, textToHtml } from './html-text.ts';
import type { MessageRecord } from './mail-record.ts';
import type { Preferences } from './prefer-header.ts';

export interface MessageViewOptions {
  readonly preferences: Preferences;
  /** Property names from `$select` (lower case); null returns the default properties. */
  readonly select?: ReadonlySet<string> | null;
  /** Property ids from `$expand=singleValueExtendedProperties($filter=id eq '…')`; 'all' without a filter. */
  readonly expandProperties?: readonly string[] | 'all' | null;
  /** Delta items carry their OData type, as in the documented message delta responses. */
  readonly withODataType?: boolean;
}

/** Properties Graph returns only when `$select` names them (message resource type). */
const SELECT_ONLY = ['internetMessageHeaders', 'uniqueBody'];

/** Every property `$select` may name; any other name gets a 400, as Graph returns for an unknown property. */
const SELECTABLE = new Set(
  [
    'id',
    'createdDateTime',
    'lastModifiedDateTime',
    'changeKey',
    'categories',
    'receivedDateTime',
    'sentDateTime',
    'hasAttachments',
    'internetMessageId',
    'subject',
    'bodyPreview',
    'importance',
    'parentFolderId',
    'conversationId',
    'isDeliveryReceiptRequested',
    'isReadReceiptRequested',
    'isRead',
    'isDraft',
    'webLink',
    'inferenceClassification',
    'body',
    'sender',
    'from',
    'toRecipients',
    'ccRecipients',
    'bccRecipients',
    'replyTo',
    'flag',
    ...SELECT_ONLY,
  ].map((name) => name.toLowerCase()),
);

/** Reject a `$select` that names a property messages do not have. */
export function checkMessageSelect(select: ReadonlySet<string> | null): void {
  for (const name of select ?? []) {
    if (!SELECTABLE.has(name)) {
      throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.message'.`);
    }
  }
}

/** Render a message in Graph's JSON shape, properties in the order of the documented get-message response. */
export function renderMessage(message: MessageRecord, options: MessageViewOptions): Record<string, unknown> {
  const full = fullView(message, options.preferences);
  const head: Record<string, unknown> = options.withODataType ? { '@odata.type': '#microsoft.graph.message' } : {};
  const expanded = expandedProperties(message, options.expandProperties ?? null);
  const tail: Record<string, unknown> = expanded.length > 0 ? { singleValueExtendedProperties: expanded } : {};

  if (!options.select) {
    return { ...head, ...full, ...tail };
  }

  const picked: Record<string, unknown> = { ...head, '@odata.etag': full['@odata.etag'], id: full.id };
  for (const [key, value] of Object.entries(full)) {
    if (options.select.has(key.toLowerCase())) {
      picked[key] = value;
    }
  }
  if (options.select.has('internetmessageheaders') && message.internetMessageHeaders !== null) {
    picked.internetMessageHeaders = message.internetMessageHeaders.map((header) => ({ ...header }));
  }
  // NOTE: the emulator does not split quoted history off, so uniqueBody is the whole body.
  if (options.select.has('uniquebody')) {
    picked.uniqueBody = full.body;
  }
  return { ...picked, ...tail };
}

function fullView(message: MessageRecord, preferences: Preferences): Record<string, unknown> {
  return {
    '@odata.etag': `W/"${message.changeKey}"`,
    id: message.id,
    createdDateTime: message.createdDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    changeKey: message.changeKey,
    categories: [...message.categories],
    receivedDateTime: message.receivedDateTime,
    sentDateTime: message.sentDateTime,
    hasAttachments: message.attachments.some((attachment) => !attachment.isInline),
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    bodyPreview: previewOf(message.body.contentType, message.body.content),
    importance: message.importance,
    parentFolderId: message.parentFolderId,
    conversationId: message.conversationId,
    isDeliveryReceiptRequested: message.isDeliveryReceiptRequested,
    isReadReceiptRequested: message.isReadReceiptRequested,
    isRead: message.isRead,
    isDraft: message.isDraft,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: message.inferenceClassification,
    body: bodyView(message.body, preferences),
    sender: message.sender,
    from: message.from,
    toRecipients: message.toRecipients,
    ccRecipients: message.ccRecipients,
    bccRecipients: message.bccRecipients,
    replyTo: message.replyTo,
    flag: { ...message.flag },
  };
}

/** `Prefer: outlook.body-content-type` converts the body; without it Graph returns the body as stored. */
function bodyView(body: MessageRecord['body'], preferences: Preferences): MessageRecord['body'] {
  const wanted = preferences.bodyContentType;
  if (wanted === 'text' && body.contentType === 'html') {
    return { contentType: 'text', content: htmlToText(body.content) };
  }

  if (wanted === 'html' && body.contentType === 'text') {
    return { contentType: 'html', content: textToHtml(body.content) };
  }

  return { ...body };
}

function expandedProperties(message: MessageRecord, wanted: readonly string[] | 'all' | null): { id: string; value: string }[] {
  if (wanted === null) {
    return [];
  }

  if (wanted === 'all') {
    return message.extendedProperties.map((property) => ({ ...property }));
  }

  const keys = new Set(wanted.map(propertyKey));
  return message.extendedProperties.filter((property) => keys.has(propertyKey(property.id))).map((property) => ({ ...property }));
}
