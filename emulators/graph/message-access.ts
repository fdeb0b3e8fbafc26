import { GraphError, itemNotFound } from './graph-error.ts';
import type { RouteContext } from './graph-routing.ts';
import { isWellFormedEventId } from './ids.ts';
import type { MailFolderRecord, MessageRecord } from './mail-record.ts';
import type { MailStore } from './mail-store.ts';

/** Shared steps of the mail handlers: find the addressed message or folder. */

export function mailOf(context: RouteContext): MailStore {
  return context.services.mail;
}

/** Messages share the store-id format of events, so the same well-formedness check applies. */
export function requireMessage(context: RouteContext, id = context.params.id ?? ''): MessageRecord {
  if (!isWellFormedEventId(id)) {
    throw new GraphError(400, 'ErrorInvalidIdMalformed', `Id '${id}' is malformed; use a message id returned by Graph.`);
  }

  const message = mailOf(context).getMessage(context.user.id, id);
  if (!message) {
    throw itemNotFound();
  }
  return message;
}

/** Find a folder by id or well-known name; Graph returns 404 `ErrorItemNotFound` for an unknown one. */
export function requireFolder(context: RouteContext, key = context.params.folder ?? ''): MailFolderRecord {
  const folder = mailOf(context).findFolder(context.user.id, key);
  if (!folder) {
    throw new GraphError(404, 'ErrorItemNotFound', `The folder '${key}' was not found in the store; use a folder id or a well-known name such as inbox.`);
  }
  return folder;
}
