import type { Attendee, CalendarEvent, EventSpan, Response, Sensitivity } from '../../../domain/calendar-event.ts';
import { colorOfCategories } from './event-colors.ts';
import { SYNC_ID_KEY } from './event-from-google.ts';

/**
 * Canonical fields Calendar does not let a client set on an event: the organizer is the calendar's owner, an instance
 * belongs to its series, a cancellation is a deletion, and the iCalUID is assigned on insert.
 */
export const READ_ONLY_FIELDS = ['organizer', 'recurrence', 'isCancelled', 'iCalUId'] as const satisfies readonly (keyof CalendarEvent)[];

type EventBody = Record<string, unknown>;

/** Calendar has no "personal" visibility; private is the closest. */
const VISIBILITY: Readonly<Record<Sensitivity, string>> = { normal: 'default', personal: 'private', private: 'private', confidential: 'confidential' };

const RESPONSE_STATUS: Readonly<Record<Response, string>> = {
  accepted: 'accepted',
  declined: 'declined',
  tentativelyAccepted: 'tentative',
  organizer: 'accepted',
  none: 'needsAction',
  notResponded: 'needsAction',
};

/** Build the body of `events.insert` for a new event carrying the sync id. */
export function createBody(event: CalendarEvent, syncId: string): EventBody {
  const { body } = patchBody(event);
  const created: EventBody = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
  created.start = withoutNulls(body.start as EventBody);
  created.end = withoutNulls(body.end as EventBody);
  created.extendedProperties = { private: { [SYNC_ID_KEY]: syncId } };
  return created;
}

/**
 * Build the body of `events.patch` holding only the fields in `patch`, and the fields left out because Calendar cannot
 * write them. Under patch semantics `null` removes a value, which is how a location or description is cleared and
 * how an event switches between all-day and timed.
 */
export function patchBody(patch: Partial<CalendarEvent>): { body: EventBody; skipped: string[] } {
  const body: EventBody = {};
  const skipped: string[] = READ_ONLY_FIELDS.filter((field) => patch[field] !== undefined);

  if (patch.subject !== undefined) body.summary = patch.subject;
  if (patch.span !== undefined) Object.assign(body, spanToGoogle(patch.span));
  if (patch.location !== undefined) body.location = patch.location;
  if (patch.body !== undefined) body.description = patch.body;
  if (patch.showAs !== undefined) {
    body.transparency = patch.showAs === 'free' ? 'transparent' : 'opaque';
    body.status = patch.showAs === 'tentative' ? 'tentative' : 'confirmed';
    if (patch.showAs === 'oof' || patch.showAs === 'workingElsewhere') {
      // The out-of-office and working-location event types cannot be set on an existing event; busy is closest.
      skipped.push('showAs');
    }
  }
  if (patch.sensitivity !== undefined) {
    body.visibility = VISIBILITY[patch.sensitivity];
  }
  if (patch.attendees !== undefined) body.attendees = patch.attendees.flatMap(attendeeToGoogle);
  if (patch.categories !== undefined) body.colorId = colorOfCategories(patch.categories);
  return { body, skipped };
}

/** Write start and end together and remove the unused form, so Calendar never stores a mixed pair. */
function spanToGoogle(span: EventSpan): EventBody {
  if (span.kind === 'allDay') {
    return { start: { date: span.startDate, dateTime: null, timeZone: null }, end: { date: span.endDate, dateTime: null, timeZone: null } };
  }
  return {
    start: { dateTime: span.start, timeZone: span.timeZone, date: null },
    end: { dateTime: span.end, timeZone: span.timeZone, date: null },
  };
}

/** Calendar needs an address for every attendee; one known only by name cannot be invited. */
function attendeeToGoogle(attendee: Attendee): EventBody[] {
  if (attendee.email === null) {
    return [];
  }
  const entry: EventBody = { email: attendee.email, responseStatus: RESPONSE_STATUS[attendee.response] };
  if (attendee.name !== null) entry.displayName = attendee.name;
  if (attendee.type === 'optional') entry.optional = true;
  if (attendee.type === 'resource') entry.resource = true;
  return [entry];
}

function withoutNulls(value: EventBody): EventBody {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== null));
}
