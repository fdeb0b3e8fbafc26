import { DateTime } from 'luxon';
import type { Attendee, CalendarEvent, EventSpan, Person, RecurrenceInfo, Response, Sensitivity, ShowAs } from '../../../domain/calendar-event.ts';
import type { ItemSnapshot } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { toIanaZone } from '../../../domain/time-zones.ts';
import { descriptionText } from './description-text.ts';
import { categoriesOfColor } from './event-colors.ts';
import type { GoogleAttendee, GoogleEvent, GoogleEventDateTime, GooglePerson } from './google-event-types.ts';

/**
 * The private extended property that carries Syncline's sync id on events it creates. Calendar limits keys to 44
 * characters and values to 1,024; a sync id is a UUID with an optional short prefix.
 */
export const SYNC_ID_KEY = 'synclineSyncId';

/** Modification time used when a payload has none: the oldest possible, so it never wins a latest-wins conflict. */
const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

const RESPONSES: Readonly<Record<string, Response>> = {
  accepted: 'accepted',
  declined: 'declined',
  tentative: 'tentativelyAccepted',
  needsAction: 'notResponded',
};

/** Map a Calendar event (a single event or one instance of a series) to the canonical calendar event. */
export function eventFromGoogle(event: GoogleEvent, calendarZone: string): CalendarEvent {
  return {
    subject: event.summary ?? '',
    span: spanOf(event, calendarZone),
    location: nonEmpty(event.location),
    body: event.description ? nonEmpty(descriptionText(event.description).trimEnd()) : null,
    showAs: showAsOf(event),
    sensitivity: sensitivityOf(event.visibility),
    organizer: personOf(event.organizer),
    attendees: (event.attendees ?? []).map(attendeeOf),
    recurrence: recurrenceOf(event),
    isCancelled: false,
    iCalUId: nonEmpty(event.iCalUID),
    categories: categoriesOfColor(event.colorId),
  };
}

export function snapshotFromGoogle(event: GoogleEvent, calendarZone: string): ItemSnapshot<CalendarEvent> {
  return { id: event.id, version: versionOf(event), modifiedAt: modifiedAtOf(event), syncId: syncIdOf(event), item: eventFromGoogle(event, calendarZone) };
}

/** Calendar's etag changes on every edit, so it is the event's version; it is sent back as If-Match. */
export function versionOf(event: GoogleEvent): string {
  return event.etag ?? event.updated ?? '';
}

export function modifiedAtOf(event: GoogleEvent): string {
  const parsed = event.updated ? DateTime.fromISO(event.updated, { zone: 'UTC' }) : null;
  return parsed?.isValid ? (parsed.toUTC().toISO() as string) : UNKNOWN_MODIFIED_AT;
}

export function syncIdOf(event: GoogleEvent): string | null {
  const value = event.extendedProperties?.private?.[SYNC_ID_KEY];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Return the instants an event covers, for the window check; all-day dates count from midnight in the calendar's zone. */
export function boundsOf(span: EventSpan, calendarZone: string): { start: number; end: number } {
  if (span.kind === 'allDay') {
    return { start: DateTime.fromISO(span.startDate, { zone: calendarZone }).toMillis(), end: DateTime.fromISO(span.endDate, { zone: calendarZone }).toMillis() };
  }
  return { start: Date.parse(span.start), end: Date.parse(span.end) };
}

function spanOf(event: GoogleEvent, calendarZone: string): EventSpan {
  const { start, end } = event;
  if (start?.date && end?.date) {
    return { kind: 'allDay', startDate: start.date, endDate: end.date };
  }
  if (!start?.dateTime || !end?.dateTime) {
    throw new ConnectorError({ kind: 'bug', code: 'EventWithoutTimes', message: `Calendar event ${event.id} came without start or end; the connector needs both` });
  }
  return {
    kind: 'timed',
    start: instantOf(start, event.id),
    end: instantOf(end, event.id),
    timeZone: (start.timeZone ? toIanaZone(start.timeZone) : null) ?? calendarZone,
  };
}

function instantOf(value: GoogleEventDateTime, eventId: string): string {
  const parsed = DateTime.fromISO(value.dateTime ?? '', { setZone: true });
  if (!parsed.isValid) {
    throw new ConnectorError({ kind: 'bug', code: 'EventTimeInvalid', message: `Calendar event ${eventId} has a dateTime that is not RFC 3339: ${parsed.invalidExplanation ?? 'invalid'}` });
  }
  return parsed.toUTC().toISO() as string;
}

/**
 * Calendar has no show-as field: an event is busy (opaque) or free (transparent). A tentative event and the
 * out-of-office and working-location event types carry the other values.
 */
function showAsOf(event: GoogleEvent): ShowAs {
  if (event.eventType === 'outOfOffice') return 'oof';
  if (event.eventType === 'workingLocation') return 'workingElsewhere';
  if (event.transparency === 'transparent') return 'free';
  if (event.status === 'tentative') return 'tentative';
  return 'busy';
}

function sensitivityOf(visibility: string | null | undefined): Sensitivity {
  if (visibility === 'private') return 'private';
  if (visibility === 'confidential') return 'confidential';
  return 'normal';
}

function personOf(person: GooglePerson | null | undefined): Person | null {
  const email = nonEmpty(person?.email);
  const name = nonEmpty(person?.displayName);
  return email === null && name === null ? null : { email, name };
}

function attendeeOf(attendee: GoogleAttendee): Attendee {
  return {
    email: nonEmpty(attendee.email),
    name: nonEmpty(attendee.displayName),
    type: attendeeType(attendee),
    response: RESPONSES[attendee.responseStatus ?? ''] ?? 'none',
  };
}

function attendeeType(attendee: GoogleAttendee): Attendee['type'] {
  if (attendee.resource === true) {
    return 'resource';
  }
  return attendee.optional === true ? 'optional' : 'required';
}

/**
 * Calendar marks no instance as an exception. An instance whose start moved off its original slot is one; an
 * instance edited in other fields only reads as an occurrence.
 */
function recurrenceOf(event: GoogleEvent): RecurrenceInfo | null {
  if (!event.recurringEventId || !event.originalStartTime) {
    return null;
  }

  const original = event.originalStartTime;
  const originalStart = original.date ?? instantOf(original, event.id);
  const start = event.start?.date ?? (event.start?.dateTime ? instantOf(event.start, event.id) : originalStart);
  return { role: start === originalStart ? 'occurrence' : 'exception', seriesId: event.recurringEventId, originalStart };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}
