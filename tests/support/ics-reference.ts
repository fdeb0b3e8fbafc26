/**
 * An independent reading of an .ics file for end-to-end comparisons: node-ical parses and expands (its own
 * parser and rrule-temporal, no ical.js), so a fault in the importer cannot hide in both sides at once.
 *
 * Where node-ical 0.25 cannot parse or expand a case correctly by RFC 5545, the event is reported in `skipped` with the reason
 * instead of producing a wrong expected value.
 */
import { readFileSync } from 'node:fs';
import ical from 'node-ical';
import type { EventInstance, VEvent } from 'node-ical';

export interface ReferenceInstance {
  uid: string;
  subject: string;
  allDay: boolean;
  /** ISO UTC instants for timed events; `YYYY-MM-DD` dates (end exclusive) for all-day events. */
  start: string;
  end: string;
  location: string | null;
  /** CLASS PRIVATE or CONFIDENTIAL. */
  isPrivate: boolean;
}

export interface ReferenceSkip {
  reason: string;
  /** The event's UID when the skip concerns one event rather than the whole file. */
  uid?: string;
}

const NON_EVENT_METHODS = new Set(['REPLY', 'COUNTER', 'REFRESH', 'DECLINECOUNTER']);
const DAY_MS = 86_400_000;

export function referenceInstances(filePath: string, window: { start: string; end: string }): { instances: ReferenceInstance[]; skipped: ReferenceSkip[] } {
  const text = readFileSync(filePath, 'utf8');
  let calendar: ReturnType<typeof ical.sync.parseICS>;
  try {
    calendar = withoutWarnings(() => ical.sync.parseICS(text));
  } catch (error) {
    return { instances: [], skipped: [{ reason: `node-ical cannot parse the file: ${(error as Error).message}` }] };
  }

  const from = new Date(window.start);
  const to = new Date(window.end);
  const instances: ReferenceInstance[] = [];
  const skipped: ReferenceSkip[] = [];

  for (const component of Object.values(calendar)) {
    if (!component || component.type !== 'VEVENT') continue;
    const event = component as VEvent;
    const problem = unsupported(event, text);
    if (problem) {
      skipped.push({ reason: problem, uid: uidOf(event, text) });
      continue;
    }
    instances.push(...eventInstances(event, text, from, to));
  }
  return { instances, skipped };
}

/** Cases node-ical 0.25 gets wrong by RFC 5545; the reason names the rule it breaks. */
function unsupported(event: VEvent, text: string): string | null {
  const raw = event as unknown as Record<string, unknown>;
  if (!(event.start instanceof Date) || Number.isNaN(event.start.getTime())) {
    return 'node-ical has no valid DTSTART for this event (it cannot read an empty TZID parameter)';
  }
  if (raw.rdate !== undefined) {
    return 'node-ical 0.25 does not expand RDATE (RFC 5545 section 3.8.5.2)';
  }
  if (/RECURRENCE-ID;[^:\r\n]*RANGE=THISANDFUTURE/i.test(text) && event.recurrences) {
    return 'node-ical 0.25 ignores RANGE=THISANDFUTURE (RFC 5545 section 3.8.4.4)';
  }
  if (event.rrule && /^RRULE[;:]/im.test(text) && countRrules(text, event.uid) > 1) {
    return 'node-ical 0.25 keeps one of several RRULEs; RFC 2445 defines their union';
  }
  return null;
}

function eventInstances(event: VEvent, text: string, from: Date, to: Date): ReferenceInstance[] {
  const method = String((event as unknown as { method?: unknown }).method ?? '').toUpperCase();
  if (NON_EVENT_METHODS.has(method)) return [];

  const expanded = withoutWarnings(() => ical.expandRecurringEvent(event, { from: new Date(from.getTime() - DAY_MS), to: new Date(to.getTime() + DAY_MS), expandOngoing: true }));
  return expanded.flatMap((instance) => {
    if (isCancelled(instance, method)) return [];
    const reference = toReference(instance, event, text);
    return overlaps(reference, from, to) ? [reference] : [];
  });
}

function toReference(instance: EventInstance, master: VEvent, text: string): ReferenceInstance {
  const source = instance.event;
  const allDay = instance.isFullDay;
  const end = instance.end.getTime() < instance.start.getTime() ? instance.start : instance.end;
  return {
    uid: uidOf(master, text),
    subject: textOf(source.summary ?? master.summary),
    allDay,
    start: allDay ? localDate(instance.start) : instance.start.toISOString(),
    end: allDay ? allDayEnd(instance.start, end) : end.toISOString(),
    location: textOf(source.location) || null,
    isPrivate: ['PRIVATE', 'CONFIDENTIAL'].includes(String(source.class ?? '').toUpperCase()),
  };
}

function isCancelled(instance: EventInstance, method: string): boolean {
  return String(instance.event.status ?? '').toUpperCase() === 'CANCELLED' || method === 'CANCEL';
}

// node-ical invents a random UUID for an event without UID, so the file's own text decides whether it had one.
function uidOf(event: VEvent, text: string): string {
  const uid = typeof event.uid === 'string' ? event.uid : '';
  return uid !== '' && text.includes(`UID:${uid.slice(0, 20)}`) ? uid : '';
}

function countRrules(text: string, uid: string): number {
  const block = text.split(/BEGIN:VEVENT/i).find((part) => part.includes(`UID:${uid}`)) ?? '';
  return (block.match(/^RRULE[;:]/gim) ?? []).length;
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && 'val' in value) return String((value as { val: unknown }).val);
  return String(value);
}

// node-ical anchors all-day instances at local midnight of the host, so the host's calendar fields are the date.
function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function allDayEnd(start: Date, end: Date): string {
  if (localDate(end) <= localDate(start)) return localDate(new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1));
  return localDate(end);
}

function overlaps(instance: ReferenceInstance, from: Date, to: Date): boolean {
  const start = Date.parse(instance.allDay ? `${instance.start}T00:00:00Z` : instance.start);
  const end = Date.parse(instance.allDay ? `${instance.end}T00:00:00Z` : instance.end);
  if (end === start) return start >= from.getTime() && start < to.getTime();
  return start < to.getTime() && end > from.getTime();
}

// node-ical reports superseded copies with console.warn; the comparison reports its own findings instead.
function withoutWarnings<T>(run: () => T): T {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return run();
  } finally {
    console.warn = warn;
  }
}
