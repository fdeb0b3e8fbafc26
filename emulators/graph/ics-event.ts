/**
 * One VEVENT read into plain values: times as written (zone not yet applied), recurrence parts and the raw
 * properties the Graph mapping needs. Nothing here throws for malformed values; they read as absent.
 */
import ICAL from 'ical.js';
import { createHash } from 'node:crypto';
import type { IcsTimeValue } from './ics-time.ts';
import { parseJcalTime } from './ics-time.ts';

export interface IcsDateEntry {
  value: IcsTimeValue;
  /** End of an RDATE given as a PERIOD. */
  periodEnd: IcsTimeValue | null;
  periodDurationSeconds: number | null;
}

export interface IcsEvent {
  /** Position of the VEVENT among the file's VEVENTs, from 0. */
  ordinal: number;
  uid: string;
  hasUid: boolean;
  sequence: number;
  /** DTSTAMP as epoch milliseconds; null when missing or malformed. */
  dtstamp: number | null;
  method: string | null;
  start: IcsTimeValue | null;
  end: IcsTimeValue | null;
  durationSeconds: number | null;
  recurrenceId: IcsTimeValue | null;
  thisAndFuture: boolean;
  rrules: ICAL.Recur[];
  rdates: IcsDateEntry[];
  exdates: IcsTimeValue[];
  summary: string;
  description: string;
  location: string;
  component: ICAL.Component;
}

export function readEvent(component: ICAL.Component, ordinal: number, method: string | null, fileName: string): IcsEvent {
  const rawUid = textValue(component, 'uid').trim();
  const recurrenceIdProperty = component.getFirstProperty('recurrence-id');

  return {
    ordinal,
    uid: rawUid !== '' ? rawUid : derivedUid(fileName, ordinal),
    hasUid: rawUid !== '',
    sequence: Number.parseInt(textValue(component, 'sequence'), 10) || 0,
    dtstamp: instantOf(timeValue(component.getFirstProperty('dtstamp'))),
    method,
    start: timeValue(component.getFirstProperty('dtstart')),
    end: timeValue(component.getFirstProperty('dtend')),
    durationSeconds: durationOf(component.getFirstProperty('duration')),
    recurrenceId: timeValue(recurrenceIdProperty),
    thisAndFuture: String(recurrenceIdProperty?.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE',
    rrules: component.getAllProperties('rrule').flatMap((property) => recurOf(property)),
    rdates: component.getAllProperties('rdate').flatMap((property) => dateEntries(property)),
    exdates: component.getAllProperties('exdate').flatMap((property) => dateEntries(property).map((entry) => entry.value)),
    summary: cleanSummary(textValue(component, 'summary')),
    description: textValue(component, 'description'),
    location: textValue(component, 'location'),
    component,
  };
}

/** Name an event in warnings: by its UID when the file has one, else by position and summary. */
export function eventLabel(event: Pick<IcsEvent, 'uid' | 'hasUid' | 'ordinal' | 'summary'>): string {
  if (event.hasUid) return `event "${event.uid}"`;
  return `event #${event.ordinal + 1} ("${event.summary}", no UID)`;
}

export function textValue(component: ICAL.Component, name: string): string {
  const value: unknown = component.getFirstPropertyValue(name);
  if (value === null || value === undefined) return '';
  // `\"` is no TEXT escape in RFC 5545, but Podio and others write it for a plain quote, as Outlook reads it.
  return String(value).replace(/\\"/g, '"');
}

// Broken folding leaves raw line breaks or tabs inside a summary; escaped \n written on purpose stays.
function cleanSummary(summary: string): string {
  return summary.replace(/[\r\n\t]+/g, '');
}

// The same file imported twice must give the same UIDs, so the id comes from the file name and position.
function derivedUid(fileName: string, ordinal: number): string {
  const digest = createHash('sha256').update(`${fileName}\u0000${ordinal}`).digest('hex').slice(0, 24);
  return `syncline-import-${digest}`;
}

function timeValue(property: ICAL.Property | null): IcsTimeValue | null {
  if (!property) return null;
  const parsed = parseJcalTime(property.toJSON()[3]);
  if (!parsed) return null;
  return { ...parsed, tzid: tzidOf(property) };
}

function tzidOf(property: ICAL.Property): string | null {
  const tzid: unknown = property.getParameter('tzid');
  if (typeof tzid === 'string') return tzid;
  if (Array.isArray(tzid)) return tzid.join(',');
  return null;
}

function instantOf(value: IcsTimeValue | null): number | null {
  if (!value) return null;
  const { year, month, day, hour, minute, second } = value.local;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function durationOf(property: ICAL.Property | null): number | null {
  if (!property) return null;
  const raw: unknown = property.toJSON()[3];
  if (typeof raw !== 'string' || !/^[+-]?P/i.test(raw)) return null;
  try {
    return ICAL.Duration.fromString(raw).toSeconds();
  } catch {
    return null;
  }
}

function recurOf(property: ICAL.Property): ICAL.Recur[] {
  const value: unknown = property.getFirstValue();
  return value instanceof ICAL.Recur ? [value] : [];
}

function dateEntries(property: ICAL.Property): IcsDateEntry[] {
  const [, , type, ...values] = property.toJSON() as [string, unknown, string, ...unknown[]];
  const tzid = tzidOf(property);
  const entries: IcsDateEntry[] = [];

  for (const raw of values) {
    if (type === 'period' && Array.isArray(raw)) {
      const start = parseJcalTime(raw[0]);
      if (!start) continue;
      const end = parseJcalTime(raw[1]);
      const duration = typeof raw[1] === 'string' && /^[+-]?P/.test(raw[1]) ? ICAL.Duration.fromString(raw[1]).toSeconds() : null;
      entries.push({ value: { ...start, tzid }, periodEnd: end ? { ...end, tzid } : null, periodDurationSeconds: duration });
      continue;
    }

    const parsed = parseJcalTime(raw);
    if (parsed) entries.push({ value: { ...parsed, tzid }, periodEnd: null, periodDurationSeconds: null });
  }
  return entries;
}
