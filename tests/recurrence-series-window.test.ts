import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import {
  ALL_DAY_FILE, ALL_DAY_SUBJECT, CANCELLED_FILE, CANCELLED_SUBJECT, eventsNamed, graphRequest, planSession, runSession, salesforceRequest, stoppingAfterSeriesInsert, useSeededHarness,
} from './recurrence-series-session.ts';
import type { E2eHarness } from './support/e2e-harness.ts';

/**
 * Series mode over more than one session: the sync window moving over a series, a crash after the series insert, and
 * a first read in chunks. Each ends with Salesforce holding one Event per mailbox occurrence and the mailbox nothing
 * it did not have.
 */

// The all-day series: 19 and 24 February lie inside the first window; 26 February (moved to the 27th), 3 and 5 March
// enter the window when it moves.
const FIRST_WINDOW = { start: '2026-02-01T00:00:00Z', end: '2026-02-25T00:00:00Z' };
const MOVED_WINDOW = { start: '2026-02-01T00:00:00Z', end: '2026-03-06T00:00:00Z' };

async function allDayDates(harness: E2eHarness): Promise<string[]> {
  return (await eventsNamed(harness, ALL_DAY_SUBJECT)).map((record) => String(record.ActivityDate)).sort();
}

async function mailboxDates(harness: E2eHarness, subject: string): Promise<string[]> {
  return (await harness.mailboxInstances()).filter((item) => item.subject === subject).map((item) => startOf(item).slice(0, 10)).sort();
}

function startOf(item: object): string {
  return String((item as { start?: { dateTime?: string } | null }).start?.dateTime);
}

async function masterId(harness: E2eHarness, subject: string): Promise<string> {
  const master = (await harness.mailboxEvents()).find((item) => item.type === 'seriesMaster' && item.subject === subject);
  if (master === undefined) throw new Error(`No series master named ${subject}`);
  return master.id;
}

describe('series mode when the window moves', () => {
  let harness: E2eHarness;

  useSeededHarness(MOVED_WINDOW, true, [ALL_DAY_FILE], (started) => {
    harness = started;
  });

  it('series ends at window end', async () => {
    const report = await runSession(harness, 'auto', FIRST_WINDOW);
    expect(report.status, report.notes.join(' ')).toBe('ok');
    const events = await eventsNamed(harness, ALL_DAY_SUBJECT);
    expect(events.map((record) => [record.ActivityDate, record.IsRecurrence2])).toEqual([['2026-02-19', true], ['2026-02-24', true]]);
    expect(events[0]?.Recurrence2PatternText).toMatch(/;COUNT=2$/);
  });

  it('exception beyond first window is one Event', async () => {
    const report = await runSession(harness, 'auto', MOVED_WINDOW);
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    // The occurrence moved from 26 to 27 February is one Event on the 27th; nothing stays on the 26th.
    expect(await allDayDates(harness)).toEqual(['2026-02-19', '2026-02-24', '2026-02-27', '2026-03-03', '2026-03-05']);
    expect(await mailboxDates(harness, ALL_DAY_SUBJECT)).toHaveLength(5);
  });

  it('deleted series stays deleted', async () => {
    expect(await graphRequest(harness, 'DELETE', `events/${encodeURIComponent(await masterId(harness, ALL_DAY_SUBJECT))}`)).toBe(204);

    const report = await runSession(harness, 'auto', MOVED_WINDOW);
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect(report.writes.mailbox.created).toBe(0);
    expect(await allDayDates(harness)).toEqual([]);
    expect(await mailboxDates(harness, ALL_DAY_SUBJECT)).toEqual([]);
  });
});

describe('series mode with an occurrence cancelled beyond the first window', () => {
  let harness: E2eHarness;

  useSeededHarness(MOVED_WINDOW, true, [ALL_DAY_FILE], (started) => {
    harness = started;
  });

  it('cancelled occurrence does not come back', async () => {
    expect((await runSession(harness, 'auto', FIRST_WINDOW)).status).toBe('ok');
    const third = (await harness.mailboxInstances()).find((item) => item.subject === ALL_DAY_SUBJECT && startOf(item).startsWith('2026-03-03'));
    expect(await graphRequest(harness, 'DELETE', `events/${encodeURIComponent(String(third?.id))}`)).toBe(204);

    const report = await runSession(harness, 'auto', MOVED_WINDOW);
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await allDayDates(harness)).toEqual(['2026-02-19', '2026-02-24', '2026-02-27', '2026-03-05']);
    expect(await mailboxDates(harness, ALL_DAY_SUBJECT)).toEqual(['2026-02-19', '2026-02-24', '2026-02-27', '2026-03-05']);
  });
});


describe('series mode after a crash between the series insert and the commit', () => {
  const window = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [CANCELLED_FILE], (started) => {
    harness = started;
  });

  it('repair pairs the generated occurrences', async () => {
    const crashed = await runSession(harness, 'auto', window, stoppingAfterSeriesInsert);
    expect(crashed.status).toBe('failed');
    // Salesforce generated the whole series, the 29th that the mailbox cancelled included.
    expect(await eventsNamed(harness, CANCELLED_SUBJECT)).toHaveLength(3);
    // A dry run in between reads the series but leaves the store's record of it to the session that writes.
    const registered = await harness.store.listSeries(harness.mailbox.id);
    expect(registered.map((row) => row.crmSeriesId)).toEqual([null]);
    const plan = await planSession(harness, 'auto', window);
    expect(plan.failures).toEqual([]);
    expect(await harness.store.listSeries(harness.mailbox.id)).toEqual(registered);

    const repair = await runSession(harness, 'auto', window);
    expect(repair.status, repair.notes.join(' ')).toBe('ok');
    expect(repair.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    const events = await eventsNamed(harness, CANCELLED_SUBJECT);
    expect(events.map((record) => record.StartDateTime)).toEqual(['2020-01-28T21:00:00.000+0000', '2020-01-30T21:00:00.000+0000']);
    expect(new Set(events.map((record) => record.RecurrenceActivityId))).toEqual(new Set([events[0]?.Id]));
    expect((await harness.mailboxInstances()).filter((item) => item.subject === CANCELLED_SUBJECT)).toHaveLength(2);

    const again = await runSession(harness, 'auto', window);
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});

describe('series mode with a first read in chunks', () => {
  let harness: E2eHarness;
  let previousChunk: string | undefined;

  beforeAll(() => {
    previousChunk = process.env[FULL_READ_CHUNK_ENV];
    process.env[FULL_READ_CHUNK_ENV] = '2';
  });

  afterAll(() => {
    if (previousChunk === undefined) {
      delete process.env[FULL_READ_CHUNK_ENV];
    } else {
      process.env[FULL_READ_CHUNK_ENV] = previousChunk;
    }
  });

  useSeededHarness(MOVED_WINDOW, true, [ALL_DAY_FILE], (started) => {
    harness = started;
  });

  it('later chunks join the series', async () => {
    const report = await runSession(harness, 'auto', MOVED_WINDOW);
    expect(report.status, report.notes.join(' ')).toBe('ok');

    const events = await eventsNamed(harness, ALL_DAY_SUBJECT);
    expect(events.map((record) => String(record.ActivityDate)).sort()).toEqual(['2026-02-19', '2026-02-24', '2026-02-27', '2026-03-03', '2026-03-05']);
    expect(new Set(events.map((record) => record.RecurrenceActivityId))).toEqual(new Set([events.find((record) => record.ActivityDate === '2026-02-19')?.Id]));

    const again = await runSession(harness, 'auto', MOVED_WINDOW);
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});

describe('series mode on a daily series without an end', () => {
  // About 150 days: more occurrences than one Salesforce series holds.
  const LONG_WINDOW = { start: '2026-01-01T00:00:00Z', end: '2026-06-01T00:00:00Z' };
  const STANDUP = 'Daily stand-up';
  let harness: E2eHarness;

  useSeededHarness(LONG_WINDOW, true, [], (started) => {
    harness = started;
  });

  it('caps series, rest single', async () => {
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//EN', 'BEGIN:VEVENT', 'UID:standup-1@syncline.test', 'DTSTAMP:20251201T000000Z',
      'DTSTART;TZID=Europe/Berlin:20260105T091500', 'DTEND;TZID=Europe/Berlin:20260105T093000', 'RRULE:FREQ=DAILY', `SUMMARY:${STANDUP}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
    await harness.seedMailbox(importIcs(ics, { fileName: 'standup.ics', horizon: LONG_WINDOW, defaultTimeZone: 'UTC' }).seeds);

    const report = await runSession(harness, 'auto', LONG_WINDOW);
    expect(report.status, report.notes.join(' ')).toBe('ok');

    // 5 January to 31 May: 147 days, the first 100 in one series and the others as single Events.
    const events = await eventsNamed(harness, STANDUP);
    expect(events).toHaveLength(147);
    const members = events.filter((record) => record.RecurrenceActivityId !== null && record.RecurrenceActivityId !== undefined);
    expect(members).toHaveLength(100);
    expect(new Set(members.map((record) => record.RecurrenceActivityId)).size).toBe(1);
    expect(new Set(events.map((record) => record.StartDateTime)).size).toBe(147);

    const again = await runSession(harness, 'auto', LONG_WINDOW);
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});

describe('series mode when Salesforce changes the pattern', () => {
  const window = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [CANCELLED_FILE], (started) => {
    harness = started;
  });

  it('keeps the occurrences the new pattern makes', async () => {
    expect((await runSession(harness, 'auto', window)).status).toBe('ok');
    const [head] = await eventsNamed(harness, CANCELLED_SUBJECT);
    // Every other day, three times: 28 and 30 January and 1 February.
    expect(await salesforceRequest(harness, 'PATCH', `sobjects/Event/${String(head?.Id)}`, { Recurrence2PatternText: 'RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3' })).toBe(204);
    const patternStarts = (await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => record.StartDateTime);
    expect(patternStarts).toEqual(['2020-01-28T21:00:00.000+0000', '2020-01-30T21:00:00.000+0000', '2020-02-01T21:00:00.000+0000']);

    const report = await runSession(harness, 'auto', window);
    expect(report.status, report.notes.join(' ')).toBe('ok');
    // What Salesforce made stays there, and reaches the mailbox like a meeting made in Salesforce.
    expect((await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => record.StartDateTime)).toEqual(patternStarts);
    const mailboxStarts = (await harness.mailboxInstances()).filter((item) => item.subject === CANCELLED_SUBJECT).map((item) => startOf(item).slice(0, 10)).sort();
    expect(mailboxStarts).toContain('2020-02-01');

    const again = await runSession(harness, 'auto', window);
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});
