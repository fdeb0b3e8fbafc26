import { DateTime } from 'luxon';
import {
  ATTENDEE_TYPES,
  RESPONSE_VALUES,
  SENSITIVITY_VALUES,
  SHOW_AS_VALUES,
  type Attendee,
  type CalendarEvent,
  type EventSpan,
  type Person,
  type RecurrenceInfo,
} from '../../domain/calendar-event.ts';
import type { ItemSnapshot } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { GraphAttendee, GraphEvent, GraphRecipient } from './graph-types.ts';
import { dateFromGraph, graphZone, instantFromGraph } from './graph-date-time.ts';
import { htmlToText } from './html-to-text.ts';
import { syncIdOf } from './sync-id-property.ts';

/** Modification time used when a payload has none: the oldest possible, so it never wins a latest-wins conflict. */
const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

/** Map a Graph event, read with `outlook.timezone="UTC"`, to the canonical calendar event. */
export function eventFromGraph(event: GraphEvent, mailboxTimeZone: string): CalendarEvent {
  const eventZone = graphZone(event.originalStartTimeZone) ?? mailboxTimeZone;
  return {
    subject: event.subject ?? '',
    span: spanFromGraph(event, eventZone),
    location: nonEmpty(event.location?.displayName) ?? joinUrlOf(event),
    body: bodyFromGraph(event.body),
    // A missing value takes Graph's default; a value newer than this code is read as the most cautious one.
    showAs: event.showAs ? oneOf(SHOW_AS_VALUES, event.showAs, 'unknown') : 'busy',
    sensitivity: event.sensitivity ? oneOf(SENSITIVITY_VALUES, event.sensitivity, 'private') : 'normal',
    organizer: personFromGraph(event.organizer),
    attendees: attendeesFromGraph(event),
    recurrence: recurrenceFromGraph(event, eventZone),
    isCancelled: event.isCancelled === true,
    iCalUId: nonEmpty(event.iCalUId),
    categories: (event.categories ?? []).filter((name): name is string => typeof name === 'string' && name !== ''),
  };
}

export function snapshotFromGraph(event: GraphEvent, mailboxTimeZone: string): ItemSnapshot<CalendarEvent> {
  return {
    id: event.id,
    version: versionOf(event),
    modifiedAt: modifiedAtOf(event),
    syncId: syncIdOf(event),
    item: eventFromGraph(event, mailboxTimeZone),
  };
}

/** Return the changeKey, or the same value unwrapped from the weak ETag when a payload carries only that. */
export function versionOf(event: GraphEvent): string {
  if (event.changeKey) {
    return event.changeKey;
  }

  const etag = event['@odata.etag'];
  if (etag) {
    return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  }
  return event.lastModifiedDateTime ?? '';
}

export function modifiedAtOf(event: GraphEvent): string {
  if (!event.lastModifiedDateTime) {
    return UNKNOWN_MODIFIED_AT;
  }

  const parsed = DateTime.fromISO(event.lastModifiedDateTime, { zone: 'UTC' });
  return parsed.isValid ? (parsed.toUTC().toISO() as string) : UNKNOWN_MODIFIED_AT;
}

function spanFromGraph(event: GraphEvent, eventZone: string): EventSpan {
  const { start, end } = event;
  if (!start || !end) {
    throw new ConnectorError({
      kind: 'bug',
      code: 'EventWithoutTimes',
      message: `Graph event ${event.id} came without start or end; the connector needs both`,
    });
  }

  if (event.isAllDay === true) {
    return { kind: 'allDay', startDate: dateFromGraph(start, eventZone), endDate: dateFromGraph(end, eventZone) };
  }

  // Under outlook.timezone="UTC" the dateTime is the instant; originalStartTimeZone only names the zone.
  return {
    kind: 'timed',
    start: instantFromGraph(start, eventZone),
    end: instantFromGraph(end, eventZone),
    timeZone: eventZone,
  };
}

function bodyFromGraph(body: GraphEvent['body']): string | null {
  const content = body?.content;
  if (!content) {
    return null;
  }

  const text = body.contentType?.toLowerCase() === 'html' ? htmlToText(content) : content.replace(/\r\n/g, '\n').trimEnd();
  return text === '' ? null : text;
}

function personFromGraph(recipient: GraphRecipient | null | undefined): Person | null {
  const address = recipient?.emailAddress;
  if (!address) {
    return null;
  }

  const email = nonEmpty(address.address);
  const name = nonEmpty(address.name);
  return email === null && name === null ? null : { email, name };
}

/**
 * An online meeting's join link stands in for an empty location, so the Salesforce Event shows where to meet. It
 * is read only: Graph makes the link, and writing it back would only put the same text into the location.
 */
function joinUrlOf(event: GraphEvent): string | null {
  return event.isOnlineMeeting === true ? nonEmpty(event.onlineMeeting?.joinUrl) : null;
}

/**
 * Outlook lists a booked room as a required attendee; its address is also a `conferenceRoom` location's URI, so
 * such an attendee is read as a resource, which never becomes a Salesforce invitee.
 */
function attendeesFromGraph(event: GraphEvent): Attendee[] {
  const rooms = new Set((event.locations ?? []).flatMap((location) => {
    const uri = nonEmpty(location.locationUri);
    return location.locationType === 'conferenceRoom' && uri !== null ? [uri.toLowerCase()] : [];
  }));
  return (event.attendees ?? []).map((attendee) => {
    const mapped = attendeeFromGraph(attendee);
    return mapped.email !== null && rooms.has(mapped.email.toLowerCase()) ? { ...mapped, type: 'resource' } : mapped;
  });
}

function attendeeFromGraph(attendee: GraphAttendee): Attendee {
  return {
    email: nonEmpty(attendee.emailAddress?.address),
    name: nonEmpty(attendee.emailAddress?.name),
    type: oneOf(ATTENDEE_TYPES, attendee.type?.toLowerCase(), 'required'),
    response: oneOf(RESPONSE_VALUES, attendee.status?.response, 'none'),
  };
}

function recurrenceFromGraph(event: GraphEvent, eventZone: string): RecurrenceInfo | null {
  const role = event.type === 'occurrence' || event.type === 'exception' ? event.type : null;
  if (role === null || !event.seriesMasterId) {
    return null;
  }

  return { role, seriesId: event.seriesMasterId, originalStart: originalStartOf(event, eventZone) };
}

/**
 * Graph gives `originalStart` as a UTC instant. For an all-day series that instant is midnight in the series'
 * zone, so the date is taken there. Graph has been observed labelling all-day events `UTC` while the midnight is
 * the mailbox's. For those the nearest UTC midnight gives the date in every zone from -12 to +12 hours. Payloads without `originalStart` (e.g. `$select` lists) fall back to the start, which
 * is exact for an occurrence and the best available for an exception.
 */
function originalStartOf(event: GraphEvent, eventZone: string): string {
  const allDay = event.isAllDay === true;
  if (!event.originalStart) {
    const span = spanFromGraph(event, eventZone);
    return span.kind === 'allDay' ? span.startDate : span.start;
  }

  const instant = DateTime.fromISO(event.originalStart, { zone: 'UTC' });
  if (!allDay) {
    return instant.toUTC().toISO() as string;
  }

  if (eventZone !== 'UTC') {
    return instant.setZone(eventZone).toISODate() as string;
  }
  return instant.plus({ hours: 12 }).startOf('day').toISODate() as string;
}

function oneOf<T extends string>(allowed: readonly T[], value: string | null | undefined, fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}
