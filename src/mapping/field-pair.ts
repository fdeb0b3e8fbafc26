import type { CalendarEvent } from '../domain/calendar-event.ts';
import type { CrmRecord } from '../domain/connector.ts';
import type { MappedValue } from '../domain/link.ts';

export const DIRECTIONS = ['both', 'mailboxToCrm', 'crmToMailbox', 'off'] as const;
/** Which way a field pair flows: `both`, one way only, or not at all. */
export type Direction = (typeof DIRECTIONS)[number];

export const EVENT_TRANSFORMS = ['text', 'eventSpan', 'showAs', 'privateFlag'] as const;
export type EventTransformName = (typeof EVENT_TRANSFORMS)[number];

/** One row of a mapping table: a canonical event field, the Salesforce field(s) it maps to, a direction and a transform. */
export interface EventFieldPair {
  /** Name of the mapped value in bases and conflict records. */
  readonly key: string;
  /** The CalendarEvent property the pair reads and writes. */
  readonly mailboxField: keyof CalendarEvent;
  /** The Salesforce Event fields the pair reads and writes. */
  readonly crmFields: readonly string[];
  readonly direction: Direction;
  readonly transform: EventTransformName;
  /** For `text`: the Salesforce field length; longer text is cut with the cut marked. */
  readonly maxLength?: number;
}

export interface EventMapping {
  readonly name: string;
  readonly pairs: readonly EventFieldPair[];
}

/** What a transform needs beyond the value itself. */
export interface TransformContext {
  /** IANA zone for events written into the mailbox when the existing item's zone is unknown. */
  readonly mailboxTimeZone: string;
  /** The mailbox item as last read, when the session has it: its zone is kept on updates. */
  readonly currentMailboxItem: CalendarEvent | null;
}

/** Converts one pair's values between each side's shape and the mapped value both sides are compared in. */
export interface EventTransform {
  fromMailbox(event: CalendarEvent, pair: EventFieldPair): MappedValue;
  fromCrm(record: CrmRecord, pair: EventFieldPair): MappedValue;
  toCrm(value: MappedValue, pair: EventFieldPair): Record<string, unknown>;
  toMailbox(value: MappedValue, pair: EventFieldPair, context: TransformContext): Partial<CalendarEvent>;
}
