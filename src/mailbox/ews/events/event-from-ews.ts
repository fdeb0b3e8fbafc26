import { DateTime } from 'luxon';
import type { Attendee, AttendeeType, CalendarEvent, EventSpan, Person, RecurrenceInfo, Response, Sensitivity, ShowAs } from '../../../domain/calendar-event.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { child, childText, children, type XmlNode } from '../soap/xml-tree.ts';
import { itemIdOf } from '../items/ews-item-xml.ts';
import { booleanOf, bodyTextOf, categoriesOf, ianaZoneOf, instantOf, oneOf, textOf } from '../items/ews-values.ts';

/** The calendar item properties every read requests; the shape adds the sync id property. */
export const EVENT_FIELD_URIS = [
  'item:Subject',
  'item:Body',
  'item:Categories',
  'item:Sensitivity',
  'item:LastModifiedTime',
  'item:DateTimeCreated',
  'calendar:UID',
  'calendar:Start',
  'calendar:End',
  'calendar:OriginalStart',
  'calendar:IsAllDayEvent',
  'calendar:LegacyFreeBusyStatus',
  'calendar:Location',
  'calendar:IsCancelled',
  'calendar:CalendarItemType',
  'calendar:Organizer',
  'calendar:RequiredAttendees',
  'calendar:OptionalAttendees',
  'calendar:Resources',
  'calendar:StartTimeZone',
] as const;

export const SHOW_AS: Readonly<Record<string, ShowAs>> = { Free: 'free', Tentative: 'tentative', Busy: 'busy', OOF: 'oof', WorkingElsewhere: 'workingElsewhere', NoData: 'unknown' };
export const SENSITIVITY: Readonly<Record<string, Sensitivity>> = { Normal: 'normal', Personal: 'personal', Private: 'private', Confidential: 'confidential' };
const RESPONSES: Readonly<Record<string, Response>> = {
  Unknown: 'none',
  Organizer: 'organizer',
  Tentative: 'tentativelyAccepted',
  Accept: 'accepted',
  Decline: 'declined',
  NoResponseReceived: 'notResponded',
};
const ATTENDEE_LISTS: readonly (readonly [string, AttendeeType])[] = [
  ['RequiredAttendees', 'required'],
  ['OptionalAttendees', 'optional'],
  ['Resources', 'resource'],
];

export type CalendarItemType = 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';

export function calendarItemTypeOf(node: XmlNode): CalendarItemType {
  const type = textOf(node, 'CalendarItemType');
  return type === 'Occurrence' || type === 'Exception' || type === 'RecurringMaster' ? type : 'Single';
}

/**
 * Map a calendar item, read with times in UTC, to the canonical event. `seriesId` is the id of the recurring master
 * of an occurrence or exception, which the item itself does not carry.
 */
export function eventFromEws(node: XmlNode, mailboxTimeZone: string, seriesId: string | null): CalendarEvent {
  const eventZone = ianaZoneOf(child(node, 'StartTimeZone')) ?? mailboxTimeZone;
  return {
    subject: childText(node, 'Subject') ?? '',
    span: spanOf(node, eventZone),
    location: keptText(node, 'Location'),
    body: bodyTextOf(node),
    // A missing value takes Exchange's default; a value newer than this code is read as the most cautious one.
    showAs: oneOf(SHOW_AS, textOf(node, 'LegacyFreeBusyStatus') ?? 'Busy', 'unknown'),
    sensitivity: oneOf(SENSITIVITY, textOf(node, 'Sensitivity') ?? 'Normal', 'private'),
    organizer: personOf(child(child(node, 'Organizer'), 'Mailbox')),
    attendees: ATTENDEE_LISTS.flatMap(([list, type]) => children(child(node, list), 'Attendee').map((attendee) => attendeeOf(attendee, type))),
    recurrence: recurrenceOf(node, eventZone, seriesId),
    isCancelled: booleanOf(node, 'IsCancelled'),
    iCalUId: keptText(node, 'UID'),
    categories: categoriesOf(node),
  };
}

function spanOf(node: XmlNode, eventZone: string): EventSpan {
  const start = instantOf(node, 'Start');
  const end = instantOf(node, 'End');
  if (start === null || end === null) {
    throw new ConnectorError({
      kind: 'bug',
      code: 'EventWithoutTimes',
      message: `calendar item ${itemIdOf(node)?.id ?? '(no id)'} came without Start or End; the connector needs both`,
    });
  }

  if (booleanOf(node, 'IsAllDayEvent')) {
    // Exchange keeps all-day bounds as midnight in the item's start zone.
    return { kind: 'allDay', startDate: dateOfMidnight(start, eventZone), endDate: dateOfMidnight(end, eventZone) };
  }
  return { kind: 'timed', start, end, timeZone: eventZone };
}

/** Returns the date that a midnight bound represents in `zone`. A bound off midnight there is rounded to the nearest midnight. */
function dateOfMidnight(instant: string, zone: string): string {
  const local = DateTime.fromISO(instant, { zone: 'UTC' }).setZone(zone);
  return local.plus({ hours: 12 }).startOf('day').toISODate() as string;
}

/** Reads a person as the item names them. Unlike for a mail sender, a name equal to the address is kept, as Outlook shows it. */
function personOf(mailbox: XmlNode | null): Person | null {
  if (mailbox === null) {
    return null;
  }
  const email = keptText(mailbox, 'EmailAddress');
  const name = keptText(mailbox, 'Name');
  return email === null && name === null ? null : { email, name };
}

function attendeeOf(attendee: XmlNode, type: AttendeeType): Attendee {
  const person = personOf(child(attendee, 'Mailbox'));
  return { email: person?.email ?? null, name: person?.name ?? null, type, response: oneOf(RESPONSES, textOf(attendee, 'ResponseType'), 'none') };
}

function recurrenceOf(node: XmlNode, eventZone: string, seriesId: string | null): RecurrenceInfo | null {
  const type = calendarItemTypeOf(node);
  if ((type !== 'Occurrence' && type !== 'Exception') || seriesId === null) {
    return null;
  }
  return { role: type === 'Occurrence' ? 'occurrence' : 'exception', seriesId, originalStart: originalStartOf(node, eventZone) };
}

/**
 * Returns the original start of an occurrence or exception. OriginalStart is a UTC instant. For an all-day series it
 * is midnight in the series' zone, so the date is taken there. Without OriginalStart the start is used instead, which
 * is exact for an occurrence and the best available value for an exception.
 */
function originalStartOf(node: XmlNode, eventZone: string): string {
  const allDay = booleanOf(node, 'IsAllDayEvent');
  const original = instantOf(node, 'OriginalStart') ?? (instantOf(node, 'Start') as string);
  return allDay ? dateOfMidnight(original, eventZone) : original;
}

/** Return the text as stored on the item, surrounding white space included; null when absent or blank. */
function keptText(node: XmlNode, name: string): string | null {
  const value = childText(node, name);
  return value === null || value.trim() === '' ? null : value;
}
