import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { invalid } from '../google-error.ts';
import { renderDateTime, type EventDateTime } from './event-times.ts';

/** One slot of a series: where the instance was generated, and its start and end before any edit. */
export interface Slot {
  readonly originalStart: EventDateTime;
  readonly start: EventDateTime;
  readonly end: EventDateTime;
}

/**
 * Instances the emulator makes of a series created through the API. Calendar expands an endless rule without limit
 * and clips by the request's time range; the emulator stores instances, so it stops after this many or this far out.
 */
const MAX_INSTANCES = 730;
const HORIZON_YEARS = 5;

/**
 * Expand the RRULE and EXDATE lines of a series master into slots, in the master's zone (Calendar requires one on
 * recurring events). RDATE lines are not supported and return 400.
 */
export function expandSeries(master: Record<string, unknown>, calendarZone: string): Slot[] {
  const lines = Array.isArray(master.recurrence) ? (master.recurrence as unknown[]).map(String) : [];
  const rule = lines.find((line) => line.toUpperCase().startsWith('RRULE:'));
  if (rule === undefined) {
    throw invalid('Invalid recurrence rule: a recurring event needs one RRULE line.');
  }
  if (lines.some((line) => line.toUpperCase().startsWith('RDATE'))) {
    throw invalid('Invalid recurrence rule: RDATE is not supported by this emulator.');
  }

  const start = master.start as EventDateTime;
  const end = master.end as EventDateTime;
  const isDate = typeof start.date === 'string';
  const zone = start.timeZone ?? calendarZone;
  const first = isDate ? DateTime.fromISO(start.date as string, { zone }) : DateTime.fromISO(start.dateTime ?? '', { setZone: true }).setZone(zone);
  const lengthMs = isDate ? 0 : DateTime.fromISO(end.dateTime ?? '', { setZone: true }).toMillis() - first.toMillis();
  const lengthDays = isDate ? Math.round(DateTime.fromISO(end.date ?? '').diff(DateTime.fromISO(start.date ?? ''), 'days').days) : 0;

  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromString(rule.slice('RRULE:'.length));
  } catch {
    throw invalid(`Invalid recurrence rule: ${rule}`);
  }
  const dtstart = ICAL.Time.fromData({ year: first.year, month: first.month, day: first.day, hour: first.hour, minute: first.minute, second: first.second, isDate });
  const iterator = recur.iterator(dtstart);
  const excluded = exdates(lines);
  const horizon = first.plus({ years: HORIZON_YEARS });
  const slots: Slot[] = [];

  for (let next = iterator.next(); next && slots.length < MAX_INSTANCES; next = iterator.next()) {
    const local = DateTime.fromObject({ year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second }, { zone });
    if (local > horizon) {
      break;
    }
    if (excluded.has(wallKey(local, isDate)) || excluded.has(`utc:${local.toMillis()}`)) {
      continue;
    }
    slots.push(isDate ? dateSlot(local, lengthDays, start.timeZone) : timedSlot(local.toMillis(), lengthMs, zone, start.timeZone));
  }
  return slots;
}

function dateSlot(local: DateTime, days: number, timeZone: string | undefined): Slot {
  const date = local.toISODate() as string;
  const endDate = local.plus({ days }).toISODate() as string;
  const zoneField = timeZone === undefined ? {} : { timeZone };
  return { originalStart: { date, ...zoneField }, start: { date, ...zoneField }, end: { date: endDate, ...zoneField } };
}

function timedSlot(ms: number, lengthMs: number, zone: string, timeZone: string | undefined): Slot {
  const start = renderDateTime(ms, zone, timeZone);
  return { originalStart: start, start, end: renderDateTime(ms + lengthMs, zone, timeZone) };
}

/** Local wall times (or dates) an EXDATE line removes, keyed like `wallKey`. */
function exdates(lines: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const line of lines) {
    const match = /^EXDATE([^:]*):(.+)$/i.exec(line.trim());
    if (!match) {
      continue;
    }
    const zone = /TZID=([^;:]+)/i.exec(match[1] ?? '')?.[1];
    for (const value of (match[2] ?? '').split(',')) {
      keys.add(exdateKey(value.trim(), zone));
    }
  }
  return keys;
}

function exdateKey(value: string, zone: string | undefined): string {
  if (/^\d{8}$/.test(value)) {
    return value;
  }
  if (value.endsWith('Z') && zone === undefined) {
    // A UTC exception date names an instant, which each slot is compared with.
    return `utc:${DateTime.fromFormat(value, "yyyyMMdd'T'HHmmss'Z'", { zone: 'UTC' }).toMillis()}`;
  }
  return value.replace(/Z$/, '');
}

function wallKey(local: DateTime, isDate: boolean): string {
  return isDate ? local.toFormat('yyyyMMdd') : local.toFormat("yyyyMMdd'T'HHmmss");
}

