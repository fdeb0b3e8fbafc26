import { describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { RecurringEventsMode, SeriesRegistryStore } from '../src/sync/series-mode-types.ts';
import {
  CANCELLED_FILE, CANCELLED_SUBJECT, eventsNamed, runEngineSession, runPolicySession, runSession, stoppingAfterSeriesInsert, useSeededHarness,
} from './recurrence-series-session.ts';
import { SYNC_ID_FIELD, type E2eHarness } from './support/e2e-harness.ts';

/** Series mode against what review found: occurrences a session keeps to the mailbox, the pairs' links, and a mode switch. */

const MARCH = { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' };
const MODES = ['occurrences', 'auto'] as const satisfies readonly RecurringEventsMode[];

/** Daily at 09:00 Berlin from 2 March 2026, three times, with the 3 March occurrence changed by `exception` lines. */
function seriesWithException(uid: string, subject: string, exception: readonly string[]): string {
  const stamp = 'DTSTAMP:20251201T000000Z';
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//EN',
    'BEGIN:VEVENT', `UID:${uid}`, stamp, 'DTSTART;TZID=Europe/Berlin:20260302T090000', 'DTEND;TZID=Europe/Berlin:20260302T093000',
    'RRULE:FREQ=DAILY;COUNT=3', `SUMMARY:${subject}`, 'END:VEVENT',
    'BEGIN:VEVENT', `UID:${uid}`, stamp, 'RECURRENCE-ID;TZID=Europe/Berlin:20260303T090000',
    'DTSTART;TZID=Europe/Berlin:20260303T090000', 'DTEND;TZID=Europe/Berlin:20260303T093000', ...exception, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
}

async function seedIcs(harness: E2eHarness, ics: string): Promise<void> {
  await harness.seedMailbox(importIcs(ics, { fileName: 'series.ics', horizon: MARCH, defaultTimeZone: 'UTC' }).seeds);
}

async function crmDays(harness: E2eHarness, subject: string): Promise<string[]> {
  return (await eventsNamed(harness, subject)).map((record) => String(record.StartDateTime).slice(0, 10));
}

async function mailboxDays(harness: E2eHarness, subject: string): Promise<string[]> {
  return (await harness.mailboxInstances()).filter((item) => item.subject === subject)
    .map((item) => String((item as { start?: { dateTime?: string } | null }).start?.dateTime).slice(0, 10)).sort();
}


for (const mode of MODES) {
  describe(`a private occurrence under privateItems skip, ${mode}`, () => {
    const SUBJECT = 'Weekly sync';
    let harness: E2eHarness;

    useSeededHarness(MARCH, true, [], (started) => {
      harness = started;
    });

    it('keeps that occurrence out of Salesforce', async () => {
      await seedIcs(harness, seriesWithException('private-exception@syncline.test', SUBJECT, [`SUMMARY:${SUBJECT}`, 'CLASS:PRIVATE']));

      const report = await runPolicySession(harness, mode, MARCH, { privateItems: 'skip' });

      expect(report.status, report.notes.join(' ')).toBe('ok');
      // The mailbox keeps 3 March to itself.
      expect(await crmDays(harness, SUBJECT)).toEqual(['2026-03-02', '2026-03-04']);
      expect(await mailboxDays(harness, SUBJECT)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
      const again = await runPolicySession(harness, mode, MARCH, { privateItems: 'skip' });
      expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    });
  });

  describe(`an occurrence an un-sync rule matches, ${mode}`, () => {
    const SUBJECT = 'Partner call';
    const unsync = [{ name: 'offsite', subjectContains: 'offsite' }];
    let harness: E2eHarness;

    useSeededHarness(MARCH, true, [], (started) => {
      harness = started;
    });

    it('keeps that occurrence out of Salesforce', async () => {
      await seedIcs(harness, seriesWithException('unsync-exception@syncline.test', SUBJECT, [`SUMMARY:${SUBJECT} offsite`]));

      const report = await runPolicySession(harness, mode, MARCH, { unsync });

      expect(report.status, report.notes.join(' ')).toBe('ok');
      expect(await crmDays(harness, SUBJECT)).toEqual(['2026-03-02', '2026-03-04']);
      expect(await mailboxDays(harness, `${SUBJECT} offsite`)).toEqual(['2026-03-03']);
      const again = await runPolicySession(harness, mode, MARCH, { unsync });
      expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    });
  });

  describe(`the Events written for a mailbox series, ${mode}`, () => {
    const window = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
    let harness: E2eHarness;

    useSeededHarness(window, true, [CANCELLED_FILE], (started) => {
      harness = started;
    });

    it('pair one to one with links', async () => {
      expect((await runSession(harness, mode, window)).status).toBe('ok');

      const links = (await harness.store.loadSyncState(harness.mailbox.id, 'event')).links;
      const events = await eventsNamed(harness, CANCELLED_SUBJECT);
      expect(events).toHaveLength(2);
      expect(events.map((event) => links.filter((link) => link.crmRecordId === event.Id).length)).toEqual([1, 1]);
      const [first, second] = events;
      // Each Event Syncline creates carries its pair's sync id. An occurrence Salesforce generated for the series is
      // claimed without one, because an edit of that occurrence alone would make it an exception.
      expect(first?.[SYNC_ID_FIELD]).toBe(links.find((link) => link.crmRecordId === first?.Id)?.syncId);
      if (mode === 'occurrences') {
        expect(second?.[SYNC_ID_FIELD]).toBe(links.find((link) => link.crmRecordId === second?.Id)?.syncId);
      } else {
        expect(second?.IsRecurrence2Exception).toBe(false);
      }
    });
  });
}

describe('a session stopped after the series insert, then recurringEvents set to occurrences', () => {
  const window = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [CANCELLED_FILE], (started) => {
    harness = started;
  });

  it('brings back no cancelled occurrence', async () => {
    expect((await runSession(harness, 'auto', window, stoppingAfterSeriesInsert)).status).toBe('failed');

    const report = await runEngineSession(harness, 'occurrences', window);

    expect(report.status, report.notes.join(' ')).toBe('ok');
    // The mailbox cancelled 29 January: both sides keep 28 and 30 January, once each.
    expect(await crmDays(harness, CANCELLED_SUBJECT)).toEqual(['2020-01-28', '2020-01-30']);
    expect(await mailboxDays(harness, CANCELLED_SUBJECT)).toEqual(['2020-01-28', '2020-01-30']);
    const again = await runEngineSession(harness, 'occurrences', window);
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});

/** Return the registry with each call's method name added to `calls`. */
function countingRegistry(store: SeriesRegistryStore, calls: string[]): SeriesRegistryStore {
  return {
    recordSeriesIntent: (record) => (calls.push('recordSeriesIntent'), store.recordSeriesIntent(record)),
    settleSeries: (mailboxId, mailboxSeriesId, crmSeriesId) => (calls.push('settleSeries'), store.settleSeries(mailboxId, mailboxSeriesId, crmSeriesId)),
    recordSeriesMembers: (mailboxId, mailboxSeriesId, memberIds) => (calls.push('recordSeriesMembers'), store.recordSeriesMembers(mailboxId, mailboxSeriesId, memberIds)),
    forgetSeries: (mailboxId, mailboxSeriesIds) => (calls.push('forgetSeries'), store.forgetSeries(mailboxId, mailboxSeriesIds)),
    listSeries: (mailboxId) => (calls.push('listSeries'), store.listSeries(mailboxId)),
    mailboxesOfCrmRecords: (recordIds) => (calls.push('mailboxesOfCrmRecords'), store.mailboxesOfCrmRecords(recordIds)),
    linkedEventItems: (mailboxId, itemIds) => (calls.push('linkedEventItems'), store.linkedEventItems(mailboxId, itemIds)),
  };
}

describe('recurringEvents occurrences on a mailbox with no registered series', () => {
  const window = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
  let harness: E2eHarness;
  let plain: E2eHarness;

  useSeededHarness(window, true, [CANCELLED_FILE], (started) => {
    harness = started;
  });
  useSeededHarness(window, true, [CANCELLED_FILE], (started) => {
    plain = started;
  });

  it('costs one registry read only', async () => {
    const calls: string[] = [];
    await Promise.all([harness, plain].map((started) => started.salesforceAdmin('POST', '/_admin/stats/reset')));

    const report = await runEngineSession(harness, 'occurrences', window, countingRegistry(harness.store, calls));
    const baseline = await runEngineSession(plain, 'occurrences', window, null);

    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect(calls).toEqual(['listSeries']);
    expect(report.writes.crm).toEqual({ created: 2, updated: 0, deleted: 0 });
    expect(baseline.writes).toEqual(report.writes);
    // The emulator counts every REST request, those of series mode's own client included.
    expect(await harness.salesforceAdmin('GET', '/_admin/stats')).toEqual(await plain.salesforceAdmin('GET', '/_admin/stats'));
  });
});
