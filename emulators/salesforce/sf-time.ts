/** Salesforce date and datetime text: `2026-05-04T13:00:00.000+0000` and `2026-05-04`. */

const DATETIME_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})$/;

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Formats an instant the way Salesforce writes datetimes in JSON. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses an ISO datetime with `Z`, `+hh:mm` or `+hhmm` (no offset means UTC, as Salesforce reads it). */
export function parseDateTime(text: string): number | null {
  const m = DATETIME_INPUT.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Number((frac ?? '0').padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0'), ms);
  if (Number.isNaN(utc) || !sameCalendarDay(utc, Number(y), Number(mo), Number(d), h, mi)) return null;
  return utc - offsetMinutes(zone) * MINUTE_MS;
}

/** Parses `YYYY-MM-DD` to midnight UTC. */
export function parseDate(text: string): number | null {
  const m = DATE_INPUT.exec(text);
  if (!m) return null;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (formatDate(utc) !== text) return null;
  return utc;
}

/** Returns the calendar date of an instant in an IANA zone (in GMT when the zone is unknown). */
export function localDate(ms: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  } catch {
    return formatDate(ms);
  }
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function sameCalendarDay(utc: number, y: number, mo: number, d: number, h?: string, mi?: string): boolean {
  const date = new Date(utc);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
    && Number(h) < 24 && Number(mi) < 60;
}

/**
 * Hands out strictly increasing millisecond timestamps, so every write gets a SystemModstamp later than the
 * previous one even when two writes fall in the same millisecond.
 */
export class ModstampClock {
  private last: number;

  constructor(last = 0) {
    this.last = last;
  }

  next(): number {
    this.last = Math.max(Date.now(), this.last + 1);
    return this.last;
  }

  get lastIssued(): number {
    return this.last;
  }
}
