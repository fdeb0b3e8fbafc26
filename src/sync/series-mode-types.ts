import type { EventSpan } from '../domain/calendar-event.ts';

/** A mailbox series master as series mode needs it: its rule as an RFC 5545 RRULE and the span of its first occurrence. */
export interface SeriesMaster {
  /** `RRULE:…`, or null when the mailbox's pattern has no RRULE equivalent. */
  readonly rule: string | null;
  readonly first: EventSpan;
}

/** The part of a mailbox event source that gives series mode a series' pattern. */
export interface SeriesMasterReader {
  /** Read series masters by the id their occurrences name (`recurrence.seriesId`); an unknown id is left out. */
  readSeriesMasters(ids: readonly string[]): Promise<Map<string, SeriesMaster>>;
}

/** The org setting `salesforce.recurringEvents`. */
export const RECURRING_EVENTS_MODES = ['auto', 'series', 'occurrences'] as const;
export type RecurringEventsMode = (typeof RECURRING_EVENTS_MODES)[number];
