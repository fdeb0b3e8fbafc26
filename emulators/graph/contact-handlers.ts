import { checkIfMatch, contextUrl, eventHeaders } from './event-access.ts';
import type { ContactFolderRecord, ContactRecord } from './contact-record.ts';
import { createContactRecord, patchContactRecord } from './contact-input.ts';
import { renderContact } from './contact-view.ts';
import { GraphError, itemNotFound } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { isWellFormedEventId, newEventId } from './ids.ts';
import { serveItemDelta } from './item-delta.ts';
import { parseItemFilter } from './item-filter.ts';
import { itemPage } from './item-page.ts';

/**
 * Outlook contacts (api/user-list-contacts.md, user-post-contacts.md, contact-get/update/delete.md,
 * contact-delta.md, user-list-contactfolders.md). `/users/{u}/contacts` is the default Contacts folder, which is
 * also reachable as `/contactFolders/contacts`. PATCH and DELETE honour `If-Match` with the change key, bare or as
 * the weak ETag.
 */

const CONTACT_FILTER = {
  properties: {
    givenName: (contact: ContactRecord) => contact.text.givenName,
    surname: (contact: ContactRecord) => contact.text.surname,
    displayName: (contact: ContactRecord) => contact.text.displayName,
    companyName: (contact: ContactRecord) => contact.text.companyName,
    fileAs: (contact: ContactRecord) => contact.text.fileAs,
  },
  extendedProperties: (contact: ContactRecord) => contact.extendedProperties,
  emailAddresses: (contact: ContactRecord) => contact.emailAddresses.map((email) => email.address),
};

/** Find the folder a route names: `{folderId}` (an id or `contacts`), or the default folder for `/contacts`. */
function requireFolder(context: RouteContext): ContactFolderRecord {
  const id = context.params.folderId;
  if (id === undefined) {
    return context.services.contacts.defaultFolder(context.user);
  }

  const folder = context.services.contacts.findFolder(context.user, id);
  if (!folder) {
    throw new GraphError(404, 'ErrorItemNotFound', `The contact folder '${id}' was not found in the mailbox; list /contactFolders for the ids.`);
  }
  return folder;
}

/** A contact of the mailbox; under a folder route it must sit in that folder. */
function requireContact(context: RouteContext): ContactRecord {
  const id = context.params.id ?? '';
  if (!isWellFormedEventId(id)) {
    throw new GraphError(400, 'ErrorInvalidIdMalformed', `Id '${id}' is malformed; use a contact id returned by Graph.`);
  }

  const contact = context.services.contacts.contacts.get(context.user.id, id);
  const folderId = context.params.folderId;
  if (!contact || (folderId !== undefined && contact.containerId !== requireFolder(context).id)) {
    throw itemNotFound();
  }
  return contact;
}

function contactResponse(context: RouteContext, contact: ContactRecord, status: number): GraphResponse {
  const query = context.request.query;
  const body = { '@odata.context': contextUrl(context, 'contacts/$entity'), ...renderContact(contact, { select: query.get('$select'), expand: query.get('$expand') }) };
  return jsonResponse(status, body, { ...eventHeaders(context), ETag: `W/"${contact.changeKey}"` });
}

function folderPath(context: RouteContext, folder: ContactFolderRecord): string {
  return context.params.folderId === undefined ? 'contacts' : `contactFolders/${encodeURIComponent(folder.id)}/contacts`;
}

function listContacts(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  const query = context.request.query;
  const predicate = parseItemFilter(query.get('$filter'), CONTACT_FILTER);
  const contacts = context.services.contacts.contacts.live(context.user.id, folder.id).filter((contact) => predicate === null || predicate(contact));
  const path = folderPath(context, folder);
  const options = { select: query.get('$select'), expand: query.get('$expand') };
  return itemPage(context, contacts, { pathAfterUser: path, odataContext: contextUrl(context, path) }, (contact) => renderContact(contact, options));
}

function createContact(context: RouteContext): GraphResponse {
  const draft = createContactRecord(requireFolder(context), context.request.body);
  draft.id = newEventId();
  return contactResponse(context, context.services.contacts.contacts.insert(draft), 201);
}

function getContact(context: RouteContext): GraphResponse {
  return contactResponse(context, requireContact(context), 200);
}

function updateContact(context: RouteContext): GraphResponse {
  const contact = requireContact(context);
  checkIfMatch(context, contact);

  // Validate on a copy so a request that fails half-way changes nothing.
  const draft: ContactRecord = structuredClone(contact);
  patchContactRecord(draft, context.request.body);
  Object.assign(contact, draft);
  context.services.contacts.contacts.touch(contact);
  return contactResponse(context, contact, 200);
}

function deleteContact(context: RouteContext): GraphResponse {
  const contact = requireContact(context);
  checkIfMatch(context, contact);
  context.services.contacts.contacts.remove(contact);
  return jsonResponse(204, null);
}

function contactDelta(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  const path = `contactFolders/${encodeURIComponent(folder.id)}/contacts/delta`;
  return serveItemDelta(context, {
    family: 'contact',
    log: context.services.contacts.contacts,
    containerId: folder.id,
    linkPath: path,
    odataContext: contextUrl(context, path),
    options: ['$select'],
    render: (contact, query) => renderContact(contact, { select: query.select }),
  });
}

function renderFolder(folder: ContactFolderRecord): Record<string, unknown> {
  return { id: folder.id, parentFolderId: folder.parentFolderId, displayName: folder.displayName };
}

function listFolders(context: RouteContext): GraphResponse {
  const parent = requireFolder(context);
  const folders = context.services.contacts.childFolders(context.user, parent).map(renderFolder);
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'contactFolders'), value: folders }, eventHeaders(context));
}

function createFolder(context: RouteContext): GraphResponse {
  const parent = requireFolder(context);
  const body = context.request.body as { displayName?: unknown } | null;
  if (typeof body?.displayName !== 'string' || body.displayName.trim() === '') {
    throw new GraphError(400, 'ErrorInvalidRequest', "A contact folder needs a 'displayName' string.");
  }

  const folder = context.services.contacts.addFolder(context.user, parent, body.displayName);
  return jsonResponse(201, { '@odata.context': contextUrl(context, 'contactFolders/$entity'), ...renderFolder(folder) }, eventHeaders(context));
}

function getFolder(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'contactFolders/$entity'), ...renderFolder(folder) }, eventHeaders(context));
}

export function contactRoutes(): Route[] {
  const folder = '/users/{user}/contactFolders/{folderId}';
  const routes: Route[] = [
    { method: 'GET', template: '/users/{user}/contactFolders', handler: listFolders },
    { method: 'POST', template: '/users/{user}/contactFolders', handler: createFolder },
    { method: 'GET', template: `${folder}/contacts/delta`, handler: contactDelta },
    { method: 'GET', template: folder, handler: getFolder },
    { method: 'GET', template: `${folder}/childFolders`, handler: listFolders },
    { method: 'POST', template: `${folder}/childFolders`, handler: createFolder },
  ];
  for (const base of ['/users/{user}/contacts', `${folder}/contacts`]) {
    routes.push(
      { method: 'GET', template: base, handler: listContacts },
      { method: 'POST', template: base, handler: createContact },
      { method: 'GET', template: `${base}/{id}`, handler: getContact },
      { method: 'PATCH', template: `${base}/{id}`, handler: updateContact },
      { method: 'DELETE', template: `${base}/{id}`, handler: deleteContact },
    );
  }
  return routes;
}
