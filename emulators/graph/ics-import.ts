/**
 * iCalendar text to the Graph events an Exchange mailbox contains after importing it (the Graph emulator's seeds).
 *
 * Lenient like Outlook: what cannot be understood becomes a warning naming the file and the event, never an
 * exception that loses the other events. Of several copies of one event (same UID, or same UID and
 * RECURRENCE-ID) the highest SEQUENCE wins, then the latest DTSTAMP, then the later one in the file.
 */
import ICAL from 'ical.js';
import type { IcsEvent } from './ics-event.ts';
import { eventLabel, readEvent } from './ics-event.ts';
import { seedFields } from './ics-fields.ts';
import { seriesSeeds } from './ics-series.ts';
import type { IcsBlock } from './ics-text.ts';
import { readCalendarText } from './ics-text.ts';
import { allDaySeedTimes, eventTiming, timedSeedTimes } from './ics-timing.ts';
import { ZoneResolver } from './ics-zones.ts';
import type { GraphEventSeed } from './seed-types.ts';

export interface IcsImportOptions {
  /** Names the file in warnings and seeds the ids of events without UID. */
  fileName: string;
  /** ISO instants: recurring series are expanded inside this range only. */
  horizon: { start: string; end: string };
  /** IANA zone for floating times and all-day events; default 'UTC'. */
  defaultTimeZone?: string;
}

export interface IcsImportResult {
  seeds: GraphEventSeed[];
  warnings: string[];
}

/** iTIP messages about an event rather than the event itself; a mailbox never stores them as events. */
const NON_EVENT_METHODS = new Set(['REPLY', 'COUNTER', 'REFRESH', 'DECLINECOUNTER']);

interface ImportContext {
  options: Required<IcsImportOptions>;
  resolver: ZoneResolver;
  calendarZone: ReturnType<ZoneResolver['resolve']>;
  horizon: { start: number; end: number };
  warnings: string[];
}

export function importIcs(text: string, options: IcsImportOptions): IcsImportResult {
  const resolved = { ...options, defaultTimeZone: options.defaultTimeZone ?? 'UTC' };
  const horizon = { start: Date.parse(options.horizon.start), end: Date.parse(options.horizon.end) };
  if (Number.isNaN(horizon.start) || Number.isNaN(horizon.end)) {
    throw new Error(`importIcs: horizon ${JSON.stringify(options.horizon)} is not a pair of ISO instants; pass e.g. { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' }`);
  }

  const warnings: string[] = [];
  const calendar = readCalendarText(text);
  const vtimezones = calendar.blocks.filter((block) => block.name === 'VTIMEZONE').flatMap((block) => parseBlock(block, resolved.fileName, warnings));
  const resolver = new ZoneResolver(vtimezones, resolved.defaultTimeZone);
  const calendarZone = calendarZoneOf(calendar.calendarZone, vtimezones, resolver);
  const context: ImportContext = { options: resolved, resolver, calendarZone, horizon, warnings };

  const events = readEvents(calendar.blocks, context);
  const seeds = [...groupByUid(events).values()].flatMap((group) => guarded(group[0], context, () => groupSeeds(group, context)));
  if (seeds.length === 0 && warnings.length === 0 && !calendar.blocks.some((block) => block.name === 'VEVENT')) {
    warnings.push(`${resolved.fileName}: no VEVENT found (an empty calendar, or not iCalendar text); nothing imported`);
  }
  return { seeds, warnings: countRepeats(warnings) };
}

/** Merge repeated warnings into one line with their count, because a series can raise the same one for many instances. */
function countRepeats(warnings: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const warning of warnings) counts.set(warning, (counts.get(warning) ?? 0) + 1);
  return [...counts].map(([warning, count]) => (count === 1 ? warning : `${warning} (${count} times)`));
}

function readEvents(blocks: IcsBlock[], context: ImportContext): IcsEvent[] {
  const events: IcsEvent[] = [];
  const vevents = blocks.filter((block) => block.name === 'VEVENT');

  vevents.forEach((block, ordinal) => {
    for (const component of parseBlock(block, context.options.fileName, context.warnings)) {
      const event = guardedValue(context, `event #${ordinal + 1}`, () => readEvent(component, ordinal, block.method, context.options.fileName));
      if (!event) continue;
      if (event.method && NON_EVENT_METHODS.has(event.method)) {
        warn(context, event, `is an iTIP ${event.method}, not an event; skipped`);
        continue;
      }
      events.push(event);
    }
  });
  return events;
}

function parseBlock(block: IcsBlock, fileName: string, warnings: string[]): ICAL.Component[] {
  try {
    return [new ICAL.Component(ICAL.parse(block.lines.join('\r\n') + '\r\n') as unknown[])];
  } catch (error) {
    const uid = block.lines.find((line) => /^UID[;:]/i.test(line))?.replace(/^UID[^:]*:/i, '');
    const name = uid ? `${block.name} "${uid}"` : `a ${block.name}`;
    warnings.push(`${fileName}: ${name} cannot be parsed (${(error as Error).message}); skipped`);
    return [];
  }
}

function groupByUid(events: IcsEvent[]): Map<string, IcsEvent[]> {
  const groups = new Map<string, IcsEvent[]>();
  for (const event of events) {
    const group = groups.get(event.uid) ?? [];
    group.push(event);
    groups.set(event.uid, group);
  }
  return groups;
}

function groupSeeds(group: IcsEvent[], context: ImportContext): GraphEventSeed[] {
  const masters = group.filter((event) => !event.recurrenceId);
  const overrides = latestPerRecurrenceId(group.filter((event) => event.recurrenceId), context);
  const master = latest(masters, context);

  if (!master) {
    return overrides.flatMap((override) => {
      warn(context, override, 'override without its series; imported as a single event');
      return singleSeeds(override, `${seedKeyOf(override, context)}#${override.ordinal}`, context);
    });
  }

  const start = master.start ?? masters.filter((event) => event.start).sort(newestFirst)[0]?.start ?? null;
  if (!start) {
    warn(context, master, 'has no valid DTSTART; skipped');
    return [];
  }

  const recurring = master.rrules.length > 0 || master.rdates.length > 0;
  if (!recurring) {
    for (const override of overrides) warn(context, override, 'override of an event that does not recur; ignored');
    return singleSeeds({ ...master, start }, seedKeyOf(master, context), context);
  }

  return seriesSeeds({
    master,
    masterStart: start,
    overrides,
    seedKey: seedKeyOf(master, context),
    resolver: context.resolver,
    calendarZone: context.calendarZone,
    horizon: context.horizon,
    defaultTimeZone: context.options.defaultTimeZone,
    warn: (event, message) => warn(context, event, message),
  });
}

function singleSeeds(event: IcsEvent, seedKey: string, context: ImportContext): GraphEventSeed[] {
  if (!event.start) {
    warn(context, event, 'has no valid DTSTART; skipped');
    return [];
  }

  const timing = eventTiming(event, event.start, context.resolver);
  for (const problem of timing.problems) warn(context, event, problem);
  const times = timing.allDay
    ? allDaySeedTimes(timing.startLocal, timing.durationDays, context.options.defaultTimeZone)
    : timedSeedTimes(timing.start, timing.start + timing.durationMs, timing);

  return [{ seedKey, ...seedFields(event, event.uid), ...times, type: 'singleInstance', seriesMasterSeedKey: null, originalStart: null, recurrence: null }];
}

function latestPerRecurrenceId(overrides: IcsEvent[], context: ImportContext): IcsEvent[] {
  const byId = new Map<string, IcsEvent[]>();
  for (const override of overrides) {
    const id = JSON.stringify(override.recurrenceId);
    byId.set(id, [...(byId.get(id) ?? []), override]);
  }
  return [...byId.values()].flatMap((copies) => latest(copies, context) ?? []);
}

function latest(copies: IcsEvent[], context: ImportContext): IcsEvent | null {
  const sorted = [...copies].sort(newestFirst);
  const winner = sorted[0] ?? null;
  if (winner && sorted.length > 1) {
    warn(context, winner, `appears ${sorted.length} times; kept SEQUENCE ${winner.sequence}, the newest copy`);
  }
  return winner;
}

function newestFirst(a: IcsEvent, b: IcsEvent): number {
  return b.sequence - a.sequence || (b.dtstamp ?? 0) - (a.dtstamp ?? 0) || b.ordinal - a.ordinal;
}

function seedKeyOf(event: IcsEvent, context: ImportContext): string {
  return `${context.options.fileName}#${event.uid}`;
}

// X-WR-TIMEZONE, else the first VTIMEZONE that names a real zone, else the default: the zone in which Exchange
// and Google wrote the UTC values they attach to all-day series.
function calendarZoneOf(name: string | null, vtimezones: ICAL.Component[], resolver: ZoneResolver): ReturnType<ZoneResolver['resolve']> {
  const candidates = [name, ...vtimezones.map((component) => String(component.getFirstPropertyValue('tzid') ?? ''))];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const zone = resolver.resolve(candidate, false);
    if (!zone.unknown && zone.iana && zone.iana !== 'UTC') return zone;
  }
  return resolver.floating;
}

function warn(context: ImportContext, event: IcsEvent, message: string): void {
  context.warnings.push(`${context.options.fileName}: ${eventLabel(event)} ${message}`);
}

function guarded(event: IcsEvent | undefined, context: ImportContext, build: () => GraphEventSeed[]): GraphEventSeed[] {
  return guardedValue(context, event ? eventLabel(event) : 'an event', build) ?? [];
}

function guardedValue<T>(context: ImportContext, label: string, build: () => T): T | null {
  try {
    return build();
  } catch (error) {
    context.warnings.push(`${context.options.fileName}: ${label} cannot be imported (${(error as Error).message}); skipped`);
    return null;
  }
}
