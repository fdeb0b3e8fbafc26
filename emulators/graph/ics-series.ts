/**
 * A recurring VEVENT and its RECURRENCE-ID overrides turned into Graph seeds: one series master, and an
 * occurrence or exception per slot inside the horizon. An override replaces its slot (STATUS:CANCELLED removes
 * it); RANGE=THISANDFUTURE shifts and restyles every later slot; an override for a slot the master's EXDATE
 * removed stays removed.
 */
import type ICAL from 'ical.js';
import type { IcsEvent } from './ics-event.ts';
import type { Expansion, SeriesContext, Slot } from './ics-expand.ts';
import { expandSlots, matchSlots } from './ics-expand.ts';
import { isCancelled, seedFields } from './ics-fields.ts';
import { patternedRecurrence } from './ics-pattern.ts';
import type { IcsTimeValue, LocalDateTime } from './ics-time.ts';
import { addDays, dateOnly, isoInstant } from './ics-time.ts';
import type { EventTiming } from './ics-timing.ts';
import { allDaySeedTimes, eventTiming, originalZoneName, timedSeedTimes } from './ics-timing.ts';
import type { ResolvedZone, ZoneResolver } from './ics-zones.ts';
import { toInstant, toWallTime } from './ics-zones.ts';
import type { GraphEventSeed } from './seed-types.ts';

export interface SeriesInput {
  master: IcsEvent;
  masterStart: IcsTimeValue;
  overrides: IcsEvent[];
  seedKey: string;
  resolver: ZoneResolver;
  calendarZone: ResolvedZone;
  horizon: { start: number; end: number };
  defaultTimeZone: string;
  warn: (event: IcsEvent, message: string) => void;
}

interface Override {
  event: IcsEvent;
  timing: EventTiming | null;
  slot: Slot;
}

const DAY_MS = 86_400_000;

export function seriesSeeds(input: SeriesInput): GraphEventSeed[] {
  const { master, masterStart, resolver } = input;
  const timing = eventTiming(master, masterStart, resolver);
  for (const problem of timing.problems) input.warn(master, problem);

  const context: SeriesContext = { zone: timing.startZone, calendarZone: input.calendarZone, resolver, limit: slotLimit(input, timing) };
  const expansion = expandSlots(master, masterStart, context);
  reportExpansion(input, expansion);

  const overrides = placeOverrides(input, expansion, context, timing.allDay);
  const instances = expansion.slots.flatMap((slot) => instanceSeeds(input, timing, slot, overrides));
  const outside = overrides.filter((override) => !expansion.slots.includes(override.slot));
  instances.push(...outside.flatMap((override) => instanceSeeds(input, timing, override.slot, overrides)));

  return [masterSeed(input, timing), ...instances.filter((seed) => overlapsHorizon(seed, input))];
}

// Slots are generated up to the horizon end, or further when an override names a later slot.
function slotLimit(input: SeriesInput, timing: EventTiming): number {
  const overrideIds = input.overrides.flatMap((override) => {
    const id = override.recurrenceId ? toInstant(override.recurrenceId.local, input.resolver.resolve(override.recurrenceId.tzid, override.recurrenceId.utc)) : null;
    return id === null ? [] : [id];
  });
  return Math.max(input.horizon.end, timing.start, ...overrideIds) + DAY_MS;
}

function reportExpansion(input: SeriesInput, expansion: Expansion): void {
  if (expansion.truncated) input.warn(input.master, 'recurrence has too many occurrences; the expansion was cut short');
  for (const exdate of expansion.unmatchedExdates) {
    input.warn(input.master, `EXDATE ${exdate} matches no occurrence as an instant, so it excludes nothing`);
  }
}

function placeOverrides(input: SeriesInput, expansion: Expansion, context: SeriesContext, allDay: boolean): Override[] {
  const placed: Override[] = [];

  for (const event of input.overrides) {
    const recurrenceId = event.recurrenceId;
    if (!recurrenceId) continue;

    const timing = event.start ? eventTiming(event, event.start, input.resolver) : null;
    for (const problem of timing?.problems ?? []) input.warn(event, problem);

    const slot = matchSlots(recurrenceId, expansion.slots, allDay, context)[0];
    if (slot) {
      placed.push({ event, timing, slot });
      continue;
    }

    // The master's EXDATE deleted this slot after the override was written; the deletion is the newer intent.
    const deleted = input.master.exdates.some((exdate) => matchSlots(recurrenceId, [slotOf(exdate, allDay, context)], allDay, context).length > 0);
    if (deleted) {
      input.warn(event, 'override of an occurrence the series excludes (EXDATE); the occurrence stays deleted');
      continue;
    }

    input.warn(event, 'RECURRENCE-ID matches no occurrence of the series; imported as an extra exception');
    placed.push({ event, timing, slot: slotOf(recurrenceId, allDay, context) });
  }
  return placed.sort((a, b) => a.slot.id - b.slot.id);
}

function slotOf(value: IcsTimeValue, allDay: boolean, context: SeriesContext): Slot {
  if (allDay || value.local.isDate) {
    const local = dateOnly(value.utc ? toWallTime(toInstant(value.local, context.resolver.utc), context.calendarZone) : value.local);
    return { id: Date.UTC(local.year, local.month - 1, local.day), local, periodEnd: null };
  }
  const id = toInstant(value.local, context.resolver.resolve(value.tzid, value.utc));
  return { id, local: toWallTime(id, context.zone), periodEnd: null };
}

function instanceSeeds(input: SeriesInput, timing: EventTiming, slot: Slot, overrides: Override[]): GraphEventSeed[] {
  const direct = overrides.find((override) => override.slot === slot);
  const ranged = direct ? undefined : overrides.filter((override) => override.event.thisAndFuture && override.slot.id < slot.id).at(-1);
  const override = direct ?? ranged;
  if (override && isCancelled(override.event)) return [];

  const source = override?.event ?? input.master;
  const times = override?.timing ? overrideTimes(input, slot, override, direct !== undefined) : slotTimes(input, timing, slot);
  const originalStart = timing.allDay ? isoInstant(midnight(slot.local, input.defaultTimeZone)) : isoInstant(slot.id);

  return [
    {
      seedKey: `${input.seedKey}@${originalStart}`,
      ...seedFields(source, input.master.uid),
      ...times,
      type: override ? 'exception' : 'occurrence',
      seriesMasterSeedKey: input.seedKey,
      originalStart,
      recurrence: null,
    },
  ];
}

function slotTimes(input: SeriesInput, timing: EventTiming, slot: Slot): ReturnType<typeof timedSeedTimes> {
  if (timing.allDay) return allDaySeedTimes(slot.local, timing.durationDays, input.defaultTimeZone);
  return timedSeedTimes(slot.id, slot.periodEnd ?? slot.id + timing.durationMs, timing);
}

// A direct override carries its own times; a THISANDFUTURE one moves later slots by its own shift.
function overrideTimes(input: SeriesInput, slot: Slot, override: Override, direct: boolean): ReturnType<typeof timedSeedTimes> {
  const timing = override.timing as EventTiming;
  if (timing.allDay) {
    const shiftDays = direct ? 0 : Math.round((timing.start - override.slot.id) / DAY_MS);
    const start = direct ? timing.startLocal : addDays(slot.local, shiftDays);
    return allDaySeedTimes(start, timing.durationDays, input.defaultTimeZone);
  }
  const start = direct ? timing.start : slot.id + (timing.start - override.slot.id);
  return timedSeedTimes(start, start + timing.durationMs, timing);
}

function masterSeed(input: SeriesInput, timing: EventTiming): GraphEventSeed {
  const times = timing.allDay
    ? allDaySeedTimes(timing.startLocal, timing.durationDays, input.defaultTimeZone)
    : timedSeedTimes(timing.start, timing.start + timing.durationMs, timing);
  const rule = input.master.rrules[0] ?? null;

  return {
    seedKey: input.seedKey,
    ...seedFields(input.master, input.master.uid),
    ...times,
    type: 'seriesMaster',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: patternedRecurrence({
      rule,
      start: timing.allDay ? timing.startLocal : toWallTime(timing.start, timing.startZone),
      untilDate: rule ? untilDate(rule, timing, input) : null,
      recurrenceTimeZone: timing.allDay ? input.defaultTimeZone : originalZoneName(timing.startZone),
    }),
  };
}

function untilDate(rule: ICAL.Recur, timing: EventTiming, input: SeriesInput): LocalDateTime | null {
  const until = rule.until;
  if (!until) return null;

  const local: LocalDateTime = { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second, isDate: until.isDate };
  if (until.isDate || !until.toString().endsWith('Z')) return dateOnly(local);
  const shownIn = timing.allDay ? input.calendarZone : timing.startZone;
  return dateOnly(toWallTime(toInstant(local, input.resolver.utc), shownIn));
}

function overlapsHorizon(seed: GraphEventSeed, input: SeriesInput): boolean {
  const start = seedInstant(seed.start, input);
  const end = Math.max(seedInstant(seed.end, input), start);
  if (end === start) return start >= input.horizon.start && start < input.horizon.end;
  return start < input.horizon.end && end > input.horizon.start;
}

function seedInstant(value: GraphEventSeed['start'], input: SeriesInput): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value.dateTime);
  const [year, month, day, hour, minute, second] = (match ?? []).slice(1).map(Number);
  const local: LocalDateTime = { year: year ?? 0, month: month ?? 1, day: day ?? 1, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0, isDate: false };
  return toInstant(local, input.resolver.resolve(value.timeZone, false));
}

function midnight(date: LocalDateTime, zone: string): number {
  return toInstant({ ...dateOnly(date), isDate: false }, { iana: zone, windows: null, vtimezone: null, unknown: false, name: zone });
}
