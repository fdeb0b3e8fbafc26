import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { SalesforceSeriesMode } from '../src/crm/salesforce/series-mode.ts';
import { seriesOrgOf } from '../src/crm/salesforce/series-org.ts';
import { seriesPatternOf } from '../src/crm/salesforce/series-pattern.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { ruleOfGraphRecurrence } from '../src/mailbox/graph/series-masters.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { defaultSyncPolicy } from '../src/sync/index.ts';
import { runMailboxSession } from '../src/sync/mailbox-session.ts';
import type { SeriesMasterReader } from '../src/sync/series-mode-types.ts';
import { E2eHarness, type CrmEvent } from './support/e2e-harness.ts';

// Outlook's "day N of the month" for N above 28, the series record of a real org, and how series mode treats both.
const SF_AUTH = { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' } as const;
const NUMBERED = { type: 'numbered', numberOfOccurrences: 6 };
const FIRST = { kind: 'timed', start: '2026-01-31T10:00:00', end: '2026-01-31T10:30:00', timeZone: 'Europe/Berlin' } as const;

/** Return the local dates that ical.js expands a rule to from `start`, a local date. */
function datesOf(rule: string, start: string, count: number): string[] {
  const iterator = ICAL.Recur.fromString(rule.replace(/^RRULE:/, '')).iterator(ICAL.Time.fromDateString(start));
  const dates: string[] = [];
  for (let next = iterator.next(); next && dates.length < count; next = iterator.next()) {
    dates.push(next.toString().slice(0, 10));
  }
  return dates;
}

describe('Outlook\'s day of the month as an RRULE', () => {
  it('day 31: last day of every month', () => {
    const rule = String(ruleOfGraphRecurrence({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: NUMBERED }));
    expect(rule).toBe('RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=6');
    expect(datesOf(rule, '2026-01-31', 6)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
  });

  it('yearly 29 February: last day of February', () => {
    const rule = String(ruleOfGraphRecurrence({ pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }, range: NUMBERED }));
    expect(rule).toBe('RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1;COUNT=6');
    expect(datesOf(rule, '2028-02-29', 5)).toEqual(['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
  });

  it('monthly day 29 or 30: no RRULE', () => {
    for (const dayOfMonth of [29, 30]) {
      expect(ruleOfGraphRecurrence({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth }, range: NUMBERED })).toBeNull();
    }
    // Why: RFC 5545 gives the last of 28 to 30 for this rule (30 March), ical.js does not.
    expect(datesOf('RRULE:FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1', '2026-01-30', 3)[2]).not.toBe('2026-03-30');
  });

  it('days up to 28: kept as they are', () => {
    expect(ruleOfGraphRecurrence({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 28 }, range: NUMBERED })).toBe('RRULE:FREQ=MONTHLY;BYMONTHDAY=28;COUNT=6');
    expect(ruleOfGraphRecurrence({ pattern: { type: 'absoluteYearly', interval: 1, month: 3, dayOfMonth: 15 }, range: NUMBERED }))
      .toBe('RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;COUNT=6');
  });

  it('month-end RRULE: stays in occurrence mode', () => {
    for (const rule of ['RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=6', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1;COUNT=6']) {
      const pattern = seriesPatternOf(rule, FIRST);
      expect(pattern.ok).toBe(false);
      expect(pattern.ok ? '' : pattern.reason).toMatch(/does not document an event series on a day counted from the month's end \(BYMONTHDAY=-1\)/);
    }
    expect(seriesPatternOf('RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6', FIRST)).toEqual({ ok: true, text: 'RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6', occurrences: 6 });
  });
});

let harness: E2eHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function startHarness(window: { start: string; end: string }): Promise<E2eHarness> {
  const started = await E2eHarness.start({ window, mailboxTimeZone: 'Europe/Berlin' });
  await started.salesforceAdmin('PUT', '/_admin/features', { recurringEvents2: true });
  return started;
}

/** Run one session with series mode forced on, wired as the engine wires it, so the month-end rule reaches it. */
async function runSeriesSession(h: E2eHarness, window: { start: string; end: string }): Promise<SessionReport> {
  const { mailboxSource, crmSource } = h.createSources();
  const client = createSalesforceRecordClient({ loginUrl: h.salesforceUrl, auth: SF_AUTH, apiVersion: '62.0', logger: createSilentLogger() });
  const series = new SalesforceSeriesMode({
    mode: 'series', org: seriesOrgOf(client), masters: mailboxSource as unknown as SeriesMasterReader, registry: h.store, mailboxId: h.mailbox.id,
    mailboxTimeZone: h.mailbox.timeZone,
    logger: createSilentLogger(),
  });
  return runMailboxSession({
    mailbox: h.mailbox,
    kinds: [{
      mapping: defaultEventMapping,
      mailboxSource,
      crmSource: series.wrap(crmSource),
      crmRecordUrl: (id) => crmSource.recordUrl(id),
      beforeCrmWrites: (writes, context) => series.prepare(writes, context),
    }],
    store: h.store,
    policy: defaultSyncPolicy,
    window,
    logger: createSilentLogger(),
  });
}

/** Seeds of a Graph series as Exchange stores it: its master and one occurrence per local start. */
function monthEndSeeds(starts: readonly string[]): Record<string, unknown>[] {
  const zone = 'Europe/Berlin';
  const at = (local: string, minutes: number) => ({ dateTime: `${DateTime.fromISO(local).plus({ minutes }).toFormat("yyyy-MM-dd'T'HH:mm:ss")}.0000000`, timeZone: zone });
  const base = (local: string) => ({
    iCalUId: 'month-end', subject: 'Month end close', body: { contentType: 'text', content: '' }, location: { displayName: '' }, showAs: 'busy',
    sensitivity: 'normal', organizer: null, attendees: [], isCancelled: false, isAllDay: false, start: at(local, 0), end: at(local, 30),
    originalStartTimeZone: zone, originalEndTimeZone: zone,
  });
  const recurrence = {
    pattern: { type: 'absoluteMonthly', interval: 1, month: 0, dayOfMonth: 31, daysOfWeek: [], firstDayOfWeek: 'sunday', index: 'first' },
    range: { type: 'numbered', startDate: starts[0]?.slice(0, 10), endDate: '0001-01-01', numberOfOccurrences: starts.length, recurrenceTimeZone: zone },
  };
  return [
    { ...base(String(starts[0])), seedKey: 'month-end', type: 'seriesMaster', seriesMasterSeedKey: null, originalStart: null, recurrence },
    ...starts.map((local) => {
      const utc = DateTime.fromISO(local, { zone }).toUTC().toISO() ?? '';
      return { ...base(local), seedKey: `month-end@${utc}`, type: 'occurrence', seriesMasterSeedKey: 'month-end', originalStart: utc, recurrence: null };
    }),
  ];
}

async function eventsNamed(h: E2eHarness, subject: string): Promise<CrmEvent[]> {
  return (await h.crmEvents()).filter((record) => record.Subject === subject)
    .sort((a, b) => String(a.StartDateTime).localeCompare(String(b.StartDateTime)));
}

describe('series mode with Outlook\'s "day 31 of every month"', () => {
  it('writes only Outlook\'s days as the window moves', async () => {
    const first = { start: '2026-01-01T00:00:00Z', end: '2026-06-01T00:00:00Z' };
    const later = { start: '2026-01-01T00:00:00Z', end: '2026-09-01T00:00:00Z' };
    harness = await startHarness(later);
    await harness.seedMailbox(monthEndSeeds(['2026-01-31T10:00:00', '2026-02-28T10:00:00', '2026-03-31T10:00:00', '2026-04-30T10:00:00']) as never);

    const report = await runSeriesSession(harness, first);
    expect(report.status, report.notes.join(' ')).toBe('ok');
    const moved = await runSeriesSession(harness, later);
    expect(moved.status, moved.notes.join(' ')).toBe('ok');

    const events = await eventsNamed(harness, 'Month end close');
    expect(events.map((record) => record.StartDateTime)).toEqual([
      '2026-01-31T09:00:00.000+0000', '2026-02-28T09:00:00.000+0000', '2026-03-31T08:00:00.000+0000', '2026-04-30T08:00:00.000+0000',
    ]);
    // Written occurrence by occurrence, so Salesforce generated nothing of its own.
    expect(events.map((record) => record.IsRecurrence2 ?? false)).toEqual([false, false, false, false]);
    expect((await harness.mailboxInstances()).filter((item) => item.subject === 'Month end close')).toHaveLength(4);
  }, 60_000);
});

describe('the occurrences of a Salesforce series', () => {
  it('leave out the pattern record (GroupEventType 3)', async () => {
    harness = await startHarness({ start: '2026-01-01T00:00:00Z', end: '2026-03-01T00:00:00Z' });
    const client = createSalesforceRecordClient({ loginUrl: harness.salesforceUrl, auth: SF_AUTH, apiVersion: '62.0', logger: createSilentLogger() });
    const [inserted] = await client.write([{
      op: 'insert', ref: 'head', sobject: 'Event', values: {
        Subject: 'Standup', StartDateTime: '2026-01-05T09:00:00.000Z', EndDateTime: '2026-01-05T09:15:00.000Z', DurationInMinutes: 15,
        IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=3', Recurrence2PatternTimeZone: 'UTC',
      },
    }]);
    if (inserted === undefined || !inserted.ok) throw new Error(`The series insert failed: ${JSON.stringify(inserted)}`);
    // The emulator stores no pattern record, so the filter itself is checked on the query sent to the org.
    const conditions: (string | undefined)[] = [];
    const watched = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'selectWhereIn') return Reflect.get(target, property, receiver);
        return (...args: Parameters<typeof client.selectWhereIn>) => {
          conditions.push(args[4]);
          return target.selectWhereIn(...args);
        };
      },
    });

    const found = await seriesOrgOf(watched).occurrencesOf(inserted.id);
    expect(conditions).toEqual(["GroupEventType != '3'"]);
    // Occurrences have no GroupEventType 3, so the filter keeps all three.
    expect(found.map((record) => record.StartDateTime)).toEqual(['2026-01-05T09:00:00.000+0000', '2026-01-06T09:00:00.000+0000', '2026-01-07T09:00:00.000+0000']);
  }, 60_000);
});
