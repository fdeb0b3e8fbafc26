import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { EventSpan } from '../../domain/calendar-event.ts';

/**
 * Convert an RFC 5545 RRULE into the pattern of a Salesforce event series (Recurring Events 2.0,
 * `Recurrence2PatternText`), or return why the series cannot be one. A series that does not fit stays a set of
 * single occurrences inside the sync window.
 * NOTE: the accepted parts, the required end and the limit of 100 occurrences are estimates, not taken from
 * Salesforce's documentation. The emulator applies the same rules, so the tests cannot catch a wrong estimate.
 *
 * The pattern always ends with COUNT: an UNTIL is counted out here in the series' own zone, because RFC 5545 reads
 * a UTC UNTIL against the instants of the occurrences, and Salesforce does not document how it reads one.
 *
 * With `before`, the count stops at the first occurrence that starts at or after that instant (the end of the sync
 * window), so that Salesforce generates no occurrence the session cannot pair with a mailbox occurrence. The bound
 * also ends a series that has no end of its own, and stops the count at the maximum instead of refusing the series:
 * the occurrences after the last one counted are written as single Events.
 */
export const MAX_SERIES_OCCURRENCES = 100;

const SERIES_PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);
const SERIES_FREQUENCIES = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);

export type SeriesPattern =
  | { readonly ok: true; readonly text: string; readonly occurrences: number }
  | { readonly ok: false; readonly reason: string };

/**
 * `rule` is the RRULE value, with or without its `RRULE:` name; `first` is the span of the series' first occurrence.
 * `dayZone` reads a UTC UNTIL of an all-day series: Exchange ends one at midnight of the organizer's zone.
 */
export function seriesPatternOf(rule: string, first: EventSpan, dayZone = 'UTC', before: string | null = null): SeriesPattern {
  const parts = ruleParts(rule);
  const unsupported = [...parts.keys()].filter((name) => !SERIES_PARTS.has(name));
  if (unsupported.length > 0) {
    return { ok: false, reason: `Salesforce event series do not support the RRULE part ${unsupported.join(', ')}` };
  }
  // Outlook's "day 31" and "29 February" read as a day counted from the month's end. Salesforce does not document
  // that, so such a series stays in occurrence mode rather than risk a meeting on a wrong day.
  const monthDays = parts.get('BYMONTHDAY')?.split(',') ?? [];
  if (monthDays.some((day) => day.startsWith('-'))) {
    return { ok: false, reason: `Salesforce does not document an event series on a day counted from the month's end (BYMONTHDAY=${parts.get('BYMONTHDAY')})` };
  }
  const frequency = parts.get('FREQ') ?? '';
  if (!SERIES_FREQUENCIES.has(frequency)) {
    return { ok: false, reason: `Salesforce event series repeat daily, weekly, monthly or yearly, not ${frequency || 'without FREQ'}` };
  }
  // The window's end bounds a series that has no end of its own.
  if (!parts.has('COUNT') && !parts.has('UNTIL') && before === null) {
    return { ok: false, reason: 'the series has no end, and a Salesforce event series must end' };
  }

  const counted = countOccurrences(parts, first, dayZone, before === null ? null : Date.parse(before));
  if (typeof counted === 'string') {
    return { ok: false, reason: counted };
  }
  if (counted === 0) {
    return { ok: false, reason: 'the series has no occurrence before the end of the sync window' };
  }
  const otherParts = [...parts].filter(([name]) => name !== 'COUNT' && name !== 'UNTIL').map(([name, value]) => `${name}=${value}`);
  return { ok: true, text: `RRULE:${[...otherParts, `COUNT=${counted}`].join(';')}`, occurrences: counted };
}

/** Parts by upper-cased name; Exchange writes `BYDAY=MO, TU`, so spaces inside values are dropped. */
function ruleParts(rule: string): Map<string, string> {
  const body = rule.trim().replace(/^RRULE:/i, '');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    const [name = '', value = ''] = part.split('=');
    if (name.trim() !== '') {
      parts.set(name.trim().toUpperCase(), value.replace(/\s+/g, '').toUpperCase());
    }
  }
  return parts;
}

/** The number of occurrences, or why they cannot be counted or are too many. */
function countOccurrences(parts: ReadonlyMap<string, string>, first: EventSpan, dayZone: string, before: number | null): number | string {
  const withoutEnd = [...parts].filter(([name]) => name !== 'UNTIL').map(([name, value]) => `${name}=${value}`).join(';');
  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromString(withoutEnd);
  } catch {
    return `the RRULE ${JSON.stringify(withoutEnd)} cannot be read`;
  }
  const zone = first.kind === 'timed' ? first.timeZone : 'UTC';
  const start = first.kind === 'timed' ? DateTime.fromISO(first.start, { zone }) : DateTime.fromISO(first.startDate, { zone });
  if (!start.isValid) {
    return `the series start ${JSON.stringify(first.kind === 'timed' ? first.start : first.startDate)} in zone ${zone} is not valid`;
  }
  const until = parts.has('UNTIL') ? untilBound(String(parts.get('UNTIL')), first.kind === 'timed' ? zone : dayZone, first.kind === 'allDay') : null;
  if (until === undefined) {
    return `the UNTIL value ${String(parts.get('UNTIL'))} is not a date or date-time`;
  }

  const iterator = recur.iterator(ICAL.Time.fromData({
    year: start.year, month: start.month, day: start.day, hour: start.hour, minute: start.minute, second: start.second,
    isDate: first.kind === 'allDay',
  }));
  let count = 0;
  for (let next = iterator.next(); next; next = iterator.next()) {
    const local = DateTime.fromObject({ year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second }, { zone });
    if ((until !== null && local.toMillis() > until) || (before !== null && local.toMillis() >= before)) {
      break;
    }
    if (count === MAX_SERIES_OCCURRENCES) {
      if (before !== null) {
        break;
      }
      return `the series has more than ${MAX_SERIES_OCCURRENCES} occurrences, the maximum of a Salesforce event series`;
    }
    count += 1;
  }
  return count;
}

/**
 * The last instant an occurrence may start at. A UTC date-time is an instant; a floating one is read in the
 * series' zone; a date (or any value on an all-day series) includes that whole local day.
 */
function untilBound(value: string, zone: string, allDay: boolean): number | null | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!match) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second, utc] = match;
  const date = { year: Number(year), month: Number(month), day: Number(day) };
  if (hour === undefined || allDay) {
    // All-day occurrences are counted as UTC dates, so the last day is bounded in UTC too.
    const boundZone = allDay ? 'UTC' : zone;
    const localDay = hour !== undefined && utc === 'Z'
      ? DateTime.fromObject({ ...date, hour: Number(hour), minute: Number(minute), second: Number(second) }, { zone: 'UTC' }).setZone(zone)
      : DateTime.fromObject(date, { zone: boundZone });
    return DateTime.fromObject({ year: localDay.year, month: localDay.month, day: localDay.day }, { zone: boundZone }).endOf('day').toMillis();
  }
  const time = { ...date, hour: Number(hour), minute: Number(minute), second: Number(second) };
  return DateTime.fromObject(time, { zone: utc === 'Z' ? 'UTC' : zone }).toMillis();
}
