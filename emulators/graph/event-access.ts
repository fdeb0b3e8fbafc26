import type { EventRecord } from './event-record.ts';
import { GraphError, itemNotFound } from './graph-error.ts';
import type { RouteContext } from './graph-routing.ts';
import { isWellFormedEventId } from './ids.ts';
import { preferenceApplied } from './prefer-header.ts';

/** Shared steps of the event handlers: find the addressed event, check If-Match, build response headers. */

export function requireEvent(context: RouteContext): EventRecord {
  const id = context.params.id ?? '';
  if (!isWellFormedEventId(id)) {
    throw new GraphError(400, 'ErrorInvalidIdMalformed', `Id '${id}' is malformed; use an event id returned by Graph.`);
  }

  const event = context.services.store.getEvent(context.user.id, id);
  if (!event) {
    throw itemNotFound();
  }
  return event;
}

/**
 * Optimistic concurrency on PATCH and DELETE. `If-Match` carries the change key bare, quoted or as the weak
 * etag `W/"<changeKey>"`, and `*` matches any version. A stale one fails with 412 `ErrorIrresolvableConflict`,
 * the code Exchange uses when the change key sent no longer matches the item's.
 */
export function checkIfMatch(context: RouteContext, event: Pick<EventRecord, 'changeKey'>): void {
  const header = context.request.headers['if-match'];
  if (header === undefined || header.trim() === '') {
    return;
  }

  const candidates = header.split(',').map((value) => value.trim().replace(/^W\//i, '').replace(/^"(.*)"$/, '$1'));
  if (candidates.some((candidate) => candidate === '*' || candidate === event.changeKey)) {
    return;
  }

  throw new GraphError(
    412,
    'ErrorIrresolvableConflict',
    'The change key in If-Match does not match the current change key of the item; read the item again and retry with its new change key.',
  );
}

export function eventHeaders(context: RouteContext, options: { pageSize?: boolean } = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const applied = preferenceApplied(context.preferences, options);
  if (applied !== null) {
    headers['Preference-Applied'] = applied;
  }
  return headers;
}

export function contextUrl(context: RouteContext, suffix: string): string {
  return `${context.request.origin}/v1.0/$metadata#users('${encodeURIComponent(context.userSegment)}')/${suffix}`;
}

/** Absolute link back to this API for paging, keeping the user segment as the client wrote it. */
export function apiLink(context: RouteContext, pathAfterUser: string, query: URLSearchParams): string {
  const search = query.toString().replace(/%24/g, '$');
  return `${context.request.origin}/v1.0/users/${encodeURIComponent(context.userSegment)}/${pathAfterUser}?${search}`;
}
