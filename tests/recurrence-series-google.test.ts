import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgSetting } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { createGoogleEventSource } from '../src/mailbox/google/index.ts';
import { ruleOfGoogleRecurrence } from '../src/mailbox/google/calendar/series-masters.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { kindSessions } from '../src/scheduler/engine-kinds.ts';
import { defaultSyncPolicy } from '../src/sync/index.ts';
import { runMailboxSession } from '../src/sync/mailbox-session.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import { eventsNamed, SF_AUTH } from './recurrence-series-session.ts';
import { E2eHarness, SYNC_ID_FIELD } from './support/e2e-harness.ts';
import { GoogleWorld, SERVICE_ACCOUNT_EMAIL, type GoogleUser } from './support/google-world.ts';

/**
 * Series mode on a Google Calendar mailbox, built as the engine builds a session (`kindSessions`): a Google series
 * becomes one Salesforce event series (Recurring Events 2.0) with one Event per live occurrence.
 */

const ZONE = 'Europe/Berlin';
const WINDOW = { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' };
const SUBJECT = 'Google weekday review';
const ZERO = { created: 0, updated: 0, deleted: 0 };

interface CalendarEvent {
  id: string;
  status?: string;
  summary?: string;
  originalStartTime?: { dateTime?: string };
}

const world = new GoogleWorld();
let harness: E2eHarness;
let user: GoogleUser;
let mailbox: MailboxRecord;
let masterId: string;

beforeAll(async () => {
  await world.start();
  harness = await E2eHarness.start({ window: WINDOW, mailboxTimeZone: ZONE });
  // Switching a feature starts a fresh org, so it comes before any record.
  await harness.salesforceAdmin('PUT', '/_admin/features', { recurringEvents2: true });
  mailbox = { ...harness.mailbox, kind: 'google' };
  await harness.store.upsertMailbox(mailbox);
  await world.admin('POST', '/_admin/users', { email: mailbox.address, timeZone: ZONE });
  user = { email: mailbox.address, options: world.optionsFor(mailbox.address, ZONE) };
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await world.stop();
});

/** Run one session of the Google mailbox as the engine builds it, with series mode on (`recurringEvents: auto`). */
async function runGoogleSession(): Promise<SessionReport> {
  const setting = { id: mailbox.id, address: mailbox.address, timeZone: ZONE, salesforceUser: { email: mailbox.address }, sessionIntervalMinutes: 30, kind: 'google' as const };
  const org: OrgSetting = {
    id: mailbox.orgId,
    name: 'Contoso',
    policy: {},
    salesforce: { loginUrl: harness.salesforceUrl, apiVersion: '62.0', syncIdField: SYNC_ID_FIELD, apiBudgetShare: 1, auth: SF_AUTH, recurringEvents: 'auto' },
    google: {
      auth: { kind: 'serviceAccount', clientEmail: SERVICE_ACCOUNT_EMAIL, privateKey: world.privateKey },
      tokenUrl: world.emulator.tokenUrl,
      apiBaseUrl: world.emulator.url,
      peopleBaseUrl: world.emulator.url,
      sendUpdates: 'none',
    },
    mailboxes: [setting],
  };
  const kinds = kindSessions({ org, setting, tables: [defaultEventMapping], logger: createSilentLogger(), seriesRegistry: harness.store });
  return runMailboxSession({ mailbox, kinds, store: harness.store, policy: defaultSyncPolicy, window: WINDOW, logger: createSilentLogger() });
}

async function calendar<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  return world.api<T>(user, method, `/calendar/v3/calendars/primary/events${route}`, body);
}

/** Return the instance of the series whose original start is this instant. */
async function instanceAt(originalStart: string): Promise<CalendarEvent> {
  const { body } = await calendar<{ items: CalendarEvent[] }>('GET', `/${encodeURIComponent(masterId)}/instances`);
  const instance = body.items.find((item) => Date.parse(String(item.originalStartTime?.dateTime)) === Date.parse(originalStart));
  if (instance === undefined) throw new Error(`The series has no instance at ${originalStart}`);
  return instance;
}

async function liveGoogleInstances(): Promise<CalendarEvent[]> {
  const query = new URLSearchParams({ singleEvents: 'true', timeMin: WINDOW.start, timeMax: WINDOW.end });
  const { body } = await calendar<{ items: CalendarEvent[] }>('GET', `?${query.toString()}`);
  return body.items.filter((item) => item.summary === SUBJECT && item.status !== 'cancelled');
}

describe('series mode on a Google Calendar mailbox', () => {
  it('writes one Salesforce series with exception', async () => {
    // Daily at 10:00 Berlin (09:00 UTC) from 2 March 2026, five times.
    const created = await calendar<CalendarEvent>('POST', '', {
      summary: SUBJECT,
      start: { dateTime: '2026-03-02T10:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-02T10:30:00', timeZone: ZONE },
      recurrence: ['RRULE:FREQ=DAILY;COUNT=5'],
    });
    expect(created.status).toBe(200);
    masterId = created.body.id;
    // 4 March is cancelled, and 5 March is moved to 14:00 Berlin.
    expect((await calendar('DELETE', `/${encodeURIComponent((await instanceAt('2026-03-04T09:00:00Z')).id)}`)).status).toBe(204);
    const moved = await calendar('PATCH', `/${encodeURIComponent((await instanceAt('2026-03-05T09:00:00Z')).id)}`, {
      start: { dateTime: '2026-03-05T14:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-05T14:30:00', timeZone: ZONE },
    });
    expect(moved.status).toBe(200);

    const report = await runGoogleSession();
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect(report.writes.mailbox).toEqual(ZERO);

    const events = await eventsNamed(harness, SUBJECT);
    expect(events.map((record) => [record.StartDateTime, record.IsRecurrence2, record.IsRecurrence2Exception])).toEqual([
      ['2026-03-02T09:00:00.000+0000', true, false],
      ['2026-03-03T09:00:00.000+0000', true, false],
      ['2026-03-05T13:00:00.000+0000', true, true],
      ['2026-03-06T09:00:00.000+0000', true, false],
    ]);
    expect(new Set(events.map((record) => record.RecurrenceActivityId))).toEqual(new Set([events[0]?.Id]));
    expect(await harness.store.listSeries(mailbox.id)).toEqual([expect.objectContaining({ mailboxSeriesId: masterId, crmSeriesId: events[0]?.Id })]);
  });

  it('second session writes nothing', async () => {
    const again = await runGoogleSession();
    expect(again.status, again.notes.join(' ')).toBe('ok');
    expect(again.writes.crm).toEqual(ZERO);
    expect(again.writes.mailbox).toEqual(ZERO);
    expect(await eventsNamed(harness, SUBJECT)).toHaveLength(4);
  });

  it('series deleted in Google stays deleted', async () => {
    expect((await calendar('DELETE', `/${encodeURIComponent(masterId)}`)).status).toBe(204);

    const report = await runGoogleSession();
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect(report.writes.mailbox.created).toBe(0);
    expect(await eventsNamed(harness, SUBJECT)).toEqual([]);
    expect(await liveGoogleInstances()).toEqual([]);

    const again = await runGoogleSession();
    expect(again.writes.crm).toEqual(ZERO);
    expect(again.writes.mailbox).toEqual(ZERO);
    expect(await eventsNamed(harness, SUBJECT)).toEqual([]);
    expect(await liveGoogleInstances()).toEqual([]);
  });
});

describe('the Google event source as a series master reader', () => {
  let reader: GoogleUser;

  beforeAll(async () => {
    reader = await world.newUser(ZONE);
  });

  async function insert(body: Record<string, unknown>): Promise<string> {
    const response = await world.api<CalendarEvent>(reader, 'POST', '/calendar/v3/calendars/primary/events', body);
    expect(response.status).toBe(200);
    return response.body.id;
  }

  it('readSeriesMasters reads masters only', async () => {
    const timed = await insert({
      summary: 'Timed series',
      start: { dateTime: '2026-03-02T10:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-02T10:30:00', timeZone: ZONE },
      recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20260304T100000'],
    });
    const allDay = await insert({ summary: 'All-day series', start: { date: '2026-03-03' }, end: { date: '2026-03-04' }, recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
    const single = await insert({ summary: 'Single', start: { dateTime: '2026-03-02T12:00:00Z' }, end: { dateTime: '2026-03-02T13:00:00Z' } });
    const deleted = await insert({
      summary: 'Deleted series',
      start: { dateTime: '2026-03-02T08:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-02T08:30:00', timeZone: ZONE },
      recurrence: ['RRULE:FREQ=DAILY;COUNT=2'],
    });
    expect((await world.api(reader, 'DELETE', `/calendar/v3/calendars/primary/events/${deleted}`)).status).toBe(204);

    const masters = await createGoogleEventSource(reader.options).readSeriesMasters([timed, allDay, single, deleted, 'nosuchevent']);
    expect(Object.fromEntries(masters)).toEqual({
      [timed]: { rule: 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6', first: { kind: 'timed', start: '2026-03-02T09:00:00.000Z', end: '2026-03-02T09:30:00.000Z', timeZone: ZONE } },
      [allDay]: { rule: 'RRULE:FREQ=DAILY;COUNT=3', first: { kind: 'allDay', startDate: '2026-03-03', endDate: '2026-03-04' } },
    });
  });

  it('readSeriesInstances reads live instances', async () => {
    const master = await insert({
      summary: 'Instances series',
      start: { dateTime: '2026-03-09T10:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-09T11:00:00', timeZone: ZONE },
      recurrence: ['RRULE:FREQ=DAILY;COUNT=5'],
    });
    const listed = await world.api<{ items: CalendarEvent[] }>(reader, 'GET', `/calendar/v3/calendars/primary/events/${master}/instances`);
    const [first, second, third] = listed.body.items;
    expect((await world.api(reader, 'DELETE', `/calendar/v3/calendars/primary/events/${String(second?.id)}`)).status).toBe(204);
    const moved = await world.api(reader, 'PATCH', `/calendar/v3/calendars/primary/events/${String(third?.id)}`, {
      start: { dateTime: '2026-03-11T15:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-11T16:00:00', timeZone: ZONE },
    });
    expect(moved.status).toBe(200);

    const source = createGoogleEventSource(reader.options);
    // The window ends before 12 March, so the fourth and fifth instances are outside it.
    const instances = await source.readSeriesInstances(master, { start: '2026-03-09T00:00:00Z', end: '2026-03-12T00:00:00Z' });
    expect(instances?.map((instance) => [instance.id, instance.originalStart, instance.event.span.kind === 'timed' ? instance.event.span.start : null, instance.event.recurrence?.role])).toEqual([
      [first?.id, '2026-03-09T09:00:00.000Z', '2026-03-09T09:00:00.000Z', 'occurrence'],
      [third?.id, '2026-03-11T09:00:00.000Z', '2026-03-11T14:00:00.000Z', 'exception'],
    ]);
    expect(instances?.map((instance) => instance.event.subject)).toEqual(['Instances series', 'Instances series']);
    expect(instances?.map((instance) => instance.event.recurrence?.seriesId)).toEqual([master, master]);
    expect(await source.readSeriesInstances('nosuchevent', { start: '2026-03-09T00:00:00Z', end: '2026-03-12T00:00:00Z' })).toBeNull();
  });

  it('ruleOfGoogleRecurrence takes one RRULE', () => {
    expect(ruleOfGoogleRecurrence(['EXDATE:20260304T090000Z', 'RRULE:FREQ=DAILY;COUNT=5'])).toBe('RRULE:FREQ=DAILY;COUNT=5');
    expect(ruleOfGoogleRecurrence(['RDATE;VALUE=DATE:20260304,20260310'])).toBeNull();
    expect(ruleOfGoogleRecurrence(['EXRULE:FREQ=WEEKLY;BYDAY=SA'])).toBeNull();
    expect(ruleOfGoogleRecurrence(['RRULE:FREQ=WEEKLY;BYDAY=MO', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=1'])).toBeNull();
  });
});
