import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.ts';
import type { OrgSetting } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { ruleOfGraphRecurrence } from '../src/mailbox/graph/series-masters.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { kindSessions } from '../src/scheduler/engine-kinds.ts';
import { defaultSyncPolicy } from '../src/sync/index.ts';
import { runMailboxSession } from '../src/sync/mailbox-session.ts';
import type { RecurringEventsMode } from '../src/sync/series-mode-types.ts';
import {
  ALL_DAY_FILE, ALL_DAY_SUBJECT, CANCELLED_FILE, CANCELLED_SUBJECT, ENDLESS_FILE, ENDLESS_SUBJECT, EXCEPTION_FILE, EXCEPTION_SUBJECT, GRAPH_APP, SF_AUTH,
  eventsNamed, graphRequest, runSession, salesforceRequest, useSeededHarness,
} from './recurrence-series-session.ts';
import { SYNC_ID_FIELD, type E2eHarness } from './support/e2e-harness.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';

describe('the salesforce.recurringEvents setting', () => {
  const configWith = (recurringEvents?: unknown) => ({
    orgs: [{
      id: 'acme',
      name: 'Acme Corp',
      salesforce: { auth: { kind: 'refreshToken', clientId: 'k', clientSecret: 's', refreshToken: 'r' }, ...(recurringEvents === undefined ? {} : { recurringEvents }) },
      graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
      mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin' }],
    }],
  });
  const parse = (raw: unknown) => parseConfig(raw, { source: 'test.json', env: {}, baseDir: '/srv/syncline' });

  it('loads each mode, and auto when left out', () => {
    expect(parse(configWith()).orgs[0]?.salesforce.recurringEvents).toBe('auto');
    for (const mode of ['auto', 'series', 'occurrences']) {
      expect(parse(configWith(mode)).orgs[0]?.salesforce.recurringEvents).toBe(mode);
    }
  });

  it('names the bad value\'s path and the accepted ones', () => {
    expect(() => parse(configWith('weekly'))).toThrow(/orgs\[0\]\.salesforce\.recurringEvents: expected one of 'auto', 'series', 'occurrences', got 'weekly'/s);
  });
});

describe('Graph recurrence patterns as RRULEs', () => {
  it('translates each pattern type and range', () => {
    const range = { type: 'numbered', numberOfOccurrences: 3 };
    expect(ruleOfGraphRecurrence({ pattern: { type: 'daily', interval: 1 }, range })).toBe('RRULE:FREQ=DAILY;COUNT=3');
    expect(ruleOfGraphRecurrence({ pattern: { type: 'weekly', interval: 2, daysOfWeek: ['tuesday', 'thursday'], firstDayOfWeek: 'monday' }, range: { type: 'endDate', endDate: '2026-08-17' } }))
      .toBe('RRULE:FREQ=WEEKLY;BYDAY=TU,TH;INTERVAL=2;WKST=MO;UNTIL=20260817');
    expect(ruleOfGraphRecurrence({ pattern: { type: 'relativeMonthly', daysOfWeek: ['friday'], index: 'last' }, range }))
      .toBe('RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;COUNT=3');
    expect(ruleOfGraphRecurrence({ pattern: { type: 'absoluteYearly', month: 5, dayOfMonth: 4 }, range: { type: 'noEnd' } })).toBe('RRULE:FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=4');
    expect(ruleOfGraphRecurrence({ pattern: { type: 'hourly' }, range })).toBeNull();
    expect(ruleOfGraphRecurrence({ pattern: { type: 'weekly', daysOfWeek: [] }, range })).toBeNull();
  });
});

describe('series mode on an org with Recurring Events 2.0', () => {
  const window = { start: '2020-01-01T00:00:00Z', end: '2020-10-15T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [CANCELLED_FILE, ENDLESS_FILE], (started) => {
    harness = started;
  });

  it('auto writes both series bounded', async () => {
    const report = await runSession(harness, 'auto');
    expect(report.status, report.notes.join(' ')).toBe('ok');

    const series = await eventsNamed(harness, CANCELLED_SUBJECT);
    expect(series.map((record) => [record.StartDateTime, record.IsRecurrence2])).toEqual([
      ['2020-01-28T21:00:00.000+0000', true], ['2020-01-30T21:00:00.000+0000', true],
    ]);
    const [head] = series;
    expect(series.map((record) => record.RecurrenceActivityId)).toEqual([head?.Id, head?.Id]);
    expect(head?.Recurrence2PatternText).toBe('RRULE:FREQ=DAILY;COUNT=3');

    // A series without an end of its own ends with the window: its four Mondays in the window, one series.
    const endless = await eventsNamed(harness, ENDLESS_SUBJECT);
    expect(endless.map((record) => record.IsRecurrence2)).toEqual([true, true, true, true]);
    expect(new Set(endless.map((record) => record.RecurrenceActivityId))).toEqual(new Set([endless[0]?.Id]));
    expect(endless[0]?.Recurrence2PatternText).toMatch(/^RRULE:FREQ=WEEKLY;.*COUNT=4$/);
  });

  it('writes nothing once both sides agree', async () => {
    const report = await runSession(harness, 'auto');
    expect(report.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await eventsNamed(harness, CANCELLED_SUBJECT)).toHaveLength(2);
  });

  it('Salesforce occurrence edit reaches mailbox', async () => {
    const [, last] = await eventsNamed(harness, CANCELLED_SUBJECT);
    expect(await salesforceRequest(harness, 'PATCH', `sobjects/Event/${String(last?.Id)}`, { Subject: `${CANCELLED_SUBJECT} (moved agenda)` })).toBe(204);

    const report = await runSession(harness, 'auto');
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 1, deleted: 0 });
    const subjects = (await harness.mailboxInstances()).map((item) => item.subject).filter((subject) => subject.startsWith(CANCELLED_SUBJECT));
    expect(subjects.sort()).toEqual([CANCELLED_SUBJECT, `${CANCELLED_SUBJECT} (moved agenda)`]);
  });

  it('Outlook occurrence edit reaches one Event', async () => {
    const first = (await harness.mailboxInstances()).find((item) => item.subject === CANCELLED_SUBJECT);
    expect(await graphRequest(harness, 'PATCH', `events/${encodeURIComponent(String(first?.id))}`, { location: { displayName: 'Room 4' } })).toBe(200);

    const report = await runSession(harness, 'auto');
    expect(report.writes.crm).toEqual({ created: 0, updated: 1, deleted: 0 });
    expect((await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => record.Location ?? null)).toEqual(['Room 4', null]);
  });

  it('later cancellation deletes one Event', async () => {
    const first = (await harness.mailboxInstances()).find((item) => item.subject === CANCELLED_SUBJECT);
    expect(await graphRequest(harness, 'DELETE', `events/${encodeURIComponent(String(first?.id))}`)).toBe(204);

    const report = await runSession(harness, 'auto');
    expect(report.writes.crm).toEqual({ created: 0, updated: 0, deleted: 1 });
    expect((await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => record.Subject)).toEqual([`${CANCELLED_SUBJECT} (moved agenda)`]);
  });
});

describe('series mode when the window moves over later occurrences', () => {
  const early = { start: '2020-01-01T00:00:00Z', end: '2020-01-30T00:00:00Z' };
  const later = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(later, true, [CANCELLED_FILE], (started) => {
    harness = started;
  });

  it('writes occurrences entering the window one by one', async () => {
    const first = await runSession(harness, 'auto', early);
    expect(first.status, first.notes.join(' ')).toBe('ok');
    // The series ends with the window: the 28th is linked and the cancelled 29th deleted; the 30th is not generated.
    expect((await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => [record.StartDateTime, record.Recurrence2PatternText ?? null])).toEqual([
      ['2020-01-28T21:00:00.000+0000', 'RRULE:FREQ=DAILY;COUNT=2'],
    ]);

    const moved = await runSession(harness, 'auto', later);
    expect(moved.writes.crm).toEqual({ created: 1, updated: 0, deleted: 0 });
    expect(moved.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect((await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => [record.StartDateTime, record.IsRecurrence2])).toEqual([
      ['2020-01-28T21:00:00.000+0000', true], ['2020-01-30T21:00:00.000+0000', false],
    ]);
    expect((await harness.mailboxInstances()).filter((item) => item.subject === CANCELLED_SUBJECT)).toHaveLength(2);
  });
});

describe('series mode with an edited occurrence', () => {
  const window = { start: '2026-02-01T00:00:00Z', end: '2026-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [EXCEPTION_FILE], (started) => {
    harness = started;
  });

  it('exception updates its generated occurrence', async () => {
    const report = await runSession(harness, 'series');
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect(report.writes.crm.created).toBe(3);

    const events = await eventsNamed(harness, EXCEPTION_SUBJECT);
    // Only the occurrence that differs in the mailbox is an exception: a claim writes nothing else.
    expect(events.map((record) => [record.Subject, record.StartDateTime, record.IsRecurrence2Exception])).toEqual([
      [EXCEPTION_SUBJECT, '2026-02-10T17:00:00.000+0000', false],
      [`${EXCEPTION_SUBJECT} - MODIFIED`, '2026-02-11T17:30:00.000+0000', true],
      [EXCEPTION_SUBJECT, '2026-02-12T17:00:00.000+0000', false],
    ]);
    expect(new Set(events.map((record) => record.RecurrenceActivityId))).toEqual(new Set([events[0]?.Id]));

    const again = await runSession(harness, 'series');
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});

describe('series mode with an all-day series', () => {
  const window = { start: '2026-02-01T00:00:00Z', end: '2026-03-06T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [ALL_DAY_FILE], (started) => {
    harness = started;
  });

  it('pairs occurrences by date and moves the moved one', async () => {
    const report = await runSession(harness, 'auto');
    expect(report.status, report.notes.join(' ')).toBe('ok');

    const events = (await eventsNamed(harness, ALL_DAY_SUBJECT)).sort((a, b) => String(a.ActivityDate).localeCompare(String(b.ActivityDate)));
    const inWindow = events.filter((record) => String(record.ActivityDate) < '2026-03-06');
    expect(inWindow.map((record) => [record.ActivityDate, record.IsRecurrence2Exception])).toEqual([
      ['2026-02-19', false], ['2026-02-24', false], ['2026-02-27', true], ['2026-03-03', false], ['2026-03-05', false],
    ]);
    expect(new Set(events.map((record) => record.RecurrenceActivityId))).toEqual(new Set([inWindow[0]?.Id]));
    // The series ends with the window, so Salesforce has no occurrence the session could not pair.
    expect(events).toHaveLength(inWindow.length);
    expect(inWindow[0]?.Recurrence2PatternText).toMatch(/COUNT=5$/);
    expect(report.writes.crm.created).toBe(inWindow.length);
  });
});

describe('switching an org to series mode', () => {
  const window = { start: '2026-02-01T00:00:00Z', end: '2026-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [EXCEPTION_FILE], (started) => {
    harness = started;
  });

  it('keeps existing occurrence pairs', async () => {
    const before = await runSession(harness, 'occurrences');
    expect(before.writes.crm.created).toBe(3);
    expect((await eventsNamed(harness, EXCEPTION_SUBJECT)).map((record) => record.IsRecurrence2)).toEqual([false, false, false]);

    const after = await runSession(harness, 'auto');
    expect(after.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await eventsNamed(harness, EXCEPTION_SUBJECT)).toHaveLength(3);
  });
});

describe('series mode on an org without Recurring Events 2.0', () => {
  const window = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, false, [CANCELLED_FILE], (started) => {
    harness = started;
  });

  it('forced series fails without writes', async () => {
    const report = await runSession(harness, 'series');
    expect(report.status).toBe('failed');
    expect(report.notes.join(' ')).toMatch(/salesforce\.recurringEvents is "series".*Recurring Events 2\.0/);
    expect(await eventsNamed(harness, CANCELLED_SUBJECT)).toHaveLength(0);
  });

  it('writes one Event per occurrence under auto', async () => {
    const report = await runSession(harness, 'auto');
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect((await eventsNamed(harness, CANCELLED_SUBJECT)).map((record) => record.StartDateTime)).toEqual(['2020-01-28T21:00:00.000+0000', '2020-01-30T21:00:00.000+0000']);
  });
});

describe('series mode as the engine builds a session', () => {
  const window = { start: '2026-02-01T00:00:00Z', end: '2026-03-01T00:00:00Z' };
  let harness: E2eHarness;

  useSeededHarness(window, true, [EXCEPTION_FILE], (started) => {
    harness = started;
  });

  /** Runs one session through `kindSessions`, with the linking engine whose preparation runs beside series mode's. */
  function engineSession(recurringEvents: RecurringEventsMode | undefined): Promise<SessionReport> {
    const setting = { id: harness.mailbox.id, address: harness.mailbox.address, timeZone: harness.mailbox.timeZone, salesforceUser: { email: harness.mailbox.address }, sessionIntervalMinutes: 30, kind: 'graph' as const };
    const org: OrgSetting = {
      id: 'org-1',
      name: 'Contoso',
      policy: {},
      salesforce: {
        loginUrl: harness.salesforceUrl, apiVersion: '62.0', syncIdField: SYNC_ID_FIELD, apiBudgetShare: 1, auth: SF_AUTH,
        ...(recurringEvents === undefined ? {} : { recurringEvents }),
      },
      graph: { graphBaseUrl: `${harness.graphUrl}/v1.0`, tokenUrl: `${harness.graphUrl}/${GRAPH_APP.tenant}/oauth2/v2.0/token`, clientId: GRAPH_APP.clientId, clientSecret: GRAPH_APP.clientSecret },
      mailboxes: [setting],
    };
    const kinds = kindSessions({ org, setting, tables: [defaultEventMapping], logger: createSilentLogger(), linkResolver: new MemoryLinkResolver(), seriesRegistry: harness.store });
    return runMailboxSession({ mailbox: harness.mailbox, kinds, store: harness.store, policy: defaultSyncPolicy, window, logger: createSilentLogger() });
  }

  it('default writes one bounded series', async () => {
    const report = await engineSession(undefined);
    expect(report.status, report.notes.join(' ')).toBe('ok');

    const events = await eventsNamed(harness, EXCEPTION_SUBJECT);
    expect(events.map((record) => [record.IsRecurrence2, record.IsRecurrence2Exception])).toEqual([[true, false], [true, true], [true, false]]);
    expect(new Set(events.map((record) => record.RecurrenceActivityId))).toEqual(new Set([events[0]?.Id]));
  });

  it('occurrences leaves linked series alone', async () => {
    const occurrences = await engineSession('occurrences');
    expect(occurrences.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    const auto = await engineSession('auto');
    expect(auto.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await eventsNamed(harness, EXCEPTION_SUBJECT)).toHaveLength(3);
  });
});
