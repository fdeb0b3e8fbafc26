import ICAL from 'ical.js';
import type { EventSpan } from '../../../domain/calendar-event.ts';
import { addDays, dateId, formatDate, instantToWall, wallToInstant, type TimeValue, type WallTime, type ZoneResolver } from './ical-time.ts';
import type { VComponent } from './vevent.ts';

/** One item a VEVENT group gives: a single event, or an instance of a series. */
export interface EventInstance {
  /** Original start of the slot (ISO instant, or a date for an all-day series); null for a single event. */
  readonly key: string | null;
  readonly role: 'occurrence' | 'exception' | null;
  readonly span: EventSpan;
  /** The component whose fields the instance shows: the master, or the override that replaced the slot. */
  readonly source: VComponent;
}

/** Range of instants an expansion covers; `end` also bounds how far a series is iterated. */
export interface ExpansionRange {
  readonly start: number;
  readonly end: number;
  /** Instant from which rule iteration may begin instead of DTSTART; absent: `start`. */
  readonly iterateFrom?: number;
}

/** Called when a rule of a series reached the iteration cap, so later occurrences are missing. */
export type CapWarning = (detail: { readonly uid: string; readonly rule: string; readonly cap: number }) => void;

interface Timing {
  readonly allDay: boolean;
  /** Instant of the start (timed) or UTC midnight of the start date (all-day). */
  readonly start: number;
  readonly startWall: WallTime;
  readonly durationMs: number;
  readonly durationDays: number;
  readonly zoneName: string;
}

interface Slot {
  /** Instant (timed) or UTC midnight of the date (all-day). */
  readonly id: number;
  readonly wall: WallTime;
  readonly periodEndMs: number | null;
}

const DAY_MS = 86_400_000;
/** Iterations per rule: a daily series over 250 years, or an hourly one over 11 years from the window start. A longer one is cut, with a warning. */
export const MAX_ITERATIONS = 100_000;
/** Length of one step of the frequencies whose slots lie a fixed wall-time distance apart, in milliseconds. */
const FIXED_STEP_MS: Readonly<Record<string, number>> = { SECONDLY: 1000, MINUTELY: 60_000, HOURLY: 3_600_000, DAILY: DAY_MS };

/**
 * Expand a master and its RECURRENCE-ID overrides into the instances that overlap `range`. Rules iterate on wall
 * time in the series zone (a weekly 10:00 meeting stays at 10:00 across DST); EXDATE and RECURRENCE-ID match slots
 * as instants, or by date for an all-day series or a DATE value. A cancelled override removes its slot, and a
 * THISANDFUTURE override moves and restyles every later slot.
 */
export function expandEvent(master: VComponent, overrides: readonly VComponent[], resolver: ZoneResolver, range: ExpansionRange, onCap?: CapWarning): EventInstance[] {
  const timing = timingOf(master, master.start as TimeValue, resolver);
  if (master.rrules.length === 0 && master.rdates.length === 0) {
    const single: EventInstance = { key: null, role: null, span: spanOf(timing, timing.start, timing.startWall), source: master };
    return overlaps(single.span, range, resolver.mailboxZone) ? [single] : [];
  }

  const slots = slotsOf(master, timing, resolver, range, onCap);
  const placed = placeOverrides(master, overrides, slots, timing, resolver);
  const instances: EventInstance[] = [];
  for (const slot of [...slots, ...placed.extra].sort((a, b) => a.id - b.id)) {
    const direct = placed.bySlot.get(slot.id);
    const ranged = direct === undefined ? placed.thisAndFuture.filter(([id]) => id < slot.id).at(-1) : undefined;
    const override = direct ?? ranged?.[1];
    if (override !== undefined && isCancelledOverride(override)) {
      continue;
    }

    const span = override?.start ? overrideSpan(override, slot, ranged?.[0] ?? slot.id, direct !== undefined, resolver) : spanOf(timing, slot.id, slot.wall, slot.periodEndMs);
    const key = timing.allDay ? formatDate(slot.wall) : new Date(slot.id).toISOString();
    const instance: EventInstance = { key, role: override === undefined ? 'occurrence' : 'exception', span, source: override ?? master };
    if (overlaps(span, range, resolver.mailboxZone)) {
      instances.push(instance);
    }
  }
  return instances;
}

/** The instance of a series with this original start, wherever it lies; null when the series has no such slot. */
export function findInstance(master: VComponent, overrides: readonly VComponent[], resolver: ZoneResolver, key: string, onCap?: CapWarning): EventInstance | null {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(key) ? Date.parse(`${key}T00:00:00Z`) : Date.parse(key);
  if (Number.isNaN(at)) {
    return null;
  }
  // Overrides may move a slot anywhere; a range of all time around the slot finds it however far it moved.
  // The rule is iterated from just before the slot, so an hourly series begun years ago still reaches it.
  const instances = expandEvent(master, overrides, resolver, { start: Number.MIN_SAFE_INTEGER, end: at + 2 * DAY_MS, iterateFrom: at }, onCap);
  return instances.find((instance) => instance.key === key) ?? null;
}

function timingOf(event: VComponent, start: TimeValue, resolver: ZoneResolver): Timing {
  const zone = resolver.zoneOf(start);
  const zoneName = zone.iana ?? resolver.mailboxZone;
  if (start.isDate) {
    return { allDay: true, start: dateId(start.wall), startWall: start.wall, durationMs: 0, durationDays: allDayLength(event, start), zoneName };
  }

  const startMs = resolver.instantOf(start);
  const endMs = event.end !== null ? resolver.instantOf(event.end) : event.durationSeconds !== null ? startMs + event.durationSeconds * 1000 : startMs;
  // An end before the start (a negative duration) is read as a zero-length event.
  return { allDay: false, start: startMs, startWall: start.wall, durationMs: Math.max(0, endMs - startMs), durationDays: 0, zoneName };
}

function allDayLength(event: VComponent, start: TimeValue): number {
  if (event.end !== null) {
    return Math.max(1, Math.round((dateId(event.end.wall) - dateId(start.wall)) / DAY_MS));
  }
  if (event.durationSeconds !== null) {
    return Math.max(1, Math.round(event.durationSeconds / 86_400));
  }
  return 1;
}

function spanOf(timing: Timing, startId: number, wall: WallTime, periodEndMs: number | null = null): EventSpan {
  if (timing.allDay) {
    return { kind: 'allDay', startDate: formatDate(wall), endDate: formatDate(addDays(wall, timing.durationDays)) };
  }
  const end = periodEndMs ?? startId + timing.durationMs;
  return { kind: 'timed', start: new Date(startId).toISOString(), end: new Date(Math.max(end, startId)).toISOString(), timeZone: timing.zoneName };
}

function overrideSpan(override: VComponent, slot: Slot, anchorId: number, direct: boolean, resolver: ZoneResolver): EventSpan {
  const timing = timingOf(override, override.start as TimeValue, resolver);
  if (direct) {
    return spanOf(timing, timing.start, timing.startWall);
  }

  // A THISANDFUTURE override shifts each later slot by the distance it moved its own slot.
  if (timing.allDay) {
    const shifted = addDays(slot.wall, Math.round((timing.start - anchorId) / DAY_MS));
    return spanOf(timing, dateId(shifted), shifted);
  }
  const start = slot.id + (timing.start - anchorId);
  return spanOf(timing, start, instantToWall(start, timing.zoneName));
}

function slotsOf(master: VComponent, timing: Timing, resolver: ZoneResolver, range: ExpansionRange, onCap: CapWarning | undefined): Slot[] {
  const limit = range.end;
  const byId = new Map<number, Slot>();
  const start = master.start as TimeValue;
  for (const rule of master.rrules) {
    const cap = () => onCap?.({ uid: master.uid, rule: rule.toString(), cap: MAX_ITERATIONS });
    for (const slot of iterateRule(rule, start, timing, resolver, { limit, from: range.iterateFrom ?? range.start, onCap: cap })) {
      byId.set(slot.id, slot);
    }
  }
  if (master.rrules.length === 0) {
    byId.set(timing.start, { id: timing.start, wall: start.wall, periodEndMs: null });
  }

  for (const rdate of master.rdates) {
    const slot = slotOfValue(rdate.value, timing, resolver, start);
    const periodEndMs = timing.allDay ? null : rdate.periodSeconds !== null ? slot.id + rdate.periodSeconds * 1000 : rdate.periodEnd !== null ? resolver.instantOf(rdate.periodEnd) : null;
    if (slot.id <= limit) {
      byId.set(slot.id, { ...slot, periodEndMs });
    }
  }

  const generated = [...byId.values()];
  for (const exdate of master.exdates) {
    for (const slot of matchSlots(exdate, generated, timing, resolver)) {
      byId.delete(slot.id);
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

interface IterationBounds {
  /** No slot after this instant is generated. */
  readonly limit: number;
  /** Slots whose event ends before this instant are not needed. */
  readonly from: number;
  readonly onCap: () => void;
}

function iterateRule(rule: ICAL.Recur, start: TimeValue, timing: Timing, resolver: ZoneResolver, bounds: IterationBounds): Slot[] {
  const recur = rule.clone();
  const until = recur.until;
  recur.until = null;
  const pastUntil = until === null ? null : untilCheck(until, timing, resolver, start);

  const zone = resolver.zoneOf(start);
  const jumped = jumpedStart(recur, start.wall, timing, bounds.from);
  const iterator = recur.iterator(ICAL.Time.fromData({ ...(jumped ?? start.wall), isDate: timing.allDay }));
  // ical.js always yields the start it was given first; a jumped start is only an anchor before the range, so it is dropped.
  if (jumped !== null) {
    iterator.next();
  }
  const slots: Slot[] = [];
  for (let count = 0; ; count += 1) {
    if (count === MAX_ITERATIONS) {
      bounds.onCap();
      break;
    }
    const next = iterator.next();
    if (!next) {
      break;
    }
    const wall: WallTime = { year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second };
    const slot: Slot = { id: timing.allDay ? dateId(wall) : wallToInstant(wall, zone), wall, periodEndMs: null };
    if ((pastUntil !== null && pastUntil(slot)) || slot.id > bounds.limit) {
      break;
    }
    slots.push(slot);
  }
  return slots;
}

/**
 * Compute a later start for iterating a rule without COUNT whose periods lie a fixed wall-time distance apart
 * (SECONDLY to DAILY). It is the start of the last period before `from`, less the event length and a two-day margin
 * for zone offsets. Iterating from there yields the same later slots as iterating from DTSTART, because BY parts
 * repeat per period. Null when no jump is possible or needed.
 */
function jumpedStart(recur: ICAL.Recur, startWall: WallTime, timing: Timing, from: number): WallTime | null {
  const unit = FIXED_STEP_MS[recur.freq];
  if (unit === undefined || (recur.count !== null && recur.count !== undefined) || !Number.isFinite(from)) {
    return null;
  }
  const step = unit * Math.max(1, recur.interval || 1);
  const startNaive = Date.UTC(startWall.year, startWall.month - 1, startWall.day, startWall.hour, startWall.minute, startWall.second);
  const anchorNaive = from - timing.durationMs - timing.durationDays * DAY_MS - 2 * DAY_MS - step;
  const periods = Math.floor((anchorNaive - startNaive) / step);
  if (periods < 1) {
    return null;
  }
  const at = new Date(startNaive + periods * step);
  return { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate(), hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds() };
}

/** UNTIL as "this slot is past the end": a UTC value compares as an instant, a DATE (or any all-day end) by date. */
function untilCheck(until: ICAL.Time, timing: Timing, resolver: ZoneResolver, start: TimeValue): (slot: Slot) => boolean {
  const wall: WallTime = { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second };
  const utc = until.zone === ICAL.Timezone.utcTimezone || until.toString().endsWith('Z');
  if (timing.allDay || until.isDate) {
    const last = timing.allDay && utc ? dateId(instantToWall(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second), resolver.mailboxZone)) : dateId(wall);
    return (slot) => dateId(slot.wall) > last;
  }
  const instant = utc ? Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) : wallToInstant(wall, resolver.zoneOf(start));
  return (slot) => slot.id > instant;
}

function slotOfValue(value: TimeValue, timing: Timing, resolver: ZoneResolver, start: TimeValue): Slot {
  if (timing.allDay) {
    const wall = dateOfValue(value, resolver);
    return { id: dateId(wall), wall, periodEndMs: null };
  }
  // A DATE in the RDATE list of a timed series takes the series' time of day.
  const source: TimeValue = value.isDate ? { ...start, wall: { ...start.wall, year: value.wall.year, month: value.wall.month, day: value.wall.day } } : value;
  const id = resolver.instantOf(source);
  return { id, wall: instantToWall(id, timing.zoneName), periodEndMs: null };
}

/** The slots a RECURRENCE-ID or EXDATE names: by date for an all-day series or a DATE value, else by instant. */
function matchSlots(value: TimeValue, slots: readonly Slot[], timing: Timing, resolver: ZoneResolver): Slot[] {
  if (timing.allDay || value.isDate) {
    const date = dateId(dateOfValue(value, resolver));
    return slots.filter((slot) => dateId(slot.wall) === date);
  }
  const instant = resolver.instantOf(value);
  return slots.filter((slot) => slot.id === instant);
}

/** The date a value names: its own date, or for a UTC value the date in the mailbox zone. */
function dateOfValue(value: TimeValue, resolver: ZoneResolver): WallTime {
  if (!value.utc || value.isDate) {
    return value.wall;
  }
  return instantToWall(Date.UTC(value.wall.year, value.wall.month - 1, value.wall.day, value.wall.hour, value.wall.minute, value.wall.second), resolver.mailboxZone);
}

interface PlacedOverrides {
  readonly bySlot: Map<number, VComponent>;
  /** The THISANDFUTURE overrides by slot, in slot order. */
  readonly thisAndFuture: [number, VComponent][];
  /** Slots of overrides whose RECURRENCE-ID matches no generated slot and no EXDATE: kept as extra exceptions. */
  readonly extra: Slot[];
}

function placeOverrides(master: VComponent, overrides: readonly VComponent[], slots: readonly Slot[], timing: Timing, resolver: ZoneResolver): PlacedOverrides {
  const bySlot = new Map<number, VComponent>();
  const extra: Slot[] = [];
  const start = master.start as TimeValue;
  for (const override of overrides) {
    const recurrenceId = override.recurrenceId as TimeValue;
    const slot = matchSlots(recurrenceId, slots, timing, resolver)[0];
    if (slot !== undefined) {
      bySlot.set(slot.id, override);
      continue;
    }

    // The master's EXDATE removed this slot after the override was written; the removal is the newer intent.
    const own = slotOfValue(recurrenceId, timing, resolver, start);
    if (master.exdates.some((exdate) => matchSlots(exdate, [own], timing, resolver).length > 0)) {
      continue;
    }
    bySlot.set(own.id, override);
    extra.push(own);
  }
  const thisAndFuture = [...bySlot.entries()].filter(([, override]) => override.thisAndFuture).sort(([a], [b]) => a - b);
  return { bySlot, extra, thisAndFuture };
}

function isCancelledOverride(override: VComponent): boolean {
  return String(override.component.getFirstPropertyValue('status') ?? '').trim().toUpperCase() === 'CANCELLED';
}

/** Instances that touch the range; a zero-length one counts when it starts inside. All-day dates use the mailbox zone. */
function overlaps(span: EventSpan, range: ExpansionRange, mailboxZone: string): boolean {
  const start = span.kind === 'timed' ? Date.parse(span.start) : midnight(span.startDate, mailboxZone);
  const end = span.kind === 'timed' ? Date.parse(span.end) : midnight(span.endDate, mailboxZone);
  if (end <= start) {
    return start >= range.start && start < range.end;
  }
  return start < range.end && end > range.start;
}

function midnight(date: string, zone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return wallToInstant({ year, month, day, hour: 0, minute: 0, second: 0 }, { iana: zone, definition: null });
}
