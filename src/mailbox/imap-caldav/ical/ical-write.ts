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

  const start = Date.parse(span.start);
  const end = Date.parse(span.end);
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

/** Serialize with CRLF line ends, as RFC 5545 requires. */
export function serialize(calendar: ICAL.Component): string {
  return `${calendar.toString().replace(/\r?\n/g, '\r\n')}\r\n`;
}
