import { DateTime } from 'luxon';

import type { CalendarEvent, EventSpan, ShowAs } from '../domain/calendar-event.ts';
import type { CrmRecord } from '../domain/connector.ts';
import type { MappedValue } from '../domain/link.ts';
import type { EventTransform, EventTransformName } from './field-pair.ts';
import { cutToLength } from './text-limit.ts';

const MINUTES_PER_DAY = 1440;

/**
 * Text compared as both sides can store it: line breaks as `\n`, trailing white space dropped (Graph's text
 * bodies end with a line break Salesforce does not keep), empty as null, cut to the Salesforce field length.
 */
export function normalizeText(value: unknown, maxLength?: number): string | null {
  if (typeof value !== 'string') {
    return null;
  }

  const text = value.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  return text === '' ? null : cutToLength(text, maxLength);
}

const text: EventTransform = {
  fromMailbox: (event, pair) => normalizeText(event[pair.mailboxField], pair.maxLength),
  fromCrm: (record, pair) => normalizeText(record[firstField(pair.crmFields)], pair.maxLength),
  toCrm: (value, pair) => ({ [firstField(pair.crmFields)]: typeof value === 'string' ? value : null }),
  toMailbox: (value, pair) => {
    const textValue = typeof value === 'string' ? value : null;
    // The subject is never null on a mailbox item; an empty Salesforce subject becomes an empty one.
    return { [pair.mailboxField]: pair.mailboxField === 'subject' ? (textValue ?? '') : textValue };
  },
};

/**
 * The span as a mapped value: `{allDay: false, start, end}` with UTC instants, or `{allDay: true, startDate,
 * endDate}` with the end date exclusive. Salesforce keeps no zone, so the zone is not part of the value.
 */
const eventSpan: EventTransform = {
  fromMailbox: (event) => spanToValue(event.span),
  fromCrm: (record) => crmSpanToValue(record),
  toCrm: (value) => spanValueToCrm(value),
  toMailbox: (value, _pair, context) => ({ span: spanValueToMailbox(value, context.currentMailboxItem, context.mailboxTimeZone) }),
};

function spanToValue(span: EventSpan): MappedValue {
  if (span.kind === 'allDay') {
    return { allDay: true, startDate: span.startDate, endDate: span.endDate };
  }

  return { allDay: false, start: toUtcInstant(span.start), end: toUtcInstant(span.end) };
}

function crmSpanToValue(record: CrmRecord): MappedValue {
  if (record.IsAllDayEvent === true) {
    const startDate = String(record.ActivityDate ?? String(record.StartDateTime ?? '').slice(0, 10));
    const minutes = typeof record.DurationInMinutes === 'number' ? record.DurationInMinutes : MINUTES_PER_DAY;
    const days = Math.max(1, Math.round(minutes / MINUTES_PER_DAY));
    const endDate = DateTime.fromISO(startDate, { zone: 'UTC' }).plus({ days }).toISODate();
    return { allDay: true, startDate, endDate };
  }

  return { allDay: false, start: toUtcInstant(String(record.StartDateTime)), end: toUtcInstant(String(record.EndDateTime)) };
}

function spanValueToCrm(value: MappedValue): Record<string, unknown> {
  const span = asSpanValue(value);
  if (span.allDay) {
    const days = DateTime.fromISO(span.endDate, { zone: 'UTC' }).diff(DateTime.fromISO(span.startDate, { zone: 'UTC' }), 'days').days;
    return {
      IsAllDayEvent: true,
      ActivityDate: span.startDate,
      StartDateTime: `${span.startDate}T00:00:00.000Z`,
      DurationInMinutes: Math.max(1, Math.round(days)) * MINUTES_PER_DAY,
    };
  }

  return { IsAllDayEvent: false, StartDateTime: span.start, EndDateTime: span.end };
}

function spanValueToMailbox(value: MappedValue, current: CalendarEvent | null, mailboxTimeZone: string): EventSpan {
  const span = asSpanValue(value);
  if (span.allDay) {
    return { kind: 'allDay', startDate: span.startDate, endDate: span.endDate };
  }

  // Keep the zone the event was written in, so Outlook goes on showing it in its organizer's zone.
  const timeZone = current?.span.kind === 'timed' ? current.span.timeZone : mailboxTimeZone;
  return { kind: 'timed', start: span.start, end: span.end, timeZone };
}

type SpanValue = { allDay: true; startDate: string; endDate: string } | { allDay: false; start: string; end: string };

function asSpanValue(value: MappedValue): SpanValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected an event span value, got ${JSON.stringify(value)}`);
  }

  const record = value as Record<string, MappedValue>;
  if (record.allDay === true) {
    return { allDay: true, startDate: String(record.startDate), endDate: String(record.endDate) };
  }

  return { allDay: false, start: String(record.start), end: String(record.end) };
}

/** Parse an ISO instant in any offset form Graph or Salesforce writes and return it as `…Z` with milliseconds. */
export function toUtcInstant(value: string): string {
  // Salesforce writes `+0000`, which ISO 8601 basic-format parsers accept but Date.parse may not.
  const parsed = DateTime.fromISO(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'), { zone: 'UTC' });
  if (!parsed.isValid) {
    throw new RangeError(`Invalid instant ${JSON.stringify(value)}: expected an ISO 8601 date-time with an offset`);
  }

  return parsed.toUTC().toISO({ suppressMilliseconds: false }) ?? value;
}

/** Salesforce's ShowAs picklist has Busy, OutOfOffice and Free; Outlook's other states show as Busy there. */
const SHOW_AS_TO_CRM: Record<ShowAs, string> = {
  free: 'Free',
  tentative: 'Busy',
  busy: 'Busy',
  oof: 'OutOfOffice',
  workingElsewhere: 'Busy',
  unknown: 'Busy',
};

const CRM_TO_SHOW_AS: Record<string, ShowAs> = { Free: 'free', Busy: 'busy', OutOfOffice: 'oof' };

const showAs: EventTransform = {
  fromMailbox: (event) => SHOW_AS_TO_CRM[event.showAs],
  fromCrm: (record, pair) => {
    const value = record[firstField(pair.crmFields)];
    return typeof value === 'string' && value in CRM_TO_SHOW_AS ? value : 'Busy';
  },
  toCrm: (value, pair) => ({ [firstField(pair.crmFields)]: value }),
  toMailbox: (value) => ({ showAs: CRM_TO_SHOW_AS[String(value)] ?? 'busy' }),
};

/** Outlook's private and confidential items are private in Salesforce; the reverse writes `private`. */
const privateFlag: EventTransform = {
  fromMailbox: (event) => event.sensitivity === 'private' || event.sensitivity === 'confidential',
  fromCrm: (record, pair) => record[firstField(pair.crmFields)] === true,
  toCrm: (value, pair) => ({ [firstField(pair.crmFields)]: value === true }),
  toMailbox: (value) => ({ sensitivity: value === true ? 'private' : 'normal' }),
};

export const EVENT_TRANSFORM_TABLE: Readonly<Record<EventTransformName, EventTransform>> = { text, eventSpan, showAs, privateFlag };

function firstField(fields: readonly string[]): string {
  const field = fields[0];
  if (field === undefined) {
    throw new TypeError('A field pair needs at least one Salesforce field');
  }

  return field;
}
