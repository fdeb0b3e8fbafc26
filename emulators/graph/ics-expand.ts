/**
 * Expansion of a recurring VEVENT into its slots (the instants its RRULEs and RDATEs produce, minus EXDATEs).
 *
 * Rules are iterated on wall-clock time (RFC 5545 section 3.3.10: a weekly 10:00 meeting stays at 10:00 across
 * DST) with ical.js, and each wall time becomes an instant through the series zone. UNTIL, EXDATE and
 * RECURRENCE-ID are compared as instants, never as wall times written in different zones.
 */
import ICAL from 'ical.js';
import type { IcsEvent } from './ics-event.ts';
import type { IcsTimeValue, LocalDateTime } from './ics-time.ts';
import { compareDates, dateOnly, formatDate, isoInstant } from './ics-time.ts';
import type { ResolvedZone, ZoneResolver } from './ics-zones.ts';
import { toInstant, toWallTime } from './ics-zones.ts';

export interface SeriesContext {
  zone: ResolvedZone;
  /** Zone for reading UTC values against an all-day series (the calendar's zone). */
  calendarZone: ResolvedZone;
  resolver: ZoneResolver;
  /** No slot starting after this instant is generated. */
  limit: number;
}

export interface Slot {
  /** The slot's instant for a timed series; midnight UTC of its date for an all-day series. */
  id: number;
  /** Local date (all-day) or wall time in the series zone (timed). */
  local: LocalDateTime;
  /** End instant when an RDATE gave a PERIOD. */
  periodEnd: number | null;
}

export interface Expansion {
  slots: Slot[];
  unmatchedExdates: string[];
  truncated: boolean;
}

/** Enough for a daily series over 250 years; beyond it the series is cut with a warning. */
const MAX_ITERATIONS = 100_000;

export function expandSlots(event: IcsEvent, start: IcsTimeValue, context: SeriesContext): Expansion {
  const allDay = start.local.isDate;
  const byId = new Map<number, Slot>();
  let truncated = false;

  for (const rule of event.rrules) {
    const result = iterateRule(rule, start, allDay, context);
    truncated ||= result.truncated;
    for (const slot of result.slots) byId.set(slot.id, slot);
  }
  if (event.rrules.length === 0) byId.set(...entry(slotFromValue(start, allDay, context)));

  for (const rdate of event.rdates) {
    const slot = slotFromValue(rdate.value, allDay, context, start);
    const periodEnd = periodEndOf(rdate, slot, allDay, context);
    if (slot.id <= context.limit) byId.set(slot.id, { ...slot, periodEnd });
  }

  const unmatchedExdates: string[] = [];
  const generated = [...byId.values()];
  for (const exdate of event.exdates) {
    const matches = matchSlots(exdate, generated, allDay, context);
    for (const slot of matches) byId.delete(slot.id);
    const id = slotFromValue(exdate, allDay, context, start).id;
    if (matches.length === 0 && id <= context.limit) unmatchedExdates.push(describe(exdate, allDay, context));
  }

  const slots = [...byId.values()].sort((a, b) => a.id - b.id);
  return { slots, unmatchedExdates, truncated };
}

/**
 * The slots a RECURRENCE-ID or EXDATE names: a DATE against an all-day series (or a DATE-TIME, by its local
 * date, as Exchange writes them), a DATE against a timed series by local date, else the same instant.
 */
export function matchSlots(value: IcsTimeValue, slots: Slot[], allDay: boolean, context: SeriesContext): Slot[] {
  if (allDay || value.local.isDate) {
    const date = localDateOf(value, context);
    return slots.filter((slot) => compareDates(slot.local, date) === 0);
  }

  const instant = toInstant(value.local, context.resolver.resolve(value.tzid, value.utc));
  return slots.filter((slot) => slot.id === instant);
}

function iterateRule(rule: ICAL.Recur, start: IcsTimeValue, allDay: boolean, context: SeriesContext): { slots: Slot[]; truncated: boolean } {
  const recur = rule.clone();
  const until = recur.until;
  recur.until = null;
  const untilBound = until ? boundOfUntil(until, allDay, context) : null;

  const iterator = recur.iterator(ICAL.Time.fromData({ ...start.local }));
  const slots: Slot[] = [];

  for (let count = 0; count < MAX_ITERATIONS; count += 1) {
    const next = iterator.next();
    if (!next) return { slots, truncated: false };

    const local: LocalDateTime = { year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second, isDate: allDay };
    const slot: Slot = { id: allDay ? dateId(local) : toInstant(local, context.zone), local, periodEnd: null };
    if (untilBound && untilBound(slot)) return { slots, truncated: false };
    if (slot.id > context.limit) return { slots, truncated: false };
    slots.push(slot);
  }
  return { slots, truncated: true };
}

/**
 * UNTIL as a predicate "this slot is past the end". Producers mix value types: Exchange ends all-day series with
 * a UTC DATE-TIME (midnight in the organizer's zone), others end a timed series with a DATE; both are read by
 * the local date, inclusive.
 */
function boundOfUntil(until: ICAL.Time, allDay: boolean, context: SeriesContext): (slot: Slot) => boolean {
  const utc = until.zone === ICAL.Timezone.utcTimezone || until.toString().endsWith('Z');
  const value: IcsTimeValue = {
    local: { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second, isDate: until.isDate },
    utc,
    tzid: null,
  };

  if (allDay || until.isDate) {
    const lastDate = allDay ? localDateOf(value, context) : dateOnly(value.local);
    return (slot) => compareDates(slot.local, lastDate) > 0;
  }

  const instant = toInstant(value.local, utc ? context.resolver.utc : context.zone);
  return (slot) => slot.id > instant;
}

function slotFromValue(value: IcsTimeValue, allDay: boolean, context: SeriesContext, start?: IcsTimeValue): Slot {
  if (allDay) {
    const local = localDateOf(value, context);
    return { id: dateId(local), local, periodEnd: null };
  }

  // A DATE in the RDATE list of a timed series takes the series' time of day.
  const local: LocalDateTime = value.local.isDate && start ? { ...start.local, year: value.local.year, month: value.local.month, day: value.local.day } : value.local;
  const zone = value.local.isDate && start ? context.resolver.resolve(start.tzid, start.utc) : context.resolver.resolve(value.tzid, value.utc);
  const id = toInstant(local, zone);
  return { id, local: zone === context.zone ? local : toWallTime(id, context.zone), periodEnd: null };
}

function periodEndOf(rdate: IcsEvent['rdates'][number], slot: Slot, allDay: boolean, context: SeriesContext): number | null {
  if (allDay) return null;
  if (rdate.periodDurationSeconds !== null) return slot.id + rdate.periodDurationSeconds * 1000;
  if (!rdate.periodEnd) return null;
  return toInstant(rdate.periodEnd.local, context.resolver.resolve(rdate.periodEnd.tzid, rdate.periodEnd.utc));
}

function localDateOf(value: IcsTimeValue, context: SeriesContext): LocalDateTime {
  if (!value.utc) return dateOnly(value.local);
  return dateOnly(toWallTime(toInstant(value.local, context.resolver.utc), context.calendarZone));
}

function dateId(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day);
}

function entry(slot: Slot): [number, Slot] {
  return [slot.id, slot];
}

function describe(value: IcsTimeValue, allDay: boolean, context: SeriesContext): string {
  if (allDay || value.local.isDate) return formatDate(value.local);
  return isoInstant(toInstant(value.local, context.resolver.resolve(value.tzid, value.utc)));
}
