import { DateTime } from 'luxon';
import { findIana } from 'windows-iana';

/**
 * Time-zone names as Graph accepts them in `start.timeZone` and `Prefer: outlook.timezone`: `UTC`, an IANA
 * name (`Europe/Berlin`) or a Windows name (`W. Europe Standard Time`). Everything else is unknown.
 */
export function resolveZone(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') {
    return null;
  }

  if (/^(utc|etc\/utc|gmt|etc\/gmt|z)$/i.test(trimmed)) {
    return 'UTC';
  }

  if (isIanaZone(trimmed)) {
    return trimmed;
  }

  const fromWindows = findIana(trimmed);
  return fromWindows?.[0] ?? null;
}

// Building an Intl.DateTimeFormat costs about a millisecond, and a long series asks for the same zone thousands of times.
const ianaZoneCache = new Map<string, boolean>();

function isIanaZone(name: string): boolean {
  const cached = ianaZoneCache.get(name);
  if (cached !== undefined) {
    return cached;
  }
  // Intl accepts offsets such as `+05:00` too. Graph names zones, so only names with letters count.
  let valid = /[A-Za-z]/.test(name);
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
    } catch {
      valid = false;
    }
  }
  ianaZoneCache.set(name, valid);
  return valid;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The instant a Graph `dateTimeTimeZone` denotes. A `dateTime` with an explicit offset wins over `timeZone`,
 * as Graph treats it, and a plain wall time is read in the zone. Returns null when either part is invalid.
 */
export function instantOf(dateTime: string, ianaZone: string): number | null {
  const match = DATE_TIME.exec(dateTime.trim());
  if (!match) {
    return null;
  }

  const [, date, hourMinute, seconds = '00', fraction = '', offset] = match;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const wall = `${date}T${hourMinute}:${seconds}.${millis}`;
  const parsed = offset
    ? DateTime.fromISO(`${wall}${offset}`, { setZone: true })
    : DateTime.fromISO(wall, { zone: ianaZone });

  return parsed.isValid ? parsed.toMillis() : null;
}

/** The wall time of an instant in a zone, written as Graph writes `dateTime`: `2017-04-15T11:00:00.0000000`. */
export function wallTimeOf(ms: number, ianaZone: string): string {
  return `${DateTime.fromMillis(ms, { zone: ianaZone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")}0000`;
}

/** The calendar date of a `dateTime` wall time, and whether that wall time is exactly midnight. */
export function wallDateOf(dateTime: string): { date: string; isMidnight: boolean } | null {
  const match = DATE_TIME.exec(dateTime.trim());
  if (!match) {
    return null;
  }

  const [, date = '', hourMinute, seconds = '00', fraction = ''] = match;
  const isMidnight = hourMinute === '00:00' && Number(seconds) === 0 && Number(fraction || '0') === 0;
  return { date, isMidnight };
}

/** Midnight of a calendar date in a zone, as an instant. */
export function midnightOf(date: string, ianaZone: string): number {
  return DateTime.fromISO(date, { zone: ianaZone }).toMillis();
}
