import { GraphError } from './graph-error.ts';
import { instantOf, midnightOf, resolveZone, wallDateOf, wallTimeOf } from './zones.ts';

/** The time fields of an event after a write: what is stored and the instants used for calendar views. */
interface EventTimes {
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  startMs: number;
  endMs: number;
  isAllDay: boolean;
}

interface DateTimeInput {
  dateTime: string;
  timeZone: string;
}

export function readDateTimeInput(value: unknown, property: 'start' | 'end'): DateTimeInput {
  const candidate = value as { dateTime?: unknown; timeZone?: unknown } | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.dateTime !== 'string') {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs a dateTimeTimeZone object with a 'dateTime' string.`);
  }

  const timeZone = typeof candidate.timeZone === 'string' && candidate.timeZone !== '' ? candidate.timeZone : 'UTC';
  return { dateTime: candidate.dateTime, timeZone };
}

/**
 * Resolve a start/end pair as Exchange stores it. The wall time is kept in the zone the client named (which
 * becomes `originalStartTimeZone`), so a later read in any zone converts from the exact instant. All-day
 * events must start and end at midnight in one zone (Graph event resource, `isAllDay`), and end after start.
 */
export function resolveTimes(start: DateTimeInput, end: DateTimeInput, isAllDay: boolean): EventTimes {
  const startZone = requireZone(start.timeZone);
  const endZone = requireZone(end.timeZone);
  const startMs = requireInstant(start, startZone, 'start');
  const endMs = requireInstant(end, endZone, 'end');

  if (endMs < startMs) {
    throw new GraphError(
      400,
      'ErrorCalendarEndDateIsEarlierThanStartDate',
      `The end (${end.dateTime} ${end.timeZone}) is earlier than the start (${start.dateTime} ${start.timeZone}); send an end at or after the start.`,
    );
  }

  if (isAllDay) {
    return resolveAllDay(start, end, startZone, endZone);
  }

  return {
    start: { dateTime: wallTimeOf(startMs, startZone), timeZone: start.timeZone },
    end: { dateTime: wallTimeOf(endMs, endZone), timeZone: end.timeZone },
    startMs,
    endMs,
    isAllDay: false,
  };
}

function resolveAllDay(start: DateTimeInput, end: DateTimeInput, startZone: string, endZone: string): EventTimes {
  const startWall = wallDateOf(start.dateTime);
  const endWall = wallDateOf(end.dateTime);
  if (!startWall?.isMidnight || !endWall?.isMidnight || startZone !== endZone || endWall.date <= startWall.date) {
    throw new GraphError(
      400,
      'ErrorPropertyValidationFailure',
      'An all-day event needs start and end at midnight in the same time zone, with the end at least one day after the start.',
    );
  }

  return {
    start: { dateTime: `${startWall.date}T00:00:00.0000000`, timeZone: start.timeZone },
    end: { dateTime: `${endWall.date}T00:00:00.0000000`, timeZone: end.timeZone },
    startMs: midnightOf(startWall.date, startZone),
    endMs: midnightOf(endWall.date, endZone),
    isAllDay: true,
  };
}

function requireZone(name: string): string {
  const zone = resolveZone(name);
  if (zone === null) {
    throw new GraphError(
      400,
      'TimeZoneNotSupportedException',
      `Time zone '${name}' is not supported; use 'UTC', an IANA name such as 'Europe/Berlin' or a Windows name such as 'W. Europe Standard Time'.`,
    );
  }
  return zone;
}

function requireInstant(value: DateTimeInput, zone: string, property: string): number {
  const ms = instantOf(value.dateTime, zone);
  if (ms === null) {
    throw new GraphError(
      400,
      'BadRequest',
      `Cannot read '${value.dateTime}' in '${property}.dateTime'; write it as 'YYYY-MM-DDThh:mm:ss' (ISO 8601).`,
    );
  }
  return ms;
}
