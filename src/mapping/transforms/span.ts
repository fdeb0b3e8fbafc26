import { DateTime } from 'luxon';

import type { EventSpan } from '../../domain/calendar-event.ts';
import type { MappedValue } from '../../domain/link.ts';
import type { FieldPair, MailboxWriteContext, Transform } from '../field-pair.ts';
import { crmField, mailboxField } from './fields.ts';
import { toDateValue, toUtcInstant } from './scalar.ts';

const MINUTES_PER_DAY = 1440;

/** The standard Event fields the `eventSpan` transform reads and writes, in this order. */
export const EVENT_SPAN_FIELDS = ['IsAllDayEvent', 'StartDateTime', 'EndDateTime', 'ActivityDate', 'DurationInMinutes'] as const;

type SpanValue = { allDay: true; startDate: string; endDate: string } | { allDay: false; start: string; end: string };

/**
 * Return the span as a mapped value: `{allDay: false, start, end}` with UTC instants, or `{allDay: true, startDate,
 * endDate}` with the end date exclusive. Salesforce keeps no zone, so the zone is not part of the value.
 */
function spanToValue(span: unknown): MappedValue {
  if (!isSpan(span)) {
    return null;
  }
  if (span.kind === 'allDay') {
    return { allDay: true, startDate: span.startDate, endDate: span.endDate };
  }
  return { allDay: false, start: toUtcInstant(span.start), end: toUtcInstant(span.end) };
}

function isSpan(value: unknown): value is EventSpan {
  return value !== null && typeof value === 'object' && ((value as EventSpan).kind === 'timed' || (value as EventSpan).kind === 'allDay');
}

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

/** Build the span to write into the mailbox; a timed span keeps the zone the event was written in, so Outlook shows it there. */
function spanValueToMailbox(value: MappedValue, context: MailboxWriteContext): EventSpan {
  const span = asSpanValue(value);
  if (span.allDay) {
    return { kind: 'allDay', startDate: span.startDate, endDate: span.endDate };
  }
  const current = context.currentValue;
  const timeZone = isSpan(current) && current.kind === 'timed' ? current.timeZone : context.mailboxTimeZone;
  return { kind: 'timed', start: span.start, end: span.end, timeZone };
}

function daysBetween(startDate: string, endDate: string): number {
  return DateTime.fromISO(endDate, { zone: 'UTC' }).diff(DateTime.fromISO(startDate, { zone: 'UTC' }), 'days').days;
}

/** The standard Salesforce Event fields: all-day flag, start and end, the date and the duration. */
export const eventSpan: Transform = {
  fromMailbox: (read, pair) => spanToValue(read(mailboxField(pair))),
  fromCrm: (record): MappedValue => {
    if (record.IsAllDayEvent === true) {
      const startDate = String(record.ActivityDate ?? String(record.StartDateTime ?? '').slice(0, 10));
      const minutes = typeof record.DurationInMinutes === 'number' ? record.DurationInMinutes : MINUTES_PER_DAY;
      const days = Math.max(1, Math.round(minutes / MINUTES_PER_DAY));
      const endDate = DateTime.fromISO(startDate, { zone: 'UTC' }).plus({ days }).toISODate() ?? startDate;
      return { allDay: true, startDate, endDate };
    }
    return { allDay: false, start: toUtcInstant(String(record.StartDateTime)), end: toUtcInstant(String(record.EndDateTime)) };
  },
  toCrm: (value) => {
    const span = asSpanValue(value);
    if (span.allDay) {
      return {
        IsAllDayEvent: true,
        ActivityDate: span.startDate,
        StartDateTime: `${span.startDate}T00:00:00.000Z`,
        DurationInMinutes: Math.max(1, Math.round(daysBetween(span.startDate, span.endDate))) * MINUTES_PER_DAY,
      };
    }
    return { IsAllDayEvent: false, StartDateTime: span.start, EndDateTime: span.end };
  },
  toMailbox: (value, _pair, context) => spanValueToMailbox(value, context),
};

/**
 * A span in three fields of any object (a custom object): start and end date-times, and an all-day flag. An all-day
 * span is stored as UTC midnights of its first date and of the date after its last day.
 */
export const spanFields: Transform = {
  fromMailbox: (read, pair) => spanToValue(read(mailboxField(pair))),
  fromCrm: (record, pair): MappedValue => {
    const start = record[crmField(pair, 0)];
    const end = record[crmField(pair, 1)];
    if (typeof start !== 'string' || typeof end !== 'string') {
      return null;
    }
    if (record[crmField(pair, 2)] === true) {
      return { allDay: true, startDate: start.slice(0, 10), endDate: end.slice(0, 10) };
    }
    return { allDay: false, start: toUtcInstant(start), end: toUtcInstant(end) };
  },
  toCrm: (value, pair) => {
    const span = asSpanValue(value);
    const [startField, endField, allDayField] = [crmField(pair, 0), crmField(pair, 1), crmField(pair, 2)];
    if (span.allDay) {
      return { [startField]: `${span.startDate}T00:00:00.000Z`, [endField]: `${span.endDate}T00:00:00.000Z`, [allDayField]: true };
    }
    return { [startField]: span.start, [endField]: span.end, [allDayField]: false };
  },
  toMailbox: (value, _pair, context) => spanValueToMailbox(value, context),
};

/** Return the date a span starts on, in the zone the event was written in. */
function startDateOf(span: unknown): string | null {
  if (!isSpan(span)) {
    return null;
  }
  if (span.kind === 'allDay') {
    return span.startDate;
  }
  return DateTime.fromISO(span.start, { zone: 'UTC' }).setZone(span.timeZone).toISODate();
}

/**
 * A span as the one date it starts on, for an object with a date field only (a Task's ActivityDate). A new date moves
 * the event to that day and keeps its time of day and length in its own zone. A new event from a date is all-day.
 */
export const spanDate: Transform = {
  fromMailbox: (read, pair) => startDateOf(read(mailboxField(pair))),
  fromCrm: (record, pair) => toDateValue(record[crmField(pair)]),
  toCrm: (value, pair) => ({ [crmField(pair)]: toDateValue(value) }),
  toMailbox: (value, pair, context) => moveToDate(toDateValue(value), context, pair),
};

function moveToDate(date: string | null, context: MailboxWriteContext, pair: FieldPair): EventSpan {
  const current = context.currentValue;
  if (date === null) {
    if (isSpan(current)) {
      return current;
    }
    throw new TypeError(`Pair "${pair.key}" has no date to place a new event on`);
  }

  const from = startDateOf(current);
  if (!isSpan(current) || from === null) {
    const next = DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: 1 }).toISODate() ?? date;
    return { kind: 'allDay', startDate: date, endDate: next };
  }

  const days = Math.round(daysBetween(from, date));
  if (current.kind === 'allDay') {
    const shift = (day: string) => DateTime.fromISO(day, { zone: 'UTC' }).plus({ days }).toISODate() ?? day;
    return { kind: 'allDay', startDate: shift(current.startDate), endDate: shift(current.endDate) };
  }
  // Days are added in the event's zone, so a move across a daylight-saving change keeps the wall-clock time.
  const shift = (instant: string) => DateTime.fromISO(instant, { zone: 'UTC' }).setZone(current.timeZone).plus({ days }).toUTC().toISO() ?? instant;
  return { kind: 'timed', start: shift(current.start), end: shift(current.end), timeZone: current.timeZone };
}
