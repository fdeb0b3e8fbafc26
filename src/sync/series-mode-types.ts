import type { CalendarEvent, EventSpan } from '../domain/calendar-event.ts';
import type { SyncWindow } from '../domain/connector.ts';

/** A mailbox series master as series mode needs it: its rule as an RFC 5545 RRULE and the span of its first occurrence. */
export interface SeriesMaster {
  /** `RRULE:…`, or null when the mailbox's pattern has no RRULE equivalent. */
  readonly rule: string | null;
  readonly first: EventSpan;
}

/** The part of a mailbox event source that gives series mode a series' pattern and its live occurrences. */
export interface SeriesMasterReader {
  /** Read series masters by the id their occurrences name (`recurrence.seriesId`); an unknown id is left out. */
  readSeriesMasters(ids: readonly string[]): Promise<Map<string, SeriesMaster>>;
  /**
   * Return a series' occurrences and exceptions inside `window`, each with its id, original start and event (cancelled
   * ones are absent), or null when the mailbox no longer has the series.
   */
  readSeriesInstances(seriesId: string, window: SyncWindow): Promise<readonly SeriesInstance[] | null>;
}

/** A live occurrence or exception of a mailbox series: its item id, the start the series gave it, and the event. */
export interface SeriesInstance {
  readonly id: string;
  readonly originalStart: string;
  /** The event, which privacy, the selection and un-sync rules decide on before a session starts syncing it. */
  readonly event: CalendarEvent;
}

/** A Salesforce event series that series mode wrote for a mailbox series. */
export interface SeriesRecord {
  readonly mailboxId: string;
  /** The id the mailbox's occurrences name (`recurrence.seriesId`). */
  readonly mailboxSeriesId: string;
  /** The sync id of the create that inserted the series (its first occurrence). */
  readonly headSyncId: string;
  /** Null from the moment before the insert until a session learns the series' id. */
  readonly crmSeriesId: string | null;
  /**
   * Ids of the occurrence Events Salesforce generated with the series, null until the first claim reads them. A later
   * member comes from a pattern change someone made in Salesforce, so it syncs like a meeting made there.
   */
  readonly memberIds: readonly string[] | null;
  readonly createdAt: string;
}

/** The store's registry of the Salesforce event series series mode wrote. */
export interface SeriesRegistryStore {
  /** Record a series before its insert. A row already there for the mailbox series is kept. */
  recordSeriesIntent(record: Omit<SeriesRecord, 'crmSeriesId' | 'memberIds'>): Promise<void>;
  settleSeries(mailboxId: string, mailboxSeriesId: string, crmSeriesId: string): Promise<void>;
  /** Record the generated occurrence Events of a series, unless a row already has them. */
  recordSeriesMembers(mailboxId: string, mailboxSeriesId: string, memberIds: readonly string[]): Promise<void>;
  forgetSeries(mailboxId: string, mailboxSeriesIds: readonly string[]): Promise<void>;
  /** Every series of the mailbox, the unsettled ones included. */
  listSeries(mailboxId: string): Promise<SeriesRecord[]>;
  /** The mailboxes whose links pair with these Salesforce record ids, by record id. */
  mailboxesOfCrmRecords(recordIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Those of the mailbox's event items that a link pairs already. */
  linkedEventItems(mailboxId: string, mailboxItemIds: readonly string[]): Promise<Set<string>>;
}

/** The org setting `salesforce.recurringEvents`. */
export const RECURRING_EVENTS_MODES = ['auto', 'series', 'occurrences'] as const;
export type RecurringEventsMode = (typeof RECURRING_EVENTS_MODES)[number];
/** The mode of an org whose configuration leaves `salesforce.recurringEvents` out. */
export const DEFAULT_RECURRING_EVENTS: RecurringEventsMode = 'auto';
