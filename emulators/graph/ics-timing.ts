/**
 * Start, length and zones of one VEVENT, and how they are written into a Graph seed: wall time plus zone name,
 * `originalStartTimeZone` the Windows name when the file used one.
 */
import type { IcsEvent } from './ics-event.ts';
import type { IcsTimeValue, LocalDateTime } from './ics-time.ts';
import { addDays, dateOnly, daysBetween, formatGraphDateTime } from './ics-time.ts';
import type { ResolvedZone, ZoneResolver } from './ics-zones.ts';
import { toInstant, toWallTime } from './ics-zones.ts';
import type { GraphEventSeed } from './seed-types.ts';

export interface EventTiming {
  allDay: boolean;
  startZone: ResolvedZone;
  endZone: ResolvedZone;
  /** Start instant (timed) or the start date (all-day). */
  start: number;
  startLocal: LocalDateTime;
  durationMs: number;
  durationDays: number;
  problems: string[];
}

export type SeedTimes = Pick<GraphEventSeed, 'start' | 'end' | 'originalStartTimeZone' | 'originalEndTimeZone' | 'isAllDay'>;

/** Graph's name for a zone defined only by the sender's VTIMEZONE. */
const CUSTOM_ZONE_NAME = 'tzone://Microsoft/Custom';
const DAY_SECONDS = 86_400;

export function eventTiming(event: IcsEvent, start: IcsTimeValue, resolver: ZoneResolver): EventTiming {
  const problems: string[] = [];
  const startZone = resolver.resolve(start.tzid, start.utc);
  if (startZone.unknown) problems.push(`unknown time zone "${startZone.name}"; read as floating time in ${startZone.iana ?? 'UTC'}`);

  if (start.local.isDate) {
    const durationDays = allDayLength(event, start.local, problems);
    const startLocal = dateOnly(start.local);
    return { allDay: true, startZone, endZone: startZone, start: Date.UTC(startLocal.year, startLocal.month - 1, startLocal.day), startLocal, durationMs: 0, durationDays, problems };
  }

  const startInstant = toInstant(start.local, startZone);
  const end = event.end;
  const endZone = end && !end.local.isDate ? resolver.resolve(end.tzid, end.utc) : startZone;
  if (endZone.unknown && endZone !== startZone) problems.push(`unknown time zone "${endZone.name}"; read as floating time in ${endZone.iana ?? 'UTC'}`);

  let durationMs = 0;
  if (end) durationMs = toInstant(end.local.isDate ? { ...end.local, isDate: false } : end.local, endZone) - startInstant;
  else if (event.durationSeconds !== null) durationMs = event.durationSeconds * 1000;

  if (durationMs < 0) {
    problems.push(end ? 'DTEND is before DTSTART; imported with zero length' : 'DURATION is negative; imported with zero length');
    durationMs = 0;
  }
  return { allDay: false, startZone, endZone, start: startInstant, startLocal: start.local, durationMs, durationDays: 0, problems };
}

function allDayLength(event: IcsEvent, startDate: LocalDateTime, problems: string[]): number {
  let days = 1;
  if (event.end) days = daysBetween(startDate, event.end.local);
  else if (event.durationSeconds !== null) days = Math.ceil(event.durationSeconds / DAY_SECONDS);

  if (days < 0) {
    problems.push(event.end ? 'DTEND is before DTSTART; imported as one day' : 'DURATION is negative; imported as one day');
    return 1;
  }
  return Math.max(days, 1);
}

/** Seed times of a timed instance: wall time in the resolved IANA zone, or UTC for a file-only zone. */
export function timedSeedTimes(startInstant: number, endInstant: number, timing: EventTiming): SeedTimes {
  return {
    start: { dateTime: formatGraphDateTime(toWallTime(startInstant, timing.startZone)), timeZone: timing.startZone.iana ?? 'UTC' },
    end: { dateTime: formatGraphDateTime(toWallTime(endInstant, timing.endZone)), timeZone: timing.endZone.iana ?? 'UTC' },
    originalStartTimeZone: originalZoneName(timing.startZone),
    originalEndTimeZone: originalZoneName(timing.endZone),
    isAllDay: false,
  };
}

/** Seed times of an all-day instance: midnight to midnight in the mailbox's default zone. */
export function allDaySeedTimes(startDate: LocalDateTime, days: number, defaultTimeZone: string): SeedTimes {
  return {
    start: { dateTime: formatGraphDateTime(dateOnly(startDate)), timeZone: defaultTimeZone },
    end: { dateTime: formatGraphDateTime(addDays(dateOnly(startDate), days)), timeZone: defaultTimeZone },
    originalStartTimeZone: defaultTimeZone,
    originalEndTimeZone: defaultTimeZone,
    isAllDay: true,
  };
}

export function originalZoneName(zone: ResolvedZone): string {
  return zone.windows ?? zone.iana ?? CUSTOM_ZONE_NAME;
}
