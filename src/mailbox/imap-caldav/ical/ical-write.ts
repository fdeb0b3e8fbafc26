import ICAL from 'ical.js';
import type { EventSpan } from '../../../domain/calendar-event.ts';
import { instantToWall } from './ical-time.ts';
import { vtimezoneLines } from './vtimezone.ts';

export const PRODUCT_ID = '-//Syncline//Syncline//EN';

/** An empty VCALENDAR with the properties RFC 5545 requires. */
export function newCalendar(): ICAL.Component {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('prodid', PRODUCT_ID);
  calendar.addPropertyWithValue('version', '2.0');
  return calendar;
}

/** Set or remove a TEXT property: null or an empty string removes it. */
export function setText(component: ICAL.Component, name: string, value: string | null): void {
  if (value === null || value === '') {
    component.removeAllProperties(name);
    return;
  }
  component.updatePropertyWithValue(name, value);
}

/** Parse an ISO instant to ms, so a malformed value fails with its field name instead of writing `NaN` into the resource. */
export function parseInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new Error(`${field} "${value}" is not a valid ISO instant: use one such as 2026-11-01T09:00:00Z`);
  }
  return ms;
}

/** Convert an ISO instant to a UTC ICAL.Time; throws on a malformed value, naming the field. */
export function utcTime(value: string, field: string): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(parseInstant(value, field)), true);
}

/** Throw unless `date` is a real YYYY-MM-DD calendar date; `label` names the value in the message. */
export function requireCalendarDate(date: string, label: string): void {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  // Date.parse rolls an impossible day over (2026-02-30 becomes March 2), so the date must survive a round trip.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new Error(`the ${label} "${date}" is not a valid YYYY-MM-DD date`);
  }
}

/** Set the CATEGORIES of a component as one property, or remove it for an empty list. */
export function setCategories(component: ICAL.Component, categories: readonly string[]): void {
  component.removeAllProperties('categories');
  if (categories.length === 0) {
    return;
  }
  const property = new ICAL.Property('categories', component);
  property.setValues([...categories]);
  component.addProperty(property);
}

/** Stamp a changed component: DTSTAMP and LAST-MODIFIED now, so clients see the edit. */
export function stamp(component: ICAL.Component, now = Date.now()): void {
  const time = ICAL.Time.fromJSDate(new Date(now), true);
  component.updatePropertyWithValue('dtstamp', time);
  component.updatePropertyWithValue('last-modified', time);
}

/** Write a date or date-time property from an instant in an IANA zone: `Z` form for UTC, else TZID form. */
export function setInstant(component: ICAL.Component, name: string, instant: number, zone: string): void {
  component.removeAllProperties(name);
  const property = new ICAL.Property(name, component);
  if (zone === 'UTC') {
    property.setValue(ICAL.Time.fromJSDate(new Date(instant), true));
  } else {
    property.setParameter('tzid', zone);
    property.setValue(ICAL.Time.fromData({ ...instantToWall(instant, zone), isDate: false }));
  }
  component.addProperty(property);
}

export function setDate(component: ICAL.Component, name: string, date: string): void {
  component.removeAllProperties(name);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const property = new ICAL.Property(name, component);
  property.setValue(ICAL.Time.fromData({ year, month, day, isDate: true }));
  component.addProperty(property);
}

/** Write DTSTART and DTEND (removing DURATION), and add a VTIMEZONE for the zone when the calendar has none. */
export function setSpan(calendar: ICAL.Component, component: ICAL.Component, span: EventSpan): void {
  component.removeAllProperties('duration');
  if (span.kind === 'allDay') {
    setDate(component, 'dtstart', span.startDate);
    setDate(component, 'dtend', span.endDate);
    return;
  }

  const start = parseInstant(span.start, 'span.start');
  const end = parseInstant(span.end, 'span.end');
  setInstant(component, 'dtstart', start, span.timeZone);
  setInstant(component, 'dtend', end, span.timeZone);
  ensureVtimezone(calendar, span.timeZone, start, end);
}

/**
 * Add a VTIMEZONE for the zone when the calendar has none. A definition the resource brought along is kept as it
 * is; one Syncline generated (marked with `X-SYNCLINE-GENERATED`) is generated again to cover the new times.
 */
export function ensureVtimezone(calendar: ICAL.Component, zone: string, fromMs: number, toMs: number): void {
  if (zone === 'UTC') {
    return;
  }
  const existing = calendar.getAllSubcomponents('vtimezone').find((candidate) => candidate.getFirstPropertyValue('tzid') === zone);
  if (existing !== undefined && existing.getFirstPropertyValue(GENERATED_PROPERTY) === null) {
    return;
  }
  if (existing !== undefined) {
    calendar.removeSubcomponent(existing);
  }

  const text = ['BEGIN:VCALENDAR', ...vtimezoneLines(zone, fromMs, toMs), 'END:VCALENDAR'].join('\r\n');
  const vtimezone = new ICAL.Component(ICAL.parse(text) as unknown[]).getFirstSubcomponent('vtimezone');
  if (vtimezone === null) {
    return;
  }
  vtimezone.addPropertyWithValue(GENERATED_PROPERTY, 'TRUE');
  // VTIMEZONEs come first, before the components that use them; the live list is copied before it changes.
  const others = [...calendar.getAllSubcomponents()];
  others.forEach((component) => calendar.removeSubcomponent(component));
  calendar.addSubcomponent(vtimezone);
  others.forEach((component) => calendar.addSubcomponent(component));
}

const GENERATED_PROPERTY = 'x-syncline-generated';

/** Serialize a VCALENDAR or VCARD with CRLF line ends, as RFC 5545 and RFC 6350 require. */
export function serialize(component: ICAL.Component): string {
  return `${component.toString().replace(/\r?\n/g, '\r\n')}\r\n`;
}
