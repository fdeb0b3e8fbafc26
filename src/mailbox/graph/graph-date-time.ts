import { DateTime } from 'luxon';
import { toIanaZone } from '../../domain/time-zones.ts';
import type { GraphDateTimeTimeZone } from './graph-types.ts';

/** The IANA zone for a zone name as Graph writes it, or null when it is empty or unknown. */
export function graphZone(name: string | null | undefined): string | null {
  if (name === null || name === undefined) {
    return null;
  }

  return toIanaZone(name);
}

/** Read a Graph date-time as an ISO instant in UTC with milliseconds; `fallbackZone` serves an unknown zone name. */
export function instantFromGraph(value: GraphDateTimeTimeZone, fallbackZone: string): string {
  const zone = graphZone(value.timeZone) ?? fallbackZone;
  const parsed = DateTime.fromISO(value.dateTime, { zone, setZone: true });
  if (!parsed.isValid) {
    throw new Error(`Graph dateTime "${value.dateTime}" is not an ISO date-time: ${parsed.invalidExplanation ?? 'invalid'}`);
  }

  return parsed.toUTC().toISO({ suppressMilliseconds: false }) as string;
}

/**
 * The calendar date an all-day bound stands for. Graph documents all-day bounds as midnight and returns them
 * with their date unchanged whatever `outlook.timezone` asks for; a server that converts them to UTC instead
 * shifts midnight to the previous or same day, so a non-midnight value is read back in the event's own zone.
 */
export function dateFromGraph(value: GraphDateTimeTimeZone, eventZone: string): string {
  const wall = DateTime.fromISO(value.dateTime, { zone: 'UTC' });
  if (!wall.isValid) {
    throw new Error(`Graph dateTime "${value.dateTime}" is not an ISO date-time: ${wall.invalidExplanation ?? 'invalid'}`);
  }

  if (wall.hour === 0 && wall.minute === 0 && wall.second === 0 && wall.millisecond === 0) {
    return wall.toISODate() as string;
  }

  const zone = graphZone(value.timeZone) ?? 'UTC';
  return DateTime.fromISO(value.dateTime, { zone }).setZone(eventZone).toISODate() as string;
}

/** A date as Graph's all-day bound: midnight wall time in `zone`. */
export function dateToGraph(date: string, zone: string): GraphDateTimeTimeZone {
  return { dateTime: `${date}T00:00:00`, timeZone: zone };
}

/**
 * An instant as Graph's wall time in `zone`. In the hour a zone repeats when clocks go back, a wall time names
 * two instants and Graph would pick one; there the instant is sent in UTC, so it is never moved.
 */
export function instantToGraph(instant: string, zone: string): GraphDateTimeTimeZone {
  const utc = DateTime.fromISO(instant, { zone: 'UTC' });
  if (!utc.isValid) {
    throw new Error(`instant "${instant}" is not an ISO date-time: ${utc.invalidExplanation ?? 'invalid'}`);
  }

  const local = utc.setZone(zone);
  if (!local.isValid || isAmbiguous(local)) {
    return { dateTime: wallTime(utc), timeZone: 'UTC' };
  }

  return { dateTime: wallTime(local), timeZone: zone };
}

function wallTime(value: DateTime): string {
  const format = value.millisecond === 0 ? "yyyy-LL-dd'T'HH:mm:ss" : "yyyy-LL-dd'T'HH:mm:ss.SSS";
  return value.toFormat(format);
}

/** True when the same wall time occurs twice in the zone, i.e. another offset near this day gives it too. */
function isAmbiguous(local: DateTime): boolean {
  const offsets = new Set([local.minus({ hours: 25 }).offset, local.plus({ hours: 25 }).offset]);
  offsets.delete(local.offset);

  for (const offset of offsets) {
    const candidate = local.toUTC().plus({ minutes: local.offset - offset }).setZone(local.zoneName ?? 'UTC');
    if (candidate.offset === offset && wallTime(candidate) === wallTime(local)) {
      return true;
    }
  }
  return false;
}
