import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { startHarness, type Harness } from '../emulators/salesforce/test-support.ts';
import type { EventSpan } from '../src/domain/calendar-event.ts';
import { seriesPatternOf } from '../src/crm/salesforce/series-pattern.ts';
import { occurrencesBySlot, occurrenceSlotOf, seriesInsertValues } from '../src/crm/salesforce/series-records.ts';

const CORPUS_ICS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'ics');
// Wide enough to hold every occurrence of the bounded series below.
const HORIZON = { start: '2000-01-01T00:00:00Z', end: '2035-01-01T00:00:00Z' };
// The mailbox's zone reads the UTC UNTIL that Exchange ends an all-day series with.
const MAILBOX_ZONE = 'Europe/Berlin';

/** Corpus series that a Salesforce event series can hold: an IANA zone or all-day, an end, at most 100 occurrences. */
const HELD = [
  'thunderbird-cancelled-occurrence.ics',
  'davx5-exdate-utc-vs-berlin-dst.ics',
  'google-exception-before-master.ics',
  'exchange-allday-moved-occurrence.ics',
  'google-allday-moved-across-dst.ics',
];

/** Corpus series that stay single occurrences, and why. */
const NOT_HELD: [string, RegExp][] = [
  ['google-weekly-across-dst-lisbon.ics', /has no end/],
  ['google-moved-occurrence-listed-first.ics', /has no end/],
  ['recurrence-id-range-thisandfuture.ics', /more than 100 occurrences/],
];

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.admin('PUT', 'features', { recurringEvents2: true });
}, 60_000);

afterAll(async () => {
  await h.close();
});

interface CorpusSeries {
  readonly rule: string;
  readonly master: GraphEventSeed;
  readonly instances: GraphEventSeed[];
}

function readSeries(file: string): CorpusSeries {
  const text = readFileSync(path.join(CORPUS_ICS, file), 'utf8');
  const calendar = new ICAL.Component(ICAL.parse(text));
  const masterEvent = calendar.getAllSubcomponents('vevent').find((event) => event.hasProperty('rrule') && !event.hasProperty('recurrence-id'));
  const rule = masterEvent?.getFirstPropertyValue('rrule');
  if (!rule) throw new Error(`${file} holds no series master with an RRULE`);

  const { seeds } = importIcs(text, { fileName: file, horizon: HORIZON, defaultTimeZone: 'UTC' });
  const master = seeds.find((seed) => seed.type === 'seriesMaster');
  if (!master) throw new Error(`${file} gave no series master`);
  return { rule: String(rule), master, instances: seeds.filter((seed) => seed.type === 'occurrence' || seed.type === 'exception') };
}

function instantOf(value: GraphEventSeed['start']): string {
  return DateTime.fromISO(value.dateTime, { zone: value.timeZone }).toUTC().toISO() ?? value.dateTime;
}

function spanOf(seed: GraphEventSeed): EventSpan {
  return seed.isAllDay
    ? { kind: 'allDay', startDate: seed.start.dateTime.slice(0, 10), endDate: seed.end.dateTime.slice(0, 10) }
    : { kind: 'timed', start: instantOf(seed.start), end: instantOf(seed.end), timeZone: seed.start.timeZone };
}

/** The slot of a mailbox instance, keyed as the Salesforce side keys its occurrence Events. */
function mailboxSlot(value: string, allDay: boolean): string {
  return allDay ? value.slice(0, 10) : new Date(value).toISOString();
}

function timesOf(seed: GraphEventSeed): Record<string, unknown> {
  if (!seed.isAllDay) return { StartDateTime: instantOf(seed.start), EndDateTime: instantOf(seed.end) };
  const days = Math.max(1, DateTime.fromISO(seed.end.dateTime.slice(0, 10)).diff(DateTime.fromISO(seed.start.dateTime.slice(0, 10)), 'days').days);
  return { IsAllDayEvent: true, ActivityDate: seed.start.dateTime.slice(0, 10), DurationInMinutes: days * 1440 };
}

async function seriesRecords(seriesId: string): Promise<Record<string, unknown>[]> {
  const soql = 'SELECT Id, Subject, StartDateTime, ActivityDate, IsAllDayEvent, IsRecurrence2Exception, RecurrenceActivityId FROM Event '
    + `WHERE RecurrenceActivityId = '${seriesId}' ORDER BY StartDateTime`;
  const response = await h.api('GET', `query?q=${encodeURIComponent(soql)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return (response.body as { records: Record<string, unknown>[] }).records;
}

describe('corpus series as Salesforce event series (Recurring Events 2.0)', () => {
  it.each(HELD)('%s becomes one series whose occurrences match the mailbox slots, with its exceptions', async (file) => {
    const { rule, master, instances } = readSeries(file);
    const allDay = master.isAllDay;
    const pattern = seriesPatternOf(rule, spanOf(master), MAILBOX_ZONE);
    expect(pattern.ok, JSON.stringify(pattern)).toBe(true);
    if (!pattern.ok) return;

    const created = await h.api('POST', 'sobjects/Event', { Subject: master.subject, ...timesOf(master), ...seriesInsertValues(pattern.text, spanOf(master)) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const seriesId = (created.body as { id: string }).id;

    // Salesforce's expansion and the mailbox importer's agree on every slot.
    const generated = await seriesRecords(seriesId);
    expect(generated).toHaveLength(pattern.occurrences);
    const bySlot = occurrencesBySlot(generated, seriesId);
    for (const seed of instances) {
      const slot = mailboxSlot(String(seed.originalStart), allDay);
      expect(bySlot.has(slot), `${file}: slot ${slot}`).toBe(true);
    }

    // Mirror the exceptions: edited occurrences are updated, cancelled and excluded ones deleted.
    const keptIds = new Set<string>();
    for (const seed of instances) {
      const id = String(bySlot.get(mailboxSlot(String(seed.originalStart), allDay)));
      if (seed.isCancelled) continue;
      keptIds.add(id);
      if (seed.type === 'exception') {
        const patched = await h.api('PATCH', `sobjects/Event/${id}`, { Subject: seed.subject, ...timesOf(seed) });
        expect(patched.status, JSON.stringify(patched.body)).toBe(204);
      }
    }
    for (const record of generated.filter((candidate) => !keptIds.has(String(candidate.Id)))) {
      expect((await h.api('DELETE', `sobjects/Event/${String(record.Id)}`)).status).toBe(204);
    }

    const mirrored = await seriesRecords(seriesId);
    const live = instances.filter((seed) => !seed.isCancelled);
    const expected = live.map((seed) => [mailboxSlot(seed.isAllDay ? seed.start.dateTime : instantOf(seed.start), allDay), seed.subject, seed.type === 'exception']).sort();
    const actual = mirrored.map((record) => [occurrenceSlotOf(record), record.Subject, record.IsRecurrence2Exception]).sort();
    expect(actual).toEqual(expected);
  });

  it.each(NOT_HELD)('%s stays single occurrences', (file, reason) => {
    const { rule, master } = readSeries(file);
    const pattern = seriesPatternOf(rule, spanOf(master));
    expect(pattern.ok).toBe(false);
    expect(pattern.ok ? '' : pattern.reason).toMatch(reason);
  });
});
