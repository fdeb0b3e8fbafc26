/**
 * Wall-clock values as an .ics file writes them, before any zone is applied, and the few calendar operations the
 * importer needs on them. Zone arithmetic lives in ics-zones.ts.
 */
import { DateTime } from 'luxon';

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** A DATE value (all-day), whose time fields are zero. */
  isDate: boolean;
}

/** A DATE or DATE-TIME value with the zone it was written in. */
export interface IcsTimeValue {
  local: LocalDateTime;
  /** True for the UTC form (`...Z`). */
  utc: boolean;
  /** The TZID parameter exactly as written, or null when absent. */
  tzid: string | null;
}

/**
 * Read a jCal date or date-time string (`2020-04-26`, `2020-04-26T14:00:00`, `...Z`).
 * Return null for anything else, so a malformed value becomes a warning instead of a date in the year 20210.
 */
export function parseJcalTime(value: unknown): { local: LocalDateTime; utc: boolean } | null {
  if (typeof value !== 'string') {
    return null;
  }

  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/.exec(value);
  if (!match) {
    return null;
  }

  const local: LocalDateTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4] ?? 0),
    minute: Number(match[5] ?? 0),
    second: Number(match[6] ?? 0),
    isDate: match[4] === undefined,
  };
  if (!DateTime.utc(local.year, local.month, local.day, local.hour, local.minute, local.second).isValid) {
    return null;
  }

  return { local, utc: match[7] === 'Z' };
}

/** Graph's wall-time format: `2026-05-04T09:00:00.0000000`. */
export function formatGraphDateTime(local: LocalDateTime): string {
  const date = formatDate(local);
  const time = [local.hour, local.minute, local.second].map((n) => String(n).padStart(2, '0')).join(':');
  return `${date}T${time}.0000000`;
}

export function formatDate(local: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${String(local.year).padStart(4, '0')}-${pad(local.month)}-${pad(local.day)}`;
}

export function addDays(local: LocalDateTime, days: number): LocalDateTime {
  const moved = DateTime.utc(local.year, local.month, local.day).plus({ days });
  return { ...local, year: moved.year, month: moved.month, day: moved.day };
}

/** Whole days from `a` to `b`, counting calendar dates only. */
export function daysBetween(a: LocalDateTime, b: LocalDateTime): number {
  const from = DateTime.utc(a.year, a.month, a.day);
  const to = DateTime.utc(b.year, b.month, b.day);
  return Math.round(to.diff(from, 'days').days);
}

export function compareDates(a: LocalDateTime, b: LocalDateTime): number {
  return formatDate(a).localeCompare(formatDate(b));
}

export function dateOnly(local: LocalDateTime): LocalDateTime {
  return { year: local.year, month: local.month, day: local.day, hour: 0, minute: 0, second: 0, isDate: true };
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
