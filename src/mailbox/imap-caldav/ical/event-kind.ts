import ICAL from 'ical.js';
import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import { SYNC_ID_PROPERTY, type DavItem, type DavItemKind, type ResourceEdit } from '../dav/dav-kind.ts';
import type { DavResource } from '../dav/dav-reports.ts';
import { eventFields, syncIdOf } from './event-fields.ts';
import type { Logger } from '../../../observability/logger.ts';
import { expandEvent, findInstance, type CapWarning, type EventInstance } from './event-expansion.ts';
import { applyEventPatch, newEventComponent } from './event-writer.ts';
import { ZoneResolver, type TimeValue } from './ical-time.ts';
import { newCalendar, serialize, setDate, setInstant } from './ical-write.ts';
import { modifiedAtOf, newestFirst, readComponent, type VComponent } from './vevent.ts';

/** iTIP messages about an event rather than the event itself (RFC 5546); a calendar shows no event for them. */
const NON_EVENT_METHODS = new Set(['REPLY', 'COUNTER', 'REFRESH', 'DECLINECOUNTER']);
/** How far ahead a lookup without a window expands a series. */
const LOOKUP_HORIZON_MS = 2 * 366 * 86_400_000;

/** A parsed calendar resource: its VCALENDAR, its zones, and the one event (UID) it holds. */
interface ParsedEvent {
  readonly calendar: ICAL.Component;
  readonly resolver: ZoneResolver;
  readonly method: string | null;
  /** The newest copy without RECURRENCE-ID; null when the resource holds only overrides. */
  readonly master: VComponent | null;
  readonly overrides: readonly VComponent[];
  readonly onCap: CapWarning;
}

/** Calendar events in a CalDAV calendar: a resource is one event or one series, mirrored as its instances. */
export function eventKind(mailboxTimeZone: string, logger?: Logger): DavItemKind<CalendarEvent> {
  const onCap: CapWarning = (detail) =>
    logger?.warn(detail, `a recurring event has more than ${detail.cap} occurrences before the end of the sync window; the later ones are left out`);
  return {
    label: 'event',
    collectionType: 'calendar',
    contentType: 'text/calendar; charset=utf-8',
    extension: '.ics',
    itemsOf: (resource, window) => {
      const parsed = parseEvent(resource, mailboxTimeZone, onCap);
      const range = window === null ? { start: Number.MIN_SAFE_INTEGER, end: Date.now() + LOOKUP_HORIZON_MS } : { start: Date.parse(window.start), end: Date.parse(window.end) };
      return instancesOf(parsed, range).map((instance) => itemOf(parsed, resource, instance));
    },
    findItem: (resource, id) => {
      const parsed = parseEvent(resource, mailboxTimeZone, onCap);
      const key = keyOf(id);
      const instance = key === null ? instancesOf(parsed, { start: Number.MIN_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }).find((candidate) => candidate.key === null) : findKeyed(parsed, key);
      return instance === undefined || instance === null ? null : itemOf(parsed, resource, instance);
    },
    createText: (item, syncId) => {
      const calendar = newCalendar();
      newEventComponent(calendar, item, syncId);
      return serialize(calendar);
    },
    patchResource: (resource, id, patch) => patchEvent(parseEvent(resource, mailboxTimeZone, onCap), id, patch),
    deleteFromResource: (resource, id) => deleteEvent(parseEvent(resource, mailboxTimeZone, onCap), id),
  };
}

function parseEvent(resource: DavResource, mailboxTimeZone: string, onCap: CapWarning): ParsedEvent {
  const calendar = new ICAL.Component(ICAL.parse(resource.data) as unknown[]);
  const method = String(calendar.getFirstPropertyValue('method') ?? '').trim().toUpperCase() || null;
  const resolver = new ZoneResolver(calendar, mailboxTimeZone);
  const components = calendarEvents(calendar);
  // CalDAV keeps one UID per resource (RFC 4791 section 4.1); a resource breaking that rule shows its first UID only.
  const uid = components[0]?.uid ?? '';
  const same = components.filter((component) => component.uid === uid);

  const master = same.filter((component) => component.recurrenceId === null && component.start !== null).sort(newestFirst)[0] ?? null;
  const byRecurrenceId = new Map<string, VComponent>();
  for (const override of same.filter((component) => component.recurrenceId !== null && component.start !== null).sort(newestFirst).reverse()) {
    byRecurrenceId.set(JSON.stringify(override.recurrenceId), override);
  }
  return { calendar, resolver, method, master, overrides: [...byRecurrenceId.values()], onCap };
}

function calendarEvents(calendar: ICAL.Component): VComponent[] {
  return calendar.getAllSubcomponents('vevent').map((component, ordinal) => readComponent(component, ordinal));
}

function instancesOf(parsed: ParsedEvent, range: { start: number; end: number }): EventInstance[] {
  if (parsed.method !== null && NON_EVENT_METHODS.has(parsed.method)) {
    return [];
  }
  if (parsed.master === null) {
    // Overrides without their series are shown as the single events they describe.
    return parsed.overrides.flatMap((override) => expandEvent({ ...override, rrules: [], rdates: [] }, [], parsed.resolver, range, parsed.onCap).map((instance) => ({ ...instance, key: keyOfOverride(override) })));
  }
  return expandEvent(parsed.master, parsed.overrides, parsed.resolver, range, parsed.onCap);
}

function findKeyed(parsed: ParsedEvent, key: string): EventInstance | null {
  if (parsed.master === null) {
    return instancesOf(parsed, { start: Number.MIN_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }).find((instance) => instance.key === key) ?? null;
  }
  return findInstance(parsed.master, parsed.overrides, parsed.resolver, key, parsed.onCap);
}

function itemOf(parsed: ParsedEvent, resource: DavResource, instance: EventInstance): DavItem<CalendarEvent> {
  const source = instance.source;
  const uid = parsed.master?.uid ?? source.uid;
  const seriesMember = instance.key !== null && instance.role !== null && parsed.master !== null;
  return {
    id: instance.key === null ? resource.href : `${resource.href}#${instance.key}`,
    // An occurrence shows the master's fields, but the master's sync id names the series, not this instance.
    syncId: instance.role === 'occurrence' ? null : syncIdOf(source.component),
    modifiedAt: modifiedAtOf(source.component),
    item: {
      ...eventFields(source.component, uid, parsed.method),
      span: instance.span,
      recurrence: seriesMember ? { role: instance.role as 'occurrence' | 'exception', seriesId: resource.href, originalStart: instance.key as string } : null,
    },
  };
}

function keyOf(id: string): string | null {
  const hash = id.indexOf('#');
  return hash === -1 ? null : id.slice(hash + 1);
}

function keyOfOverride(override: VComponent): string {
  const value = override.recurrenceId as TimeValue;
  const { year, month, day } = value.wall;
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return value.isDate ? date : new Date(Date.UTC(year, month - 1, day, value.wall.hour, value.wall.minute, value.wall.second)).toISOString();
}

/** Patch a single event in place, or one instance through its override (created from the master when missing). */
function patchEvent(parsed: ParsedEvent, id: string, patch: Partial<CalendarEvent>): ResourceEdit {
  const target = targetComponent(parsed, id);
  applyEventPatch(parsed.calendar, target, patch);
  return { kind: 'put', text: serialize(parsed.calendar) };
}

function targetComponent(parsed: ParsedEvent, id: string): ICAL.Component {
  const key = keyOf(id);
  if (key === null || parsed.master === null) {
    const single = key === null ? parsed.master : (parsed.overrides.find((override) => keyOfOverride(override) === key) ?? null);
    if (single === null) {
      throw new Error(`event ${id} not found in its resource`);
    }
    return single.component;
  }

  const instance = findInstance(parsed.master, parsed.overrides, parsed.resolver, key, parsed.onCap);
  if (instance === null) {
    throw new Error(`no instance of the series starts at ${key}`);
  }
  if (instance.role === 'exception') {
    return instance.source.component;
  }
  return addOverride(parsed, parsed.master, key, instance);
}

/** Add a RECURRENCE-ID override for an occurrence: a copy of the master without its rule, at the occurrence's times. */
function addOverride(parsed: ParsedEvent, master: VComponent, key: string, instance: EventInstance): ICAL.Component {
  // toJSON shares its arrays with the master, so the copy is a deep one.
  const component = new ICAL.Component(structuredClone(master.component.toJSON()) as unknown[]);
  for (const name of ['rrule', 'rdate', 'exdate', 'recurrence-id', SYNC_ID_PROPERTY]) {
    component.removeAllProperties(name);
  }
  setSlotValue(component, 'recurrence-id', master, key, parsed);
  applyEventPatch(parsed.calendar, component, { span: instance.span });
  parsed.calendar.addSubcomponent(component);
  return component;
}

/** Write a slot's original start in the master's DTSTART form: a DATE, or the master's zone when it is an IANA one. */
function setSlotValue(component: ICAL.Component, name: string, master: VComponent, key: string, parsed: ParsedEvent): void {
  const start = master.start as TimeValue;
  if (start.isDate) {
    setDate(component, name, key);
    return;
  }
  const zone = parsed.resolver.zoneOf(start);
  const writable = !start.utc && zone.iana !== null && start.tzid !== null && zone.iana === start.tzid.trim();
  setInstant(component, name, Date.parse(key), writable ? (zone.iana as string) : 'UTC');
}

/**
 * Delete a single event (the whole resource), one instance by an EXDATE on its master, or one override of a resource
 * that contains overrides only. The resource itself goes when nothing else remains in it.
 */
function deleteEvent(parsed: ParsedEvent, id: string): ResourceEdit {
  const key = keyOf(id);
  if (key === null) {
    return { kind: 'delete' };
  }
  if (parsed.master === null) {
    return deleteOverride(parsed, key);
  }

  // An override that replaced the slot goes too, or the instance would stay as an exception.
  const instance = findInstance(parsed.master, parsed.overrides, parsed.resolver, key, parsed.onCap);
  if (instance !== null && instance.source !== parsed.master) {
    parsed.calendar.removeSubcomponent(instance.source.component);
  }
  const exdate = new ICAL.Component('vevent');
  setSlotValue(exdate, 'exdate', parsed.master, key, parsed);
  const property = exdate.getFirstProperty('exdate');
  if (property !== null) {
    exdate.removeProperty(property);
    parsed.master.component.addProperty(property);
  }
  return { kind: 'put', text: serialize(parsed.calendar) };
}

/** Remove every copy of the override with this key from a resource without a master, or the resource when none other remains. */
function deleteOverride(parsed: ParsedEvent, key: string): ResourceEdit {
  if (parsed.overrides.every((override) => keyOfOverride(override) === key)) {
    return { kind: 'delete' };
  }
  const uid = parsed.overrides[0]?.uid ?? '';
  calendarEvents(parsed.calendar)
    .filter((component) => component.uid === uid && component.recurrenceId !== null && keyOfOverride(component) === key)
    .forEach((component) => parsed.calendar.removeSubcomponent(component.component));
  return { kind: 'put', text: serialize(parsed.calendar) };
}
