import type { GraphAttendeeSeed, GraphEmailAddress } from './seed-types.ts';

/** A single-value extended property as Graph stores it on an item. */
export interface ExtendedProperty {
  id: string;
  value: string;
}

type EventType = 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';

/**
 * One event in a mailbox as the emulator stores it. Times are kept both as Graph wrote them (wall time plus
 * the zone the client named) and as instants, so a read in another zone and a calendar-view overlap test are
 * both exact. A deleted event stays as a tombstone so delta can report its removal.
 */
export interface EventRecord {
  id: string;
  ownerId: string;
  /** Position in the emulator's change sequence; moves on every create, edit and delete. */
  seq: number;
  /** Sequence number of the create, so delta can tell items a client never saw. */
  createdSeq: number;
  deleted: boolean;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  iCalUId: string;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  startMs: number;
  endMs: number;
  originalStartTimeZone: string;
  originalEndTimeZone: string;
  isAllDay: boolean;
  isCancelled: boolean;
  location: Record<string, unknown>;
  showAs: string;
  sensitivity: string;
  importance: string;
  categories: string[];
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  responseRequested: boolean;
  allowNewTimeProposals: boolean;
  hideAttendees: boolean;
  transactionId: string | null;
  organizer: { emailAddress: GraphEmailAddress } | null;
  attendees: GraphAttendeeSeed[];
  type: EventType;
  seriesMasterId: string | null;
  originalStart: string | null;
  recurrence: Record<string, unknown> | null;
  extendedProperties: ExtendedProperty[];
}

export interface UserRecord {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mailboxTimeZone: string;
  /** Fixed first 16 bytes of every change key in this mailbox (base64). */
  changeKeyPrefix: string;
}

/** Whether the event lies in a calendar view `[windowStart, windowEnd)`; a zero-length event counts at its start. */
export function overlapsWindow(event: Pick<EventRecord, 'startMs' | 'endMs'>, windowStart: number, windowEnd: number): boolean {
  if (event.startMs === event.endMs) {
    return event.startMs >= windowStart && event.startMs < windowEnd;
  }

  return event.startMs < windowEnd && event.endMs > windowStart;
}

/** Calendar views and their delta list instances: single events, occurrences and exceptions, never masters. */
export function isInstance(event: EventRecord): boolean {
  return event.type !== 'seriesMaster';
}
