import type { Attendee, CalendarEvent, EventSpan } from '../../domain/calendar-event.ts';
import { dateToGraph, instantToGraph } from './graph-date-time.ts';
import { SYNC_ID_PROPERTY_ID } from './sync-id-property.ts';

/**
 * Canonical fields Graph does not let a client set on an event: the organizer is the mailbox owner, a series
 * instance is made by its master, a cancellation is an action that mails attendees, and the UID is assigned.
 */
export const READ_ONLY_FIELDS = ['organizer', 'recurrence', 'isCancelled', 'iCalUId'] as const satisfies readonly (keyof CalendarEvent)[];

type GraphBody = Record<string, unknown>;

export interface InvitationOptions {
  /**
   * True when the org lets the engine send meeting mail. Graph mails every attendee of an event created or
   * changed with attendees, and no request option stops it, so by default attendees are never written.
   */
  readonly sendInvitations?: boolean;
}

/** The body of `POST /users/{u}/events` for a new event carrying the sync id. */
export function createBody(event: CalendarEvent, syncId: string, mailboxTimeZone: string, options: InvitationOptions = {}): GraphBody {
  const { patch } = patchBody(event, mailboxTimeZone, options);
  return { ...patch, singleValueExtendedProperties: [{ id: SYNC_ID_PROPERTY_ID, value: syncId }] };
}

/**
 * The body of `PATCH /users/{u}/events/{id}` holding only the fields in `patch`, and the names of the fields
 * left out because Graph cannot write them, or because writing them would mail the attendees.
 */
export function patchBody(patch: Partial<CalendarEvent>, mailboxTimeZone: string, options: InvitationOptions = {}): { patch: GraphBody; skipped: string[] } {
  const body: GraphBody = {};
  const skipped: string[] = READ_ONLY_FIELDS.filter((field) => patch[field] !== undefined);

  if (patch.subject !== undefined) {
    body.subject = patch.subject;
  }
  if (patch.span !== undefined) {
    Object.assign(body, spanToGraph(patch.span, mailboxTimeZone));
  }
  if (patch.location !== undefined) {
    // An empty display name is how Graph clears a location.
    body.location = { displayName: patch.location ?? '' };
  }
  if (patch.body !== undefined) {
    body.body = { contentType: 'text', content: patch.body ?? '' };
  }
  if (patch.showAs !== undefined) {
    body.showAs = patch.showAs;
  }
  if (patch.sensitivity !== undefined) {
    body.sensitivity = patch.sensitivity;
  }
  if (patch.categories !== undefined) {
    body.categories = [...patch.categories];
  }
  if (patch.attendees !== undefined) {
    if (options.sendInvitations === true) {
      body.attendees = patch.attendees.flatMap(attendeeToGraph);
    } else {
      skipped.push('attendees');
    }
  }

  return { patch: body, skipped };
}

/** Start, end and isAllDay are always written together, so Graph never sees a half-moved event. */
export function spanToGraph(span: EventSpan, mailboxTimeZone: string): GraphBody {
  if (span.kind === 'allDay') {
    return {
      isAllDay: true,
      start: dateToGraph(span.startDate, mailboxTimeZone),
      end: dateToGraph(span.endDate, mailboxTimeZone),
    };
  }

  return {
    isAllDay: false,
    start: instantToGraph(span.start, span.timeZone),
    end: instantToGraph(span.end, span.timeZone),
  };
}

/** Graph needs an address for every attendee; one known only by name cannot be invited. */
function attendeeToGraph(attendee: Attendee): GraphBody[] {
  if (attendee.email === null) {
    return [];
  }

  const emailAddress: GraphBody = { address: attendee.email };
  if (attendee.name !== null) {
    emailAddress.name = attendee.name;
  }
  return [{ type: attendee.type, emailAddress }];
}
