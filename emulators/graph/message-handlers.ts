import { checkIfMatch, contextUrl, eventHeaders } from './event-access.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { itemPage } from './item-page.ts';
import type { MessageRecord } from './mail-record.ts';
import { mailOf, requireFolder, requireMessage } from './message-access.ts';
import { patchMessageRecord } from './message-input.ts';
import { parseMessageFilter } from './message-query.ts';
import { checkMessageSelect, renderMessage, type MessageViewOptions } from './message-view.ts';
import { parseExpand, parseSelect } from './query-options.ts';

function viewOptions(context: RouteContext): MessageViewOptions {
  const select = parseSelect(context.request.query.get('$select'));
  checkMessageSelect(select);
  return { preferences: context.preferences, select, expandProperties: parseExpand(context.request.query.get('$expand')) };
}

/** The message of `{id}`; under `/mailFolders/{folder}/messages/{id}` it must also sit in that folder. */
function addressedMessage(context: RouteContext): MessageRecord {
  const message = requireMessage(context);
  if (context.params.folder !== undefined && requireFolder(context).id !== message.parentFolderId) {
    throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }
  return message;
}

function messageResponse(context: RouteContext, status: number, message: MessageRecord): GraphResponse {
  const body = { '@odata.context': contextUrl(context, 'messages/$entity'), ...renderMessage(message, viewOptions(context)) };
  return jsonResponse(status, body, { ...eventHeaders(context), ETag: `W/"${message.changeKey}"` });
}

function getMessage(context: RouteContext): GraphResponse {
  return messageResponse(context, 200, addressedMessage(context));
}

function updateMessage(context: RouteContext): GraphResponse {
  const message = addressedMessage(context);
  checkIfMatch(context, message);

  // Validate on a copy so a request that fails half-way changes nothing.
  const draft: MessageRecord = structuredClone(message);
  patchMessageRecord(draft, context.request.body);
  Object.assign(message, draft);
  mailOf(context).touch(message);
  return messageResponse(context, 200, message);
}

function deleteMessage(context: RouteContext): GraphResponse {
  const message = addressedMessage(context);
  checkIfMatch(context, message);
  mailOf(context).remove(message);
  return jsonResponse(204, null);
}

/** `POST …/messages/{id}/move` with `destinationId` (a folder id or well-known name); 201 with the moved message. */
function moveMessage(context: RouteContext): GraphResponse {
  const message = addressedMessage(context);
  const destinationId = (context.request.body as { destinationId?: unknown } | null)?.destinationId;
  if (typeof destinationId !== 'string' || destinationId === '') {
    throw new GraphError(400, 'ErrorInvalidRequest', "Send a JSON body with 'destinationId': a folder id or a well-known folder name such as inbox.");
  }

  const destination = requireFolder(context, destinationId);
  if (destination.wellKnownName === 'msgfolderroot') {
    throw new GraphError(400, 'ErrorMoveCopyFailed', 'A message cannot be moved to the root folder; choose a folder below it.');
  }
  mailOf(context).move(message, destination.id);
  return messageResponse(context, 201, message);
}

/** `GET /messages` (every folder) or `GET /mailFolders/{folder}/messages`, newest received first as Outlook lists them. */
function listMessages(context: RouteContext): GraphResponse {
  const query = context.request.query;
  const folderId = context.params.folder === undefined ? null : requireFolder(context).id;
  const predicate = parseMessageFilter(query.get('$filter'), 'list');
  const ascending = /^receivedDateTime(\s+asc)?$/i.test(query.get('$orderby')?.trim() ?? '');
  const options = viewOptions(context);

  const messages = mailOf(context)
    .liveMessages(context.user.id)
    .filter((message) => folderId === null || message.parentFolderId === folderId)
    .filter((message) => predicate === null || predicate(message))
    .sort((a, b) => (ascending ? 1 : -1) * a.receivedDateTime.localeCompare(b.receivedDateTime) || a.createdSeq - b.createdSeq);

  const pathAfterUser = folderId === null ? 'messages' : `mailFolders/${encodeURIComponent(folderId)}/messages`;
  return itemPage(context, messages, { pathAfterUser, odataContext: contextUrl(context, pathAfterUser) }, (message) => renderMessage(message, options));
}

export function messageRoutes(): Route[] {
  const routes: Route[] = [];
  for (const base of ['/users/{user}/messages', '/users/{user}/mailFolders/{folder}/messages']) {
    routes.push(
      { method: 'GET', template: base, handler: listMessages },
      { method: 'GET', template: `${base}/{id}`, handler: getMessage },
      { method: 'PATCH', template: `${base}/{id}`, handler: updateMessage },
      { method: 'DELETE', template: `${base}/{id}`, handler: deleteMessage },
      { method: 'POST', template: `${base}/{id}/move`, handler: moveMessage },
    );
  }
  return routes;
}
