import { apiLink, checkIfMatch, contextUrl, eventHeaders, requireEvent } from './event-access.ts';
import { createEventRecord, patchEventRecord } from './event-input.ts';
import type { EventRecord } from './event-record.ts';
import { isInstance, overlapsWindow } from './event-record.ts';
import { renderEvent } from './event-view.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { parseCount, parseExpand, parseFilter, parseSelect } from './query-options.ts';
import { applySeriesEdit, removeSeriesInstances } from './series-edits.ts';
import { readWindow } from './view-window.ts';

/** Outlook pages event lists by 10 unless `$top` says otherwise, and serves at most 1000 per page. */
const DEFAULT_LIST_PAGE = 10;
const MAX_LIST_PAGE = 1000;

function renderOptions(context: RouteContext) {
  return {
    owner: context.user,
    preferences: context.preferences,
    select: parseSelect(context.request.query.get('$select')),
    expandProperties: parseExpand(context.request.query.get('$expand')),
  };
}

function createEvent(context: RouteContext): GraphResponse {
  const event = context.services.store.insert(createEventRecord(context.user, context.request.body));
  const body = { '@odata.context': contextUrl(context, 'events/$entity'), ...renderEvent(event, renderOptions(context)) };
  return jsonResponse(201, body, { ...eventHeaders(context), ETag: `W/"${event.changeKey}"` });
}

function getEvent(context: RouteContext): GraphResponse {
  const event = requireEvent(context);
  const body = { '@odata.context': contextUrl(context, 'events/$entity'), ...renderEvent(event, renderOptions(context)) };
  return jsonResponse(200, body, { ...eventHeaders(context), ETag: `W/"${event.changeKey}"` });
}

function updateEvent(context: RouteContext): GraphResponse {
  const event = requireEvent(context);
  checkIfMatch(context, event);

  // Validate on a copy so a request that fails half-way changes nothing.
  const draft: EventRecord = structuredClone(event);
  patchEventRecord(draft, context.request.body);
  const previous = { startMs: event.startMs, endMs: event.endMs };
  Object.assign(event, draft);

  if (event.type === 'occurrence') {
    event.type = 'exception';
  }
  context.services.store.touch(event);
  applySeriesEdit(context.services.store, event, previous, context.request.body);

  const body = { '@odata.context': contextUrl(context, 'events/$entity'), ...renderEvent(event, renderOptions(context)) };
  return jsonResponse(200, body, { ...eventHeaders(context), ETag: `W/"${event.changeKey}"` });
}

function deleteEvent(context: RouteContext): GraphResponse {
  const event = requireEvent(context);
  checkIfMatch(context, event);
  removeSeriesInstances(context.services.store, event);
  context.services.store.remove(event);
  return jsonResponse(204, null);
}

/** `GET /events`: single events and series masters, never expanded instances (Graph list events). */
function listEvents(context: RouteContext): GraphResponse {
  const predicate = parseFilter(context.request.query.get('$filter'));
  const events = context.services.store
    .liveEvents(context.user.id)
    .filter((event) => event.type === 'singleInstance' || event.type === 'seriesMaster')
    .filter((event) => predicate === null || predicate(event))
    .sort((a, b) => a.createdSeq - b.createdSeq);
  return page(context, events, 'events', contextUrl(context, 'events'));
}

/** `GET /calendarView`: instances overlapping the window, ordered by start. */
function listCalendarView(context: RouteContext): GraphResponse {
  const window = readWindow(context.request.query);
  const events = context.services.store
    .liveEvents(context.user.id)
    .filter((event) => isInstance(event) && overlapsWindow(event, window.startMs, window.endMs))
    .sort((a, b) => a.startMs - b.startMs);
  return page(context, events, 'calendarView', contextUrl(context, 'calendarView'));
}

/** `GET /events/{id}/instances`: the occurrences and exceptions of one series inside the window. */
function listInstances(context: RouteContext): GraphResponse {
  const master = requireEvent(context);
  if (master.type !== 'seriesMaster') {
    throw new GraphError(400, 'ErrorInvalidRequest', 'Instances exist only for a series master; this event is not recurring.');
  }

  const window = readWindow(context.request.query);
  const events = context.services.store
    .liveEvents(context.user.id)
    .filter((event) => event.seriesMasterId === master.id && overlapsWindow(event, window.startMs, window.endMs))
    .sort((a, b) => a.startMs - b.startMs);
  return page(context, events, `events/${encodeURIComponent(master.id)}/instances`, contextUrl(context, `events('${encodeURIComponent(master.id)}')/instances`));
}

function page(context: RouteContext, events: EventRecord[], pathAfterUser: string, odataContext: string): GraphResponse {
  const query = context.request.query;
  const top = Math.min(parseCount(query.get('$top'), '$top', context.preferences.maxPageSize ?? DEFAULT_LIST_PAGE), MAX_LIST_PAGE);
  const skip = parseCount(query.get('$skip'), '$skip', 0);
  const options = renderOptions(context);
  const body: Record<string, unknown> = {
    '@odata.context': odataContext,
    value: events.slice(skip, skip + top).map((event) => renderEvent(event, options)),
  };

  if (skip + top < events.length) {
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
  return jsonResponse(200, body, eventHeaders(context));
}

export function eventRoutes(): Route[] {
  const routes: Route[] = [];
  for (const base of ['/users/{user}/events', '/users/{user}/calendar/events']) {
    routes.push(
      { method: 'POST', template: base, handler: createEvent },
      { method: 'GET', template: base, handler: listEvents },
      { method: 'GET', template: `${base}/{id}`, handler: getEvent },
      { method: 'PATCH', template: `${base}/{id}`, handler: updateEvent },
      { method: 'DELETE', template: `${base}/{id}`, handler: deleteEvent },
      { method: 'GET', template: `${base}/{id}/instances`, handler: listInstances },
    );
  }
  routes.push(
    { method: 'GET', template: '/users/{user}/calendarView', handler: listCalendarView },
    { method: 'GET', template: '/users/{user}/calendar/calendarView', handler: listCalendarView },
  );
  return routes;
}
