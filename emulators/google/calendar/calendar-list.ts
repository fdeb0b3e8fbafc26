import { GoogleApiError, invalid } from '../google-error.ts';
import { decodeToken, encodeToken, nowIso } from '../ids.ts';
import type { CalendarEventRecord, UserState } from '../state.ts';
import { instantOfTime, type EventDateTime } from './event-times.ts';

/**
 * `events.list` and `events.instances`: a full listing filtered by the query, or, from a sync token, every event
 * changed since the token was issued, deleted ones (status `cancelled`) included. As documented, a sync token
 * cannot be combined with the filters timeMin, timeMax, updatedMin, iCalUID, orderBy, q and the extended
 * property filters. `eventTypes` (repeatable) limits both kinds of listing to those event types; without it every
 * type is listed, birthdays and working locations included.
 */

export interface ListQuery {
  readonly singleEvents: boolean;
  readonly showDeleted: boolean;
  readonly timeMin: number | null;
  readonly timeMax: number | null;
  readonly updatedMin: number | null;
  readonly syncToken: string | null;
  readonly pageToken: string | null;
  readonly maxResults: number;
  readonly privateExtendedProperty: readonly string[];
  readonly sharedExtendedProperty: readonly string[];
  readonly iCalUID: string | null;
  readonly q: string | null;
  readonly orderBy: string | null;
  /** The `eventTypes` values; empty for every type. */
  readonly eventTypes: readonly string[];
  /** For `events.instances`: only this series' instances. */
  readonly masterId?: string;
}

interface SyncTokenValue {
  readonly e: number;
  readonly s: number;
  readonly m: number;
}

interface PageTokenValue {
  readonly o: number;
  readonly s: number;
}

/** The event types Calendar documents for `eventTypes` and the `eventType` field. */
export const EVENT_TYPES = ['birthday', 'default', 'focusTime', 'fromGmail', 'outOfOffice', 'workingLocation'] as const;

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 2500;

export function parseListQuery(params: URLSearchParams): ListQuery {
  const time = (name: string): number | null => {
    const value = params.get(name);
    if (value === null) {
      return null;
    }
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || !/[zZ]|[+-]\d{2}:\d{2}$/.test(value)) {
      throw invalid(`Bad Request: ${name} must be an RFC3339 timestamp with a time zone offset.`);
    }
    return ms;
  };
  const requested = Number(params.get('maxResults') ?? DEFAULT_PAGE_SIZE);
  const eventTypes = params.getAll('eventTypes');
  const unknownType = eventTypes.find((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  if (unknownType !== undefined) {
    throw invalid(`Invalid value for eventTypes: ${unknownType}`);
  }
  return {
    singleEvents: params.get('singleEvents') === 'true',
    showDeleted: params.get('showDeleted') === 'true',
    timeMin: time('timeMin'),
    timeMax: time('timeMax'),
    updatedMin: time('updatedMin'),
    syncToken: params.get('syncToken'),
    pageToken: params.get('pageToken'),
    maxResults: Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
    privateExtendedProperty: params.getAll('privateExtendedProperty'),
    sharedExtendedProperty: params.getAll('sharedExtendedProperty'),
    iCalUID: params.get('iCalUID'),
    q: params.get('q'),
    orderBy: params.get('orderBy'),
    eventTypes,
  };
}

export function listEvents(user: UserState, query: ListQuery): Record<string, unknown> {
  checkCompatible(query);
  const page = query.pageToken === null ? null : decodeToken<PageTokenValue>(query.pageToken);
  if (query.pageToken !== null && (page === null || typeof page.o !== 'number')) {
    throw invalid('Invalid page token.');
  }

  const snapshot = page?.s ?? user.calendar.seq;
  const since = query.syncToken === null ? null : sinceOf(user, query.syncToken);
  const matching = Object.values(user.calendar.events)
    .filter((record) => record.seq <= snapshot || since === null)
    .filter((record) => (since === null ? inFullListing(user, record, query) : record.seq > since && inMode(record, query.singleEvents, true)))
    .filter((record) => query.masterId === undefined || record.resource.recurringEventId === query.masterId)
    .filter((record) => query.eventTypes.length === 0 || query.eventTypes.includes(String(record.resource.eventType ?? 'default')));
  const ordered = order(user, matching, query.orderBy);

  const offset = page?.o ?? 0;
  const items = ordered.slice(offset, offset + query.maxResults).map((record) => record.resource);
  const body: Record<string, unknown> = {
    kind: 'calendar#events',
    etag: `"${snapshot}"`,
    summary: user.email,
    description: '',
    updated: nowIso(),
    timeZone: user.timeZone,
    accessRole: 'owner',
    defaultReminders: [{ method: 'popup', minutes: 10 }],
  };
  if (offset + query.maxResults < ordered.length) {
    body.nextPageToken = encodeToken({ o: offset + query.maxResults, s: snapshot } satisfies PageTokenValue);
  } else if (query.masterId === undefined && issuesSyncToken(query)) {
    body.nextSyncToken = encodeToken({ e: user.calendar.tokenEpoch, s: snapshot, m: query.singleEvents ? 1 : 0 } satisfies SyncTokenValue);
  }
  body.items = items;
  return body;
}

function checkCompatible(query: ListQuery): void {
  if (query.orderBy !== null && query.orderBy !== 'startTime' && query.orderBy !== 'updated') {
    throw invalid(`Invalid value for orderBy: ${query.orderBy}`);
  }
  if (query.orderBy === 'startTime' && !query.singleEvents) {
    throw invalid('The requested ordering is not available for the particular query.');
  }
  if (query.syncToken === null) {
    return;
  }

  const filters = [query.timeMin, query.timeMax, query.updatedMin, query.iCalUID, query.q, query.orderBy];
  if (filters.some((value) => value !== null) || query.privateExtendedProperty.length > 0 || query.sharedExtendedProperty.length > 0) {
    throw invalid('The sync token cannot be combined with timeMin, timeMax, updatedMin, iCalUID, orderBy, q or extended property filters.');
  }
}

function sinceOf(user: UserState, token: string): number {
  const value = decodeToken<SyncTokenValue>(token);
  if (value === null || value.e !== user.calendar.tokenEpoch || typeof value.s !== 'number' || value.s > user.calendar.seq) {
    throw new GoogleApiError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.', { domain: 'calendar' });
  }
  return value.s;
}

/** Filters that make a listing partial cannot seed incremental sync, so no sync token comes with them. */
function issuesSyncToken(query: ListQuery): boolean {
  return query.iCalUID === null && query.q === null && query.updatedMin === null && query.privateExtendedProperty.length === 0 && query.sharedExtendedProperty.length === 0;
}

/** Tell whether a listing mode shows a record: instances with `singleEvents`, masters and exceptions without it. */
function inMode(record: CalendarEventRecord, singleEvents: boolean, incremental: boolean): boolean {
  const isMaster = Array.isArray(record.resource.recurrence);
  const isInstance = record.resource.recurringEventId !== undefined;
  if (singleEvents) {
    return !isMaster;
  }
  return !isInstance || record.isException || (incremental && record.resource.status === 'cancelled');
}

function inFullListing(user: UserState, record: CalendarEventRecord, query: ListQuery): boolean {
  const resource = record.resource;
  if (!inMode(record, query.singleEvents, false) && query.masterId === undefined) {
    return false;
  }
  if (!query.showDeleted && resource.status === 'cancelled') {
    return false;
  }
  if (!overlaps(user, record, query)) {
    return false;
  }
  if (query.updatedMin !== null && Date.parse(String(resource.updated)) < query.updatedMin) {
    return false;
  }
  if (query.iCalUID !== null && resource.iCalUID !== query.iCalUID) {
    return false;
  }
  if (query.q !== null && !matchesText(resource, query.q)) {
    return false;
  }
  return matchesProperties(resource, 'private', query.privateExtendedProperty) && matchesProperties(resource, 'shared', query.sharedExtendedProperty);
}

/** timeMin bounds the end and timeMax the start, both exclusive. A master counts through its instances. */
function overlaps(user: UserState, record: CalendarEventRecord, query: ListQuery): boolean {
  if (query.timeMin === null && query.timeMax === null) {
    return true;
  }
  const spans = Array.isArray(record.resource.recurrence)
    ? Object.values(user.calendar.events).filter((candidate) => candidate.resource.recurringEventId === record.resource.id).map((candidate) => candidate.resource)
    : [record.resource];
  return spans.some((resource) => {
    const start = instantOfTime(resource.start as EventDateTime, user.timeZone);
    const end = instantOfTime(resource.end as EventDateTime, user.timeZone);
    return (query.timeMin === null || end > query.timeMin) && (query.timeMax === null || start < query.timeMax);
  });
}

function matchesText(resource: Record<string, unknown>, q: string): boolean {
  const text = [resource.summary, resource.description, resource.location].filter((value) => typeof value === 'string').join('\n').toLowerCase();
  return q.toLowerCase().split(/\s+/).every((word) => text.includes(word));
}

function matchesProperties(resource: Record<string, unknown>, scope: 'private' | 'shared', filters: readonly string[]): boolean {
  const properties = (resource.extendedProperties as Record<string, Record<string, string>> | undefined)?.[scope] ?? {};
  return filters.every((filter) => {
    const separator = filter.indexOf('=');
    if (separator <= 0) {
      throw invalid(`Invalid ${scope}ExtendedProperty filter: expected propertyName=value, got ${filter}`);
    }
    return properties[filter.slice(0, separator)] === filter.slice(separator + 1);
  });
}

function order(user: UserState, records: CalendarEventRecord[], orderBy: string | null): CalendarEventRecord[] {
  if (orderBy === 'updated') {
    return [...records].sort((a, b) => String(a.resource.updated).localeCompare(String(b.resource.updated)) || String(a.resource.id).localeCompare(String(b.resource.id)));
  }
  const startOf = (record: CalendarEventRecord) => instantOfTime(record.resource.start as EventDateTime, user.timeZone);
  return [...records].sort((a, b) => startOf(a) - startOf(b) || String(a.resource.id).localeCompare(String(b.resource.id)));
}
