import type { Attendee, AttendeeType, CalendarEvent, EventSpan } from '../../../domain/calendar-event.ts';
import { element, textElement } from '../soap/xml-write.ts';
import { syncIdProperty } from '../items/sync-id-property.ts';
import { bodyXml, deleteItemField, ewsDateTime, inverse, midnightIn, setItemField, stringsXml, windowsZoneOf } from '../items/ews-values.ts';
import { SENSITIVITY, SHOW_AS } from './event-from-ews.ts';

/**
 * Canonical fields a client cannot set on a calendar item: the organizer is the mailbox owner, an instance is made by
 * its master, a cancellation is an action that mails attendees, and the UID is assigned by Exchange.
 */
export const READ_ONLY_FIELDS = ['organizer', 'recurrence', 'isCancelled', 'iCalUId'] as const satisfies readonly (keyof CalendarEvent)[];

const SHOW_AS_TO_EWS = inverse(SHOW_AS);
const SENSITIVITY_TO_EWS = inverse(SENSITIVITY);
const LISTS: Readonly<Record<AttendeeType, string>> = { required: 'RequiredAttendees', optional: 'OptionalAttendees', resource: 'Resources' };

/** Builds the `t:CalendarItem` of a CreateItem, its elements in the order the EWS schema requires. */
export function calendarItemXml(event: CalendarEvent, syncId: string, mailboxTimeZone: string): string {
  const times = spanElements(event.span, mailboxTimeZone);
  return element(
    't:CalendarItem',
    {},
    textElement('t:Subject', event.subject),
    textElement('t:Sensitivity', SENSITIVITY_TO_EWS[event.sensitivity]),
    bodyXml(event.body ?? ''),
    event.categories.length > 0 ? stringsXml('t:Categories', event.categories) : '',
    syncIdProperty(syncId),
    times.start,
    times.end,
    times.isAllDay,
    textElement('t:LegacyFreeBusyStatus', SHOW_AS_TO_EWS[event.showAs]),
    event.location === null ? '' : textElement('t:Location', event.location),
    ...(['required', 'optional', 'resource'] as const).map((type) => attendeeListXml(type, event.attendees)),
    times.startTimeZone,
    times.endTimeZone,
  );
}

/** SetItemField and DeleteItemField elements for the fields in `patch`, and the fields Exchange cannot write. */
export function eventUpdateParts(patch: Partial<CalendarEvent>, mailboxTimeZone: string): { updates: string[]; skipped: string[] } {
  const updates: string[] = [];
  const set = (uri: string, value: string) => updates.push(setItemField(uri, 't:CalendarItem', value));

  if (patch.subject !== undefined) set('item:Subject', textElement('t:Subject', patch.subject));
  if (patch.sensitivity !== undefined) set('item:Sensitivity', textElement('t:Sensitivity', SENSITIVITY_TO_EWS[patch.sensitivity]));
  if (patch.body !== undefined) set('item:Body', bodyXml(patch.body ?? ''));
  if (patch.categories !== undefined) {
    updates.push(patch.categories.length === 0 ? deleteItemField('item:Categories') : setItemField('item:Categories', 't:CalendarItem', stringsXml('t:Categories', patch.categories)));
  }
  if (patch.span !== undefined) {
    // Start, end, the all-day flag and the zones always move together, so Exchange never stores a half-moved item.
    const times = spanElements(patch.span, mailboxTimeZone);
    set('calendar:Start', times.start);
    set('calendar:End', times.end);
    set('calendar:IsAllDayEvent', times.isAllDay);
    set('calendar:StartTimeZone', times.startTimeZone);
    set('calendar:EndTimeZone', times.endTimeZone);
  }
  if (patch.showAs !== undefined) set('calendar:LegacyFreeBusyStatus', textElement('t:LegacyFreeBusyStatus', SHOW_AS_TO_EWS[patch.showAs]));
  if (patch.location !== undefined) {
    updates.push(patch.location === null || patch.location === '' ? deleteItemField('calendar:Location') : setItemField('calendar:Location', 't:CalendarItem', textElement('t:Location', patch.location)));
  }
  if (patch.attendees !== undefined) {
    for (const type of ['required', 'optional', 'resource'] as const) {
      const list = attendeeListXml(type, patch.attendees);
      updates.push(list === '' ? deleteItemField(`calendar:${LISTS[type]}`) : setItemField(`calendar:${LISTS[type]}`, 't:CalendarItem', list));
    }
  }

  return { updates, skipped: READ_ONLY_FIELDS.filter((field) => patch[field] !== undefined) };
}

interface SpanElements {
  readonly start: string;
  readonly end: string;
  readonly isAllDay: string;
  readonly startTimeZone: string;
  readonly endTimeZone: string;
}

/**
 * Times go out as UTC instants with the zone the user sees them in. An all-day event is midnight to midnight in the
 * mailbox's zone, because Exchange keeps all-day bounds as midnight in the item's zone.
 */
function spanElements(span: EventSpan, mailboxTimeZone: string): SpanElements {
  const allDay = span.kind === 'allDay';
  const zone = allDay ? windowsZoneOf(mailboxTimeZone, 'mailboxTimeZone') : windowsZoneOf(span.timeZone);
  const start = allDay ? midnightIn(span.startDate, mailboxTimeZone, 'span.startDate') : ewsDateTime(span.start, 'span.start');
  const end = allDay ? midnightIn(span.endDate, mailboxTimeZone, 'span.endDate') : ewsDateTime(span.end, 'span.end');
  return {
    start: textElement('t:Start', start),
    end: textElement('t:End', end),
    isAllDay: textElement('t:IsAllDayEvent', String(allDay)),
    startTimeZone: element('t:StartTimeZone', { Id: zone }),
    endTimeZone: element('t:EndTimeZone', { Id: zone }),
  };
}

/** Exchange needs an address for every attendee; one known only by name cannot be invited. */
function attendeeListXml(type: AttendeeType, attendees: readonly Attendee[]): string {
  const entries = attendees
    .filter((attendee) => attendee.type === type && attendee.email !== null)
    .map((attendee) =>
      element(
        't:Attendee',
        {},
        element('t:Mailbox', {}, attendee.name === null ? '' : textElement('t:Name', attendee.name), textElement('t:EmailAddress', attendee.email ?? ''), textElement('t:RoutingType', 'SMTP')),
      ),
    );
  return entries.length === 0 ? '' : element(`t:${LISTS[type]}`, {}, ...entries);
}
