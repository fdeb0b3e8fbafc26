import { randomUUID } from 'node:crypto';
import { contextUrl } from './event-access.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import type { CategoryRecord } from './mail-record.ts';
import { mailOf } from './message-access.ts';

/**
 * The user's master category list (api/outlookuser-list-mastercategories.md, api/outlookuser-post-mastercategories.md,
 * api/outlookcategory-update.md). Display names are unique (compared case-insensitively) and cannot change after
 * creation; only the colour can.
 */
// NOTE: Graph documents no error body for a duplicate category name; 409 `ErrorAlreadyExists` is an assumption.
const COLOR = /^(none|preset(\d|1\d|2[0-4]))$/i;

function categoriesOf(context: RouteContext): CategoryRecord[] {
  return mailOf(context).mailboxOf(context.user.id).categories;
}

function listCategories(context: RouteContext): GraphResponse {
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'outlook/masterCategories'), value: categoriesOf(context).map((category) => ({ ...category })) });
}

function createCategory(context: RouteContext): GraphResponse {
  const input = (context.request.body ?? {}) as { displayName?: unknown; color?: unknown };
  if (typeof input.displayName !== 'string' || input.displayName.trim() === '') {
    throw new GraphError(400, 'ErrorInvalidRequest', "An Outlook category needs a non-empty 'displayName'.");
  }

  const displayName = input.displayName;
  if (categoriesOf(context).some((category) => category.displayName.toLowerCase() === displayName.toLowerCase())) {
    throw new GraphError(409, 'ErrorAlreadyExists', `A category named '${displayName}' already exists in the master category list.`);
  }

  const category: CategoryRecord = { id: randomUUID(), displayName, color: readColor(input.color ?? 'none') };
  categoriesOf(context).push(category);
  mailOf(context).changed();
  return jsonResponse(201, { '@odata.context': contextUrl(context, 'outlook/masterCategories/$entity'), ...category });
}

function getCategory(context: RouteContext): GraphResponse {
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'outlook/masterCategories/$entity'), ...requireCategory(context) });
}

function updateCategory(context: RouteContext): GraphResponse {
  const category = requireCategory(context);
  const input = (context.request.body ?? {}) as { displayName?: unknown; color?: unknown };
  if (input.displayName !== undefined && input.displayName !== category.displayName) {
    throw new GraphError(400, 'ErrorInvalidRequest', 'The displayName of a category cannot change after it is created; create a new category instead.');
  }

  if (input.color !== undefined) {
    category.color = readColor(input.color);
    mailOf(context).changed();
  }
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'outlook/masterCategories/$entity'), ...category });
}

function deleteCategory(context: RouteContext): GraphResponse {
  const category = requireCategory(context);
  const mailbox = mailOf(context).mailboxOf(context.user.id);
  mailbox.categories = mailbox.categories.filter((candidate) => candidate.id !== category.id);
  mailOf(context).changed();
  return jsonResponse(204, null);
}

function requireCategory(context: RouteContext): CategoryRecord {
  const category = categoriesOf(context).find((candidate) => candidate.id === context.params.id);
  if (!category) {
    throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }
  return category;
}

function readColor(value: unknown): string {
  if (typeof value !== 'string' || !COLOR.test(value)) {
    throw new GraphError(400, 'ErrorInvalidRequest', `Category color ${JSON.stringify(value)} is invalid; use 'none' or 'preset0' to 'preset24'.`);
  }
  return value.toLowerCase();
}

export function categoryRoutes(): Route[] {
  const base = '/users/{user}/outlook/masterCategories';
  return [
    { method: 'GET', template: base, handler: listCategories },
    { method: 'POST', template: base, handler: createCategory },
    { method: 'GET', template: `${base}/{id}`, handler: getCategory },
    { method: 'PATCH', template: `${base}/{id}`, handler: updateCategory },
    { method: 'DELETE', template: `${base}/{id}`, handler: deleteCategory },
  ];
}
