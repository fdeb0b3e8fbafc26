import { DateTime } from 'luxon';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * A VTIMEZONE for an IANA zone that is exact for every instant from a year before `fromMs` to a year after `toMs`:
 * one observance for the offset in effect at the start and one per transition after it, each without RRULE.
 * RFC 5545 requires a VTIMEZONE for every TZID a resource uses, and the IANA rules are the source of truth here.
 */
export function vtimezoneLines(zone: string, fromMs: number, toMs: number): string[] {
  const start = fromMs - 366 * DAY_MS;
  const end = toMs + 366 * DAY_MS;
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];

  let offset = offsetAt(zone, start);
  lines.push(...observance('STANDARD', wallOf(start, offset), offset, offset));
  for (let day = start; day < end; day += DAY_MS) {
    const next = offsetAt(zone, day + DAY_MS);
    if (next === offset) {
      continue;
    }
    const at = transitionIn(zone, day, day + DAY_MS, offset);
    lines.push(...observance(next > offset ? 'DAYLIGHT' : 'STANDARD', wallOf(at, offset), offset, next));
    offset = next;
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

function observance(kind: 'STANDARD' | 'DAYLIGHT', wall: string, from: number, to: number): string[] {
  return [`BEGIN:${kind}`, `DTSTART:${wall}`, `TZOFFSETFROM:${formatOffset(from)}`, `TZOFFSETTO:${formatOffset(to)}`, `END:${kind}`];
}

/** The first minute in (low, high] whose offset differs from `before`. */
function transitionIn(zone: string, low: number, high: number, before: number): number {
  let lo = low;
  let hi = high;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(zone, mid) === before) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return hi;
}

/** Offset in minutes. */
function offsetAt(zone: string, instant: number): number {
  return DateTime.fromMillis(instant, { zone }).offset;
}

/** The local time `YYYYMMDDTHHMMSS` of an instant under an offset in minutes. */
function wallOf(instant: number, offsetMinutes: number): string {
  return new Date(instant + offsetMinutes * MINUTE_MS).toISOString().replace(/[-:]/g, '').slice(0, 15);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}${String(absolute % 60).padStart(2, '0')}`;
}
