import { apiLink, contextUrl } from './event-access.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { newFolderId } from './mail-ids.ts';
import type { MailFolderRecord } from './mail-record.ts';
import { mailOf, requireFolder } from './message-access.ts';
import { parseCount, parseSelect } from './query-options.ts';

/**
 * Mail folders (api/user-list-mailfolders.md, api/user-post-mailfolders.md, api/mailfolder-list-childfolders.md).
 * `/mailFolders` lists the folders below the root; a folder is addressed by id or well-known name. Siblings
 * cannot share a display name (compared case-insensitively), so a second create gets 409 `ErrorFolderExists`.
 * List filters support `displayName eq '…'`, compared case-insensitively as Exchange does.
 */
const DEFAULT_LIST_PAGE = 10;
const DISPLAY_NAME_FILTER = /^displayName\s+eq\s+'((?:[^']|'')*)'$/i;

function renderFolder(context: RouteContext, folder: MailFolderRecord): Record<string, unknown> {
  const mail = mailOf(context);
  const messages = mail.liveMessages(context.user.id).filter((message) => message.parentFolderId === folder.id);
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount: mail.childFolders(context.user.id, folder.id).length,
    unreadItemCount: messages.filter((message) => !message.isRead).length,
    totalItemCount: messages.length,
    isHidden: folder.isHidden,
  };
}

function pick(view: Record<string, unknown>, select: ReadonlySet<string> | null): Record<string, unknown> {
  if (select === null) {
    return view;
  }
  return Object.fromEntries(Object.entries(view).filter(([key]) => key === 'id' || select.has(key.toLowerCase())));
}

function listFolders(context: RouteContext): GraphResponse {
  const parent = context.params.folder === undefined ? requireFolder(context, 'msgfolderroot') : requireFolder(context);
  const query = context.request.query;
  const nameFilter = readNameFilter(query.get('$filter'));
  const includeHidden = query.get('includehiddenfolders')?.toLowerCase() === 'true';
  const folders = mailOf(context)
    .childFolders(context.user.id, parent.id)
    .filter((folder) => includeHidden || !folder.isHidden)
    .filter((folder) => nameFilter === null || folder.displayName.toLowerCase() === nameFilter.toLowerCase());

  const top = parseCount(query.get('$top'), '$top', DEFAULT_LIST_PAGE);
  const skip = parseCount(query.get('$skip'), '$skip', 0);
  const select = parseSelect(query.get('$select'));
  const pathAfterUser = context.params.folder === undefined ? 'mailFolders' : `mailFolders/${encodeURIComponent(parent.id)}/childFolders`;
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(context, pathAfterUser),
    value: folders.slice(skip, skip + top).map((folder) => pick(renderFolder(context, folder), select)),
  };

  if (skip + top < folders.length) {
    const next = new URLSearchParams();
    for (const [key, value] of query) {
      if (key !== '$skip' && key !== '$top') {
        next.set(key, value);
      }
    }
    next.set('$top', String(top));
    next.set('$skip', String(skip + top));
    body['@odata.nextLink'] = apiLink(context, pathAfterUser, next);
  }
  return jsonResponse(200, body);
}

function readNameFilter(filter: string | undefined): string | null {
  if (filter === undefined || filter.trim() === '') {
    return null;
  }

  const match = DISPLAY_NAME_FILTER.exec(filter.trim());
  if (!match) {
    throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${filter}; mail folders filter on displayName eq '…' here.`);
  }
  return (match[1] ?? '').replace(/''/g, "'");
}

function createFolder(context: RouteContext): GraphResponse {
  const parent = context.params.folder === undefined ? requireFolder(context, 'msgfolderroot') : requireFolder(context);
  const input = (context.request.body ?? {}) as { displayName?: unknown; isHidden?: unknown };
  const displayName = readDisplayName(input.displayName);
  assertNameFree(context, parent.id, displayName, null);

  const folder: MailFolderRecord = {
    id: newFolderId(),
    ownerId: context.user.id,
    displayName,
    parentFolderId: parent.id,
    wellKnownName: null,
    isHidden: input.isHidden === true,
  };
  mailOf(context).addFolder(folder);
  return jsonResponse(201, { '@odata.context': contextUrl(context, 'mailFolders/$entity'), ...renderFolder(context, folder) });
}

function getFolder(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  const view = pick(renderFolder(context, folder), parseSelect(context.request.query.get('$select')));
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'mailFolders/$entity'), ...view });
}

function updateFolder(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  const displayName = readDisplayName((context.request.body as { displayName?: unknown } | null)?.displayName);
  if (folder.parentFolderId !== null) {
    assertNameFree(context, folder.parentFolderId, displayName, folder.id);
  }

  folder.displayName = displayName;
  mailOf(context).changed();
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'mailFolders/$entity'), ...renderFolder(context, folder) });
}

function deleteFolder(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  if (folder.wellKnownName !== null) {
    throw new GraphError(403, 'ErrorDeleteDistinguishedFolder', `The folder '${folder.displayName}' is a default folder and cannot be deleted.`);
  }

  mailOf(context).removeFolder(folder);
  return jsonResponse(204, null);
}

function readDisplayName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new GraphError(400, 'ErrorInvalidRequest', "A mail folder needs a non-empty 'displayName'.");
  }
  return value;
}

function assertNameFree(context: RouteContext, parentId: string, displayName: string, exceptId: string | null): void {
  const taken = mailOf(context)
    .childFolders(context.user.id, parentId)
    .some((folder) => folder.id !== exceptId && folder.displayName.toLowerCase() === displayName.toLowerCase());
  if (taken) {
    throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
}

export function mailFolderRoutes(): Route[] {
  return [
    { method: 'GET', template: '/users/{user}/mailFolders', handler: listFolders },
    { method: 'POST', template: '/users/{user}/mailFolders', handler: createFolder },
    { method: 'GET', template: '/users/{user}/mailFolders/{folder}', handler: getFolder },
    { method: 'PATCH', template: '/users/{user}/mailFolders/{folder}', handler: updateFolder },
    { method: 'DELETE', template: '/users/{user}/mailFolders/{folder}', handler: deleteFolder },
    { method: 'GET', template: '/users/{user}/mailFolders/{folder}/childFolders', handler: listFolders },
    { method: 'POST', template: '/users/{user}/mailFolders/{folder}/childFolders', handler: createFolder },
  ];
}
