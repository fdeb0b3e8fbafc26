/** The canonical calendar event: what every mailbox connector reads and writes, whatever its protocol. */

/** A timed event's bounds are instants; the IANA zone is the one the organizer's client wrote them in. */
export interface TimedSpan {
  readonly kind: 'timed';
  /** ISO 8601 instant in UTC, millisecond precision, e.g. `2026-05-04T13:00:00.000Z`. */
  readonly start: string;
  /** ISO 8601 instant in UTC; equal to or after `start`. */
  readonly end: string;
  /** IANA zone name such as `Europe/Berlin`; `UTC` when the source gave none. */
  readonly timeZone: string;
}

/** An all-day event covers whole calendar dates, independent of any zone. */
export interface AllDaySpan {
  readonly kind: 'allDay';
  /** First date, `YYYY-MM-DD`. */
  readonly startDate: string;
  /** Date after the last day (exclusive), `YYYY-MM-DD`, as in iCalendar and Graph. */
  readonly endDate: string;
}

export type EventSpan = TimedSpan | AllDaySpan;

export const SHOW_AS_VALUES = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'] as const;
export type ShowAs = (typeof SHOW_AS_VALUES)[number];

export const SENSITIVITY_VALUES = ['normal', 'personal', 'private', 'confidential'] as const;
export type Sensitivity = (typeof SENSITIVITY_VALUES)[number];

export const ATTENDEE_TYPES = ['required', 'optional', 'resource'] as const;
export type AttendeeType = (typeof ATTENDEE_TYPES)[number];

export const RESPONSE_VALUES = ['none', 'organizer', 'accepted', 'tentativelyAccepted', 'declined', 'notResponded'] as const;
export type Response = (typeof RESPONSE_VALUES)[number];

export interface Person {
  readonly email: string | null;
  readonly name: string | null;
}

export interface Attendee extends Person {
  readonly type: AttendeeType;
  readonly response: Response;
}

/**
 * Where an event stands in a recurring series. A series is mirrored as its instances inside the sync window,
 * so each instance is an item of its own; these fields tie it back to the series.
 */
export interface RecurrenceInfo {
  readonly role: 'occurrence' | 'exception';
  /** Mailbox id of the series master. */
  readonly seriesId: string;
  /** Start of the slot this instance was generated for, before any move: ISO instant, or a date for all-day series. */
  readonly originalStart: string;
}

export interface CalendarEvent {
  readonly subject: string;
  readonly span: EventSpan;
  readonly location: string | null;
  /** Plain-text body; HTML bodies are converted to text by the connector. */
  readonly body: string | null;
  readonly showAs: ShowAs;
  readonly sensitivity: Sensitivity;
  readonly organizer: Person | null;
  readonly attendees: readonly Attendee[];
  /** Null for a single event. */
  readonly recurrence: RecurrenceInfo | null;
  readonly isCancelled: boolean;
  /** iCalendar UID shared by every copy of one meeting; null when the source has none. */
  readonly iCalUId: string | null;
  /** Category names the user gave the item, in the side's order; the org's Salesforce category brings it into sync. */
  readonly categories: readonly string[];
}
