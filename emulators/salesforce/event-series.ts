import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { SfError } from './sf-error.ts';
import { DAY_MS, formatDate, formatDateTime, parseDate, parseDateTime } from './sf-time.ts';
import type { SfRecord } from './record-table.ts';

/**
 * Recurring Events 2.0 (Lightning event series) on the Event object. The Change Data Capture Developer Guide
 * ("Recurring Activities") shows that a series is one record with the RRULE in Recurrence2PatternText plus one Event
 * per occurrence, each carrying the pattern. The same guide says that a change of the pattern deletes the
 * occurrences and creates them again, so earlier exceptions are lost. IsRecurrence2Exception marks an occurrence
 * edited on its own.
 *
 * NOTE: the rest is assumed, because the documentation read does not settle it. The insert returns the first
 * occurrence's id, which is then the series id (RecurrenceActivityId of every occurrence), and no separate pattern
 * record is stored. A pattern may be changed on that occurrence only. Deleting an occurrence removes just that
 * occurrence. A series has at most 100 occurrences. The FIELD_INTEGRITY_EXCEPTION messages are the emulator's own.
 */
export const MAX_OCCURRENCES = 100;

const SERVED_PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);
const SERVED_FREQUENCIES = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
const PATTERN_FIELDS = ['Recurrence2PatternText', 'Recurrence2PatternTimeZone', 'Recurrence2PatternVersion'];
/** Fields an occurrence takes from the series; the sync id and times are the occurrence's own. */
const SHARED_FIELDS = ['OwnerId', 'Subject', 'Location', 'Description', 'ShowAs', 'IsPrivate', 'Type', 'WhoId', 'WhatId', 'IsAllDayEvent'];

/** Store a record the server made itself, stamped, saved and published like any other save. */
export type StoreOccurrence = (values: SfRecord) => string;
/** Mark an occurrence deleted, as Salesforce does when it re-creates a series. */
export type DeleteOccurrence = (id: string) => void;

/**
 * Check a save of an Event against the series rules and set the series fields the server derives. Runs before the
 * record is stored; `record` is the merged result, `patch` what the request sent.
 */
export function checkSeriesSave(previous: SfRecord | null, patch: SfRecord, record: SfRecord, ownerZone: string): void {
  if (!('IsRecurrence2' in record)) {
    return;
  }
  const sentPattern = PATTERN_FIELDS.some((name) => name in patch);

  if (previous === null) {
    checkNewSeries(record, sentPattern, ownerZone);
    return;
  }
  if (previous.IsRecurrence2 !== true) {
    if (sentPattern) throw integrity('Recurrence2PatternText is set when the event series is created (IsRecurrence2 true)');
    return;
  }
  if (!sentPattern) {
    record.IsRecurrence2Exception = true;
    return;
  }
  if (previous.RecurrenceActivityId !== previous.Id) {
    throw integrity('The pattern of an event series can be changed on its first occurrence only');
  }
  parsePattern(String(record.Recurrence2PatternText));
  checkZone(String(record.Recurrence2PatternTimeZone));
  // The series is made again from this occurrence, so it follows the pattern again.
  record.IsRecurrence2Exception = false;
  record.Recurrence2PatternStartDate = record.StartDateTime;
  occurrenceSlots(record);
}

function checkNewSeries(record: SfRecord, sentPattern: boolean, ownerZone: string): void {
  if (record.IsRecurrence2 !== true) {
    if (sentPattern) throw integrity('Recurrence2PatternText needs IsRecurrence2 set to true');
    return;
  }
  if (record.IsRecurrence === true) {
    throw integrity('An event can be an event series (IsRecurrence2) or a recurring event (IsRecurrence), not both');
  }
  if (typeof record.Recurrence2PatternText !== 'string' || record.Recurrence2PatternText === '') {
    throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Recurrence2PatternText]', ['Recurrence2PatternText']);
  }
  parsePattern(record.Recurrence2PatternText);
  record.Recurrence2PatternVersion ??= '1';
  record.Recurrence2PatternTimeZone ??= ownerZone;
  checkZone(String(record.Recurrence2PatternTimeZone));
  record.Recurrence2PatternStartDate = record.StartDateTime;
  record.RecurrenceActivityId = record.Id;
  // Checked before anything is stored, so a series with too many occurrences fails as a whole insert.
  occurrenceSlots(record);
}

/**
 * After a series' first occurrence is stored, create the others; after its pattern changed, delete the old
 * occurrences and create the new ones. `occurrences` lists the live occurrences of the series before this save.
 */
export function afterSeriesSave(previous: SfRecord | null, patch: SfRecord, head: SfRecord, occurrences: () => readonly SfRecord[],
  store: StoreOccurrence, remove: DeleteOccurrence): void {
  if (head.IsRecurrence2 !== true || head.RecurrenceActivityId !== head.Id) {
    return;
  }
  if (previous !== null && !PATTERN_FIELDS.some((name) => name in patch)) {
    return;
  }

  if (previous !== null) {
    for (const occurrence of occurrences()) {
      if (occurrence.Id !== head.Id) remove(String(occurrence.Id));
    }
  }
  for (const slot of occurrenceSlots(head).slice(1)) {
    const values: SfRecord = Object.fromEntries(SHARED_FIELDS.map((name) => [name, head[name] ?? null]));
    store({
      ...values, ...slot, IsRecurrence2: true, RecurrenceActivityId: head.Id,
      Recurrence2PatternText: head.Recurrence2PatternText, Recurrence2PatternVersion: head.Recurrence2PatternVersion,
      Recurrence2PatternTimeZone: head.Recurrence2PatternTimeZone, Recurrence2PatternStartDate: head.StartDateTime,
    });
  }
}

/** The start, end and duration of every occurrence of a series, its first occurrence first. */
function occurrenceSlots(head: SfRecord): SfRecord[] {
  const rule = parsePattern(String(head.Recurrence2PatternText));
  const zone = String(head.Recurrence2PatternTimeZone);
  const duration = Number(head.DurationInMinutes);
  const allDay = head.IsAllDayEvent === true;
  const first = allDay ? DateTime.fromMillis(parseDate(String(head.ActivityDate)) ?? 0, { zone: 'UTC' })
    : DateTime.fromMillis(parseDateTime(String(head.StartDateTime)) ?? 0, { zone });

  const iterator = rule.iterator(ICAL.Time.fromData({
    year: first.year, month: first.month, day: first.day, hour: first.hour, minute: first.minute, second: first.second, isDate: allDay,
  }));
  const slots: SfRecord[] = [];
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (slots.length === MAX_OCCURRENCES) {
      throw integrity(`An event series can have up to ${MAX_OCCURRENCES} occurrences; end the pattern with COUNT or UNTIL`);
    }
    slots.push(allDay ? allDaySlot(next, duration) : timedSlot(next, zone, duration));
  }
  return slots;
}

function timedSlot(time: ICAL.Time, zone: string, duration: number): SfRecord {
  const start = DateTime.fromObject({ year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second }, { zone }).toMillis();
  return { StartDateTime: formatDateTime(start), EndDateTime: formatDateTime(start + duration * 60_000), DurationInMinutes: duration };
}

function allDaySlot(time: ICAL.Time, duration: number): SfRecord {
  const day = Date.UTC(time.year, time.month - 1, time.day);
  return { IsAllDayEvent: true, ActivityDate: formatDate(day), DurationInMinutes: Math.max(duration, DAY_MS / 60_000) };
}

/** Parse `RRULE:…` into a rule, and reject what a Salesforce event series cannot contain. */
function parsePattern(text: string): ICAL.Recur {
  const body = text.startsWith('RRULE:') ? text.slice('RRULE:'.length) : null;
  if (body === null || body.includes('\n')) {
    throw integrity(`Recurrence2PatternText must be one RRULE line such as RRULE:FREQ=WEEKLY;COUNT=5, got ${JSON.stringify(text)}`);
  }
  for (const part of body.split(';')) {
    const name = part.split('=')[0]?.toUpperCase() ?? '';
    if (!SERVED_PARTS.has(name)) throw integrity(`Recurrence2PatternText part ${name || part} is not supported in an event series`);
  }
  let rule: ICAL.Recur;
  try {
    rule = ICAL.Recur.fromString(body);
  } catch {
    throw integrity(`Recurrence2PatternText ${JSON.stringify(text)} is not a valid RRULE`);
  }
  if (!SERVED_FREQUENCIES.has(String(rule.freq))) {
    throw integrity(`Recurrence2PatternText needs FREQ DAILY, WEEKLY, MONTHLY or YEARLY, got ${String(rule.freq)}`);
  }
  return rule;
}

function checkZone(zone: string): void {
  if (!DateTime.now().setZone(zone).isValid) {
    throw new SfError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `Recurrence2PatternTimeZone: bad value for restricted picklist field: ${zone}`, ['Recurrence2PatternTimeZone']);
  }
}

function integrity(message: string): SfError {
  return new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', message, ['Recurrence2PatternText']);
}
