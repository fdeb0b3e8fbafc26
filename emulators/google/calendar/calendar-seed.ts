import { DateTime } from 'luxon';
import { instantOf, resolveZone, wallDateOf } from '../../graph/zones.ts';
import type { GraphAttendeeSeed, GraphEventSeed } from '../../graph/seed-types.ts';
import type { UserState } from '../state.ts';
import { insertEvent, instancesOf, writeEvent, type StoreHooks } from './calendar-store.ts';
import { instanceSuffix, renderDateTime, type EventDateTime } from './event-times.ts';
import type { Slot } from './recurrence.ts';
import { rruleOf } from './rrule-from-pattern.ts';

/**
 * Seeding from .ics files through the Graph emulator's importer: its seeds are the events as Exchange stores them
 * after an import, and here they become the events Google Calendar stores after importing the same file. Where
 * Calendar has no field for a value, it is dropped: showAs `oof` and `workingElsewhere` read as busy, and a
 * cancelled event is stored as deleted, the only cancellation Calendar has.
 */

export interface CalendarSeedReport {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
}

const RESPONSE_OF: Readonly<Record<GraphAttendeeSeed['status']['response'], string>> = {
  none: 'needsAction',
  notResponded: 'needsAction',
  organizer: 'accepted',
  accepted: 'accepted',
  tentativelyAccepted: 'tentative',
  declined: 'declined',
};

export function seedCalendar(user: UserState, seeds: readonly GraphEventSeed[], hooks: StoreHooks): CalendarSeedReport {
  const report = { added: 0, updated: 0, unchanged: 0 };
  const instancesByMaster = new Map<string, GraphEventSeed[]>();
  for (const seed of seeds) {
    if (seed.seriesMasterSeedKey !== null) {
      instancesByMaster.set(seed.seriesMasterSeedKey, [...(instancesByMaster.get(seed.seriesMasterSeedKey) ?? []), seed]);
    }
  }

  for (const seed of seeds.filter((candidate) => candidate.seriesMasterSeedKey === null)) {
    const instances = seed.type === 'seriesMaster' ? (instancesByMaster.get(seed.seedKey) ?? []) : [];
    const outcome = seedOne(user, seed, instances, hooks);
    report[outcome] += 1;
  }
  return report;
}

function seedOne(user: UserState, seed: GraphEventSeed, instances: readonly GraphEventSeed[], hooks: StoreHooks): 'added' | 'updated' | 'unchanged' {
  const body = eventBody(seed, user.timeZone);
  const slots = instances.map((instance) => instanceSlot(instance, user.timeZone));
  const existing = Object.values(user.calendar.events).find(
    (record) => record.resource.iCalUID === seed.iCalUId && record.resource.recurringEventId === undefined && record.resource.status !== 'cancelled',
  );

  if (!existing) {
    insertEvent(user, body, hooks, { imported: true, ...(seed.type === 'seriesMaster' ? { seededInstances: slots } : {}) });
    return 'added';
  }

  const id = String(existing.resource.id);
  const masterChanged = changes(existing.resource, body);
  if (masterChanged) {
    writeEvent(user, id, body, { mode: 'update', imported: true }, hooks);
  }
  const instancesChanged = seed.type === 'seriesMaster' && reseedInstances(user, id, slots, hooks);
  return masterChanged || instancesChanged ? 'updated' : 'unchanged';
}

/** Update the instances of an existing seeded series slot by slot; a slot the series lacks is added. */
function reseedInstances(user: UserState, masterId: string, slots: readonly { slot: Slot; overrides: Record<string, unknown> }[], hooks: StoreHooks): boolean {
  const byId = new Map(instancesOf(user, masterId).map((record) => [String(record.resource.id), record]));
  let changed = false;
  for (const { slot, overrides } of slots) {
    const id = `${masterId}_${instanceSuffix(slot.originalStart, user.timeZone)}`;
    const record = byId.get(id);
    const body = { ...overrides, start: slot.start, end: slot.end };
    if (record && changes(record.resource, body)) {
      writeEvent(user, id, body, { mode: 'patch', imported: true }, hooks);
      changed = true;
    }
  }
  return changed;
}

function changes(resource: Record<string, unknown>, body: Record<string, unknown>): boolean {
  return Object.entries(body).some(([key, value]) => key !== 'organizer' && JSON.stringify(resource[key] ?? null) !== JSON.stringify(value));
}

function eventBody(seed: GraphEventSeed, calendarZone: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    summary: seed.subject,
    iCalUID: seed.iCalUId,
    ...times(seed, calendarZone),
  };
  if (seed.body.content !== '') body.description = seed.body.content;
  if (seed.location.displayName !== '') body.location = seed.location.displayName;
  if (seed.showAs === 'free') body.transparency = 'transparent';
  if (seed.showAs === 'tentative') body.status = 'tentative';
  if (seed.isCancelled) body.status = 'cancelled';
  if (seed.sensitivity === 'private' || seed.sensitivity === 'personal') body.visibility = 'private';
  if (seed.sensitivity === 'confidential') body.visibility = 'confidential';
  if (seed.organizer) body.organizer = { email: seed.organizer.emailAddress.address, displayName: seed.organizer.emailAddress.name };
  if (seed.attendees.length > 0) body.attendees = seed.attendees.map(attendeeOf);
  if (seed.type === 'seriesMaster') body.recurrence = [rruleOf(seed.recurrence)];
  return body;
}

function attendeeOf(attendee: GraphAttendeeSeed): Record<string, unknown> {
  const entry: Record<string, unknown> = { email: attendee.emailAddress.address, displayName: attendee.emailAddress.name, responseStatus: RESPONSE_OF[attendee.status.response] };
  if (attendee.type === 'optional') entry.optional = true;
  if (attendee.type === 'resource') entry.resource = true;
  return entry;
}

/** Return the zone Calendar keeps for a seed: the IANA zone of its original time zone, or none (the calendar's). */
function zoneOf(seed: GraphEventSeed): string | undefined {
  return ianaOf(seed.originalStartTimeZone) ?? undefined;
}

const zoneNames = new Map<string, string | null>();

/** Zone names repeat across the thousands of instances of a series, and resolving one is slow, so each is resolved once. */
function ianaOf(name: string): string | null {
  let zone = zoneNames.get(name);
  if (zone === undefined) {
    zone = resolveZone(name);
    zoneNames.set(name, zone);
  }
  return zone;
}

function times(seed: GraphEventSeed, calendarZone: string): { start: EventDateTime; end: EventDateTime } {
  if (seed.isAllDay) {
    return { start: { date: wallDateOf(seed.start.dateTime)?.date ?? '' }, end: { date: wallDateOf(seed.end.dateTime)?.date ?? '' } };
  }
  const timeZone = zoneOf(seed);
  const zone = timeZone ?? calendarZone;
  return { start: zonedTime(seed.start, zone, timeZone), end: zonedTime(seed.end, zone, timeZone) };
}

/**
 * Write a seed's wall time as Calendar writes it in `zone`. When the seed's wall time is already in that zone, its offset
 * follows from the instant, which saves a second time-zone lookup per instance of a long series.
 */
function zonedTime(value: GraphEventSeed['start'], zone: string, timeZone: string | undefined): EventDateTime {
  const wallZone = ianaOf(value.timeZone) ?? 'UTC';
  const ms = instantOf(value.dateTime, wallZone) ?? 0;
  if (wallZone !== zone) {
    return renderDateTime(ms, zone, timeZone);
  }
  const wall = value.dateTime.slice(0, 19);
  const offsetMinutes = Math.round((Date.parse(`${wall}Z`) - ms) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  const dateTime = offsetMinutes === 0 ? `${wall}Z` : `${wall}${sign}${hours}:${minutes}`;
  return timeZone === undefined ? { dateTime } : { dateTime, timeZone };
}

function instanceSlot(seed: GraphEventSeed, calendarZone: string): { slot: Slot; overrides: Record<string, unknown> } {
  const { start, end } = times(seed, calendarZone);
  const slot: Slot = { originalStart: originalStartOf(seed, calendarZone), start, end };
  if (seed.type !== 'exception') {
    return { slot, overrides: {} };
  }

  // An exception is an event of its own: a field it leaves empty is cleared (null), not taken from the series.
  const { start: _start, end: _end, iCalUID: _uid, recurrence: _rule, ...fields } = eventBody(seed, calendarZone);
  return { slot, overrides: { description: null, location: null, attendees: null, transparency: null, visibility: null, status: 'confirmed', ...fields } };
}

/** Return the original start of an instance as Calendar writes it: a date for all-day series, else a zoned date-time. */
function originalStartOf(seed: GraphEventSeed, calendarZone: string): EventDateTime {
  const instant = DateTime.fromISO(seed.originalStart ?? '', { zone: 'UTC' });
  const zone = zoneOf(seed) ?? calendarZone;
  if (seed.isAllDay) {
    const date = zone !== 'UTC' ? instant.setZone(zone).toISODate() : instant.plus({ hours: 12 }).startOf('day').toISODate();
    return { date: date as string };
  }
  return renderDateTime(instant.toMillis(), zone, zoneOf(seed));
}
