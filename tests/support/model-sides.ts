import { DateTime } from 'luxon';

import { normalizeText } from '../../src/mapping/transforms/text.ts';
import type { CrmEvent, E2eHarness, GraphEvent } from './e2e-harness.ts';

/** A span in the form both sides are compared in: UTC instants for timed events, dates (end exclusive) for all-day ones. */
export type ModelSpan =
  | { readonly allDay: false; readonly start: string; readonly end: string }
  | { readonly allDay: true; readonly startDate: string; readonly endDate: string };

/** One live item of a side, read from the emulator's admin API and normalized as the default mapping compares it. */
export interface SideEvent {
  readonly id: string;
  /** The model's tracking token (`T01`…) at the start of the subject, or null for an item the model never made. */
  readonly token: string | null;
  readonly subject: string | null;
  readonly span: ModelSpan;
  readonly location: string | null;
  readonly body: string | null;
}

// Field lengths of the default Event mapping: Subject and Location 255, Description 32,000.
const SUBJECT_LIMIT = 255;
const LOCATION_LIMIT = 255;
const DESCRIPTION_LIMIT = 32_000;
const MINUTES_PER_DAY = 1440;

const TOKEN_PATTERN = /^(T\d{2})(?:\s|$)/;

function tokenOf(subject: string | null): string | null {
  return subject === null ? null : (TOKEN_PATTERN.exec(subject)?.[1] ?? null);
}

/** Live mailbox instances: no series masters and no cancelled meetings. The admin API renders times in UTC. */
export async function readMailboxSide(harness: E2eHarness): Promise<SideEvent[]> {
  const events = await harness.mailboxInstances();
  return events.map((event) => mailboxSideEvent(event));
}

/** Live Salesforce Events of the mailbox owner (the Recycle Bin excluded). */
export async function readCrmSide(harness: E2eHarness): Promise<SideEvent[]> {
  const records = await harness.crmEvents();
  return records.map((record) => crmSideEvent(record));
}

function mailboxSideEvent(event: GraphEvent): SideEvent {
  const start = (event.start as { dateTime: string } | undefined)?.dateTime;
  const end = (event.end as { dateTime: string } | undefined)?.dateTime;
  if (start === undefined || end === undefined) {
    throw new Error(`Mailbox event ${event.id} has no start or end in the Graph emulator's admin view`);
  }

  const span: ModelSpan =
    event.isAllDay === true
      ? { allDay: true, startDate: start.slice(0, 10), endDate: end.slice(0, 10) }
      : { allDay: false, start: utcInstant(start), end: utcInstant(end) };
  const body = event.body as { content?: string } | undefined;
  const location = event.location as { displayName?: string } | undefined;
  const subject = normalizeText(event.subject, SUBJECT_LIMIT);
  return {
    id: event.id,
    token: tokenOf(subject),
    subject,
    span,
    location: normalizeText(location?.displayName, LOCATION_LIMIT),
    body: normalizeText(body?.content, DESCRIPTION_LIMIT),
  };
}

function crmSideEvent(record: CrmEvent): SideEvent {
  const subject = normalizeText(record.Subject, SUBJECT_LIMIT);
  return {
    id: record.Id,
    token: tokenOf(subject),
    subject,
    span: crmSpan(record),
    location: normalizeText(record.Location, LOCATION_LIMIT),
    body: normalizeText(record.Description, DESCRIPTION_LIMIT),
  };
}

/** Salesforce stores an all-day event as its first date and 1,440 minutes per day. */
function crmSpan(record: CrmEvent): ModelSpan {
  if (record.IsAllDayEvent === true) {
    const startDate = String(record.ActivityDate);
    const days = Math.round(Number(record.DurationInMinutes) / MINUTES_PER_DAY);
    return { allDay: true, startDate, endDate: shiftDate(startDate, days) };
  }
  return { allDay: false, start: utcInstant(String(record.StartDateTime)), end: utcInstant(String(record.EndDateTime)) };
}

/** Parse Graph's `2026-12-07T09:00:00.0000000` (UTC) or Salesforce's `…+0000` and return `…Z` with milliseconds. */
function utcInstant(value: string): string {
  const withColon = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const parsed = DateTime.fromISO(withColon, { zone: 'UTC' });
  if (!parsed.isValid) {
    throw new Error(`Invalid date-time ${JSON.stringify(value)} in an emulator's admin view`);
  }
  return parsed.toUTC().toISO() as string;
}

export function shiftDate(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
}

export function shiftInstant(instant: string, hours: number): string {
  return DateTime.fromISO(instant, { zone: 'UTC' }).plus({ hours }).toUTC().toISO() as string;
}

/** Join the compared fields of an item into one string, so two sides compare as multisets of these keys. */
export function contentKey(event: SideEvent): string {
  return JSON.stringify([event.subject, event.span, event.location, event.body]);
}
