import { DateTime } from 'luxon';
import { invalid, required } from '../google-error.ts';

/** Calendar's `EventDateTime`: a `date` for all-day events, else a `dateTime` with an optional IANA `timeZone`. */
export interface EventDateTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface ResolvedTime {
  /** The value as the API returns it: the `dateTime` written with the offset of its zone. */
  readonly resource: EventDateTime;
  /** The instant; for a date, midnight in the calendar's zone. */
  readonly ms: number;
  readonly isDate: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;

export function isIanaZone(name: string): boolean {
  if (!/[A-Za-z]/.test(name)) {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Check and normalize a start or end as Calendar does: a `dateTime` without an offset needs a `timeZone`, and a
 * recurring event needs the `timeZone` in any case, because its rule is expanded in that zone.
 */
export function resolveTime(value: unknown, field: 'start' | 'end', calendarZone: string, recurring: boolean): ResolvedTime {
  const input = (value ?? {}) as { date?: unknown; dateTime?: unknown; timeZone?: unknown };
  if (typeof value !== 'object' || value === null || (input.date == null && input.dateTime == null)) {
    throw required(field);
  }

  const timeZone = typeof input.timeZone === 'string' && input.timeZone !== '' ? input.timeZone : undefined;
  if (timeZone !== undefined && !isIanaZone(timeZone)) {
    throw invalid(`Invalid time zone definition for ${field} time.`);
  }

  if (typeof input.date === 'string' && input.date !== '') {
    if (!DATE.test(input.date) || !DateTime.fromISO(input.date).isValid) {
      throw invalid(`Invalid ${field} date.`);
    }
    const resource: EventDateTime = { date: input.date, ...(timeZone === undefined ? {} : { timeZone }) };
    return { resource, ms: DateTime.fromISO(input.date, { zone: timeZone ?? calendarZone }).toMillis(), isDate: true };
  }

  const text = typeof input.dateTime === 'string' ? input.dateTime : '';
  const hasOffset = OFFSET.test(text);
  if (!hasOffset && timeZone === undefined) {
    throw invalid(`Missing time zone definition for ${field} time.`);
  }
  if (recurring && timeZone === undefined) {
    throw invalid(`Missing time zone definition for ${field} time.`);
  }
  const parsed = hasOffset ? DateTime.fromISO(text, { setZone: true }) : DateTime.fromISO(text, { zone: timeZone });
  if (!parsed.isValid) {
    throw invalid(`Invalid ${field} time.`);
  }
  const ms = parsed.toMillis();
  return { resource: renderDateTime(ms, timeZone ?? calendarZone, timeZone), ms, isDate: false };
}

/** Write a `dateTime` as Calendar does: wall time with the zone's offset, no fraction, `Z` in UTC. */
export function renderDateTime(ms: number, zone: string, timeZone: string | undefined): EventDateTime {
  const local = DateTime.fromMillis(ms, { zone });
  const dateTime = local.offset === 0 ? `${DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat("yyyy-MM-dd'T'HH:mm:ss")}Z` : (local.toISO({ suppressMilliseconds: true }) as string);
  return timeZone === undefined ? { dateTime } : { dateTime, timeZone };
}

/** Return the instant of an `EventDateTime` stored by the emulator. */
export function instantOfTime(time: EventDateTime | undefined, calendarZone: string): number {
  if (time?.date) {
    return DateTime.fromISO(time.date, { zone: time.timeZone ?? calendarZone }).toMillis();
  }
  return DateTime.fromISO(time?.dateTime ?? '', { setZone: true }).toMillis();
}

/** Return the suffix of an instance id: the original start in UTC basic format, or the bare date for all-day events. */
export function instanceSuffix(originalStart: EventDateTime, calendarZone: string): string {
  if (originalStart.date) {
    return originalStart.date.replace(/-/g, '');
  }
  return DateTime.fromMillis(instantOfTime(originalStart, calendarZone), { zone: 'UTC' }).toFormat("yyyyMMdd'T'HHmmss'Z'");
}
