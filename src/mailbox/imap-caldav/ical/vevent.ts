import ICAL from 'ical.js';
import { parseTimeValue, timeValueOf, tzidOf, type TimeValue } from './ical-time.ts';

/** An RDATE value, with its end when given as a PERIOD. */
export interface DateEntry {
  readonly value: TimeValue;
  readonly periodEnd: TimeValue | null;
  readonly periodSeconds: number | null;
}

/** One VEVENT or VTODO read into plain values; malformed values read as absent instead of throwing. */
export interface VComponent {
  readonly component: ICAL.Component;
  readonly ordinal: number;
  readonly uid: string;
  readonly sequence: number;
  readonly dtstamp: number | null;
  readonly recurrenceId: TimeValue | null;
  readonly thisAndFuture: boolean;
  readonly start: TimeValue | null;
  readonly end: TimeValue | null;
  readonly durationSeconds: number | null;
  readonly rrules: readonly ICAL.Recur[];
  readonly rdates: readonly DateEntry[];
  readonly exdates: readonly TimeValue[];
}

export function readComponent(component: ICAL.Component, ordinal: number, endProperty: 'dtend' | 'due' = 'dtend'): VComponent {
  const recurrenceId = component.getFirstProperty('recurrence-id');
  const dtstamp = timeValueOf(component.getFirstProperty('dtstamp'));
  return {
    component,
    ordinal,
    uid: textValue(component, 'uid').trim(),
    sequence: Number.parseInt(textValue(component, 'sequence'), 10) || 0,
    dtstamp: dtstamp === null ? null : Date.UTC(dtstamp.wall.year, dtstamp.wall.month - 1, dtstamp.wall.day, dtstamp.wall.hour, dtstamp.wall.minute, dtstamp.wall.second),
    recurrenceId: timeValueOf(recurrenceId),
    thisAndFuture: String(recurrenceId?.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE',
    start: timeValueOf(component.getFirstProperty('dtstart')),
    end: timeValueOf(component.getFirstProperty(endProperty)),
    durationSeconds: durationOf(component.getFirstProperty('duration')),
    rrules: component.getAllProperties('rrule').flatMap((property) => {
      const value: unknown = property.getFirstValue();
      return value instanceof ICAL.Recur ? [value] : [];
    }),
    rdates: component.getAllProperties('rdate').flatMap(dateEntries),
    exdates: component.getAllProperties('exdate').flatMap((property) => dateEntries(property).map((entry) => entry.value)),
  };
}

/** Read a TEXT property's value; `\"` is no RFC 5545 escape, but some producers write it for a plain quote. */
export function textValue(component: ICAL.Component, name: string): string {
  const property = component.getFirstProperty(name);
  if (property === null) {
    return '';
  }
  // ical.js splits a value at every unescaped comma; in a single TEXT value such a comma is part of the text.
  return property
    .getValues()
    .map((value: unknown) => String(value))
    .join(',')
    .replace(/\\"/g, '"');
}

/** Read every CATEGORIES value of a component (iCalendar or vCard), trimmed, without empty names. */
export function categoriesOf(component: ICAL.Component): string[] {
  return component
    .getAllProperties('categories')
    .flatMap((property) => property.getValues().map(String))
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** Modification time of a component without LAST-MODIFIED or DTSTAMP: the oldest possible, so it never wins a conflict. */
const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

/** LAST-MODIFIED, else DTSTAMP, as an ISO instant; a floating value is read as UTC. */
export function modifiedAtOf(component: ICAL.Component): string {
  for (const name of ['last-modified', 'dtstamp']) {
    const raw: unknown = component.getFirstProperty(name)?.toJSON()[3];
    const ms = typeof raw === 'string' ? Date.parse(raw.endsWith('Z') ? raw : `${raw}Z`) : Number.NaN;
    if (!Number.isNaN(ms)) {
      return new Date(ms).toISOString();
    }
  }
  return UNKNOWN_MODIFIED_AT;
}

/** Order copies newest first: highest SEQUENCE, then latest DTSTAMP, then the one later in the resource. */
export function newestFirst(a: VComponent, b: VComponent): number {
  return b.sequence - a.sequence || (b.dtstamp ?? 0) - (a.dtstamp ?? 0) || b.ordinal - a.ordinal;
}

function durationOf(property: ICAL.Property | null): number | null {
  const raw: unknown = property?.toJSON()[3];
  if (typeof raw !== 'string' || !/^[+-]?P/i.test(raw)) {
    return null;
  }
  try {
    return ICAL.Duration.fromString(raw).toSeconds();
  } catch {
    return null;
  }
}

function dateEntries(property: ICAL.Property): DateEntry[] {
  const [, , type, ...values] = property.toJSON() as [string, unknown, string, ...unknown[]];
  const tzid = tzidOf(property);
  const entries: DateEntry[] = [];
  for (const raw of values) {
    if (type === 'period' && Array.isArray(raw)) {
      const start = parseTimeValue(raw[0], tzid);
      if (start === null) {
        continue;
      }
      const seconds = typeof raw[1] === 'string' && /^[+-]?P/.test(raw[1]) ? ICAL.Duration.fromString(raw[1]).toSeconds() : null;
      entries.push({ value: start, periodEnd: parseTimeValue(raw[1], tzid), periodSeconds: seconds });
      continue;
    }
    const value = parseTimeValue(raw, tzid);
    if (value !== null) {
      entries.push({ value, periodEnd: null, periodSeconds: null });
    }
  }
  return entries;
}
