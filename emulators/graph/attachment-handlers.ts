import { contextUrl } from './event-access.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import type { AttachmentRecord } from './mail-record.ts';
import { requireMessage } from './message-access.ts';
import { parseSelect } from './query-options.ts';

/**
 * Attachments of a message (api/message-list-attachments.md, api/attachment-get.md). Every attachment is a
 * `fileAttachment` with `contentBytes`, and `/$value` returns its raw bytes. `$select` may name only properties
 * of the base `attachment` type: Graph rejects `contentId` there, because only `fileAttachment` has it.
 */
const BASE_PROPERTIES = ['id', 'lastModifiedDateTime', 'name', 'contentType', 'size', 'isInline'];
const BASE_LOOKUP = new Map(BASE_PROPERTIES.map((name) => [name.toLowerCase(), name]));

function listAttachments(context: RouteContext): GraphResponse {
  const message = requireMessage(context);
  const select = readSelect(context);
  const value = message.attachments.map((attachment) => renderAttachment(attachment, select));
  return jsonResponse(200, { '@odata.context': contextUrl(context, `messages('${encodeURIComponent(message.id)}')/attachments`), value });
}

function getAttachment(context: RouteContext): GraphResponse {
  const message = requireMessage(context);
  const attachment = requireAttachment(message.attachments, context.params.attachmentId ?? '');
  const body = {
    '@odata.context': contextUrl(context, `messages('${encodeURIComponent(message.id)}')/attachments/$entity`),
    ...renderAttachment(attachment, readSelect(context)),
  };
  return jsonResponse(200, body);
}

/** Serve the raw bytes, typed with the attachment's own content type. */
function getAttachmentValue(context: RouteContext): GraphResponse {
  const message = requireMessage(context);
  const attachment = requireAttachment(message.attachments, context.params.attachmentId ?? '');
  return { status: 200, headers: { 'Content-Type': attachment.contentType }, body: Buffer.from(attachment.contentBase64, 'base64') };
}

function requireAttachment(attachments: readonly AttachmentRecord[], id: string): AttachmentRecord {
  const attachment = attachments.find((candidate) => candidate.id === id);
  if (!attachment) {
    throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }
  return attachment;
}

function readSelect(context: RouteContext): string[] | null {
  const select = parseSelect(context.request.query.get('$select'));
  if (select === null) {
    return null;
  }

  return [...select].map((name) => {
    const property = BASE_LOOKUP.get(name);
    if (property === undefined) {
      throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.attachment'.`);
    }
    return property;
  });
}

function renderAttachment(attachment: AttachmentRecord, select: readonly string[] | null): Record<string, unknown> {
  const full: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': attachment.contentType,
    id: attachment.id,
    lastModifiedDateTime: attachment.lastModifiedDateTime,
    name: attachment.name,
    contentType: attachment.contentType,
    size: attachment.size,
    isInline: attachment.isInline,
    contentId: attachment.contentId,
    contentLocation: null,
    contentBytes: attachment.contentBase64,
  };
  if (select === null) {
    return full;
  }

  const picked: Record<string, unknown> = { '@odata.type': full['@odata.type'], '@odata.mediaContentType': full['@odata.mediaContentType'], id: attachment.id };
  for (const property of select) {
    picked[property] = full[property];
  }
  return picked;
}

export function attachmentRoutes(): Route[] {
  const base = '/users/{user}/messages/{id}/attachments';
  return [
    { method: 'GET', template: base, handler: listAttachments },
    { method: 'GET', template: `${base}/{attachmentId}`, handler: getAttachment },
    { method: 'GET', template: `${base}/{attachmentId}/$value`, handler: getAttachmentValue },
  ];
}
