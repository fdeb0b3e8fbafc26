import { apiLink, eventHeaders } from './event-access.ts';
import type { EventRecord } from './event-record.ts';
import { isInstance, overlapsWindow } from './event-record.ts';
import { renderEvent } from './event-view.ts';
import type { DeltaState } from './delta-token.ts';
import { decodeDeltaState, encodeDeltaState } from './delta-token.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { readWindow } from './view-window.ts';

/**
 * `GET /users/{user}/calendarView/delta` (concepts/delta-query-events.md, api/event-delta.md).
 *
 * - A round is one or more pages linked by `@odata.nextLink` (`$skiptoken`) and ends with `@odata.deltaLink`
 *   (`$deltatoken`). `Prefer: odata.maxpagesize` sets the page size.
 * - Items are instances (single events, occurrences, exceptions). Series masters are never listed.
 * - Items carry every property a calendar view GET returns, plus `@odata.type`. `$select` is documented as
 *   unsupported here, and `$expand`, `$filter`, `$orderby` and `$search` are not delta options either, so
 *   they are rejected rather than silently ignored.
 * - From a delta link, an instance deleted, cancelled or moved out of the window comes back as
 *   `{ "@odata.type", "id", "@removed": { "reason": "deleted" } }`.
 * - A token that no longer has server state answers 410 Gone with `syncStateNotFound`, the code the delta
 *   query overview names for expired tokens. The client must start a new round without a token.
 */
const UNSUPPORTED_OPTIONS = ['$select', '$expand', '$filter', '$orderby', '$search', '$top'];

function calendarViewDelta(context: RouteContext): GraphResponse {
  for (const option of UNSUPPORTED_OPTIONS) {
    if (context.request.query.has(option)) {
      throw new GraphError(400, 'ErrorInvalidUrlQuery', `The query option ${option} is not supported with delta on a calendar view; send only startDateTime and endDateTime.`);
    }
  }

  const state = roundState(context);
  const pageSize = context.preferences.maxPageSize ?? context.services.defaultPageSize;
  const upToSeq = state.upToSeq ?? context.services.store.currentSeq;
  const items: Record<string, unknown>[] = [];
  let lastSeq = state.afterSeq;
  let pageFull = false;

  context.services.store.scanChanges(context.user.id, state.afterSeq, upToSeq, (event) => {
    const item = deltaItem(event, state, context);
    lastSeq = event.seq;
    if (item) {
      items.push(item);
    }
    pageFull = items.length >= pageSize;
    return !pageFull;
  });

  const body: Record<string, unknown> = { '@odata.context': `${context.request.origin}/v1.0/$metadata#Collection(event)` };
  if (pageFull && lastSeq < upToSeq) {
    body['@odata.nextLink'] = deltaLink(context, '$skiptoken', { ...state, afterSeq: lastSeq, upToSeq });
  } else {
    body['@odata.deltaLink'] = deltaLink(context, '$deltatoken', { ...state, afterSeq: upToSeq, upToSeq: null, baseSeq: upToSeq, full: false });
  }
  body.value = items;
  return jsonResponse(200, body, eventHeaders(context, { pageSize: true }));
}

function roundState(context: RouteContext): DeltaState {
  const query = context.request.query;
  const token = query.get('$skiptoken') ?? query.get('$deltatoken');
  if (token === undefined) {
    const window = readWindow(query);
    return {
      userId: context.user.id,
      windowStartMs: window.startMs,
      windowEndMs: window.endMs,
      afterSeq: 0,
      upToSeq: null,
      baseSeq: 0,
      full: true,
      epoch: context.services.store.deltaEpoch,
    };
  }

  const state = decodeDeltaState(token);
  if (state.userId !== context.user.id) {
    throw new GraphError(400, 'BadRequest', 'This state token belongs to another mailbox; use the link returned for this user.');
  }

  if (state.epoch !== context.services.store.deltaEpoch) {
    throw new GraphError(410, 'syncStateNotFound', 'The sync state behind this token no longer exists; start a new round with startDateTime and endDateTime and no token.');
  }
  return state;
}

function deltaItem(event: EventRecord, state: DeltaState, context: RouteContext): Record<string, unknown> | null {
  if (!isInstance(event)) {
    return null;
  }

  const visible = !event.deleted && !event.isCancelled && overlapsWindow(event, state.windowStartMs, state.windowEndMs);
  if (visible) {
    return renderEvent(event, { owner: context.user, preferences: context.preferences, withODataType: true });
  }

  // The first round lists what exists. Later rounds report only removals of items the client could have seen.
  if (state.full || event.createdSeq > state.baseSeq) {
    return null;
  }
  return { '@odata.type': '#microsoft.graph.event', id: event.id, '@removed': { reason: 'deleted' } };
}

function deltaLink(context: RouteContext, option: '$skiptoken' | '$deltatoken', state: DeltaState): string {
  const path = context.request.path.toLowerCase().includes('/calendar/calendarview') ? 'calendar/calendarView/delta' : 'calendarView/delta';
  return apiLink(context, path, new URLSearchParams({ [option]: encodeDeltaState(state) }));
}

export function deltaRoutes(): Route[] {
  return [
    { method: 'GET', template: '/users/{user}/calendarView/delta', handler: calendarViewDelta },
    { method: 'GET', template: '/users/{user}/calendar/calendarView/delta', handler: calendarViewDelta },
  ];
}
