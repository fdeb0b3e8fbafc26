import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent, TimedSpan } from '../src/domain/calendar-event.ts';
import type { Change, MailboxEventSource } from '../src/domain/connector.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createGraphEventSource, type GraphConnectorOptions } from '../src/mailbox/graph/index.ts';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');
const CLIENT = { tenantId: 'contoso', clientId: 'syncline-test', clientSecret: 'test-secret' };
const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };

let emulator: RunningGraphEmulator;
let userCount = 0;

beforeAll(async () => {
  emulator = await startGraphEmulator({ clients: [CLIENT] });
});

afterAll(async () => {
  await emulator.close();
});

async function admin(method: string, pathAndQuery: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin${pathAndQuery}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`admin ${method} ${pathAndQuery} failed with ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? null : response.json();
}

interface Mailbox {
  readonly address: string;
  readonly waits: number[];
  readonly source: MailboxEventSource;
}

/** Create a fresh mailbox per test, so tests share one emulator without seeing each other's events. */
async function newMailbox(seeds: GraphEventSeed[] = [], overrides: Partial<GraphConnectorOptions> = {}): Promise<Mailbox> {
  userCount += 1;
  const address = `user${userCount}@contoso.example`;
  await admin('POST', '/users', { userPrincipalName: address, displayName: `User ${userCount}`, mailboxTimeZone: 'Europe/Berlin' });
  if (seeds.length > 0) {
    await admin('POST', `/users/${encodeURIComponent(address)}/seed`, { events: seeds });
  }

  const waits: number[] = [];
  const source = createGraphEventSource({
    graphBaseUrl: `${emulator.url}/v1.0`,
    tokenUrl: `${emulator.url}/${CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    userId: address,
    mailboxTimeZone: 'Europe/Berlin',
    logger: createSilentLogger(),
    sleep: (ms) => {
      waits.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
    ...overrides,
  });
  return { address, waits, source };
}

function seed(seedKey: string, subject: string, start: string, end: string, extra: Partial<GraphEventSeed> = {}): GraphEventSeed {
  return {
    seedKey,
    iCalUId: `uid-${seedKey}`,
    subject,
    body: { contentType: 'html', content: `<p>About <b>${subject}</b></p>` },
    start: { dateTime: start, timeZone: 'Eastern Standard Time' },
    end: { dateTime: end, timeZone: 'Eastern Standard Time' },
    originalStartTimeZone: 'Eastern Standard Time',
    originalEndTimeZone: 'Eastern Standard Time',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: 'Room 1' },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { emailAddress: { name: 'Ada Lovelace', address: 'ada@contoso.example' } },
    attendees: [
      { type: 'required', status: { response: 'accepted', time: '2026-04-01T10:00:00Z' }, emailAddress: { name: 'Bob', address: 'bob@contoso.example' } },
    ],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
    ...extra,
  };
}

function seedsFromIcs(file: string, horizon: { start: string; end: string }, defaultTimeZone: string): GraphEventSeed[] {
  const text = readFileSync(path.join(corpusRoot, 'ics', file), 'utf8');
  return importIcs(text, { fileName: file, horizon, defaultTimeZone }).seeds;
}

function upserts(changes: readonly Change<CalendarEvent>[]): Array<Extract<Change<CalendarEvent>, { kind: 'upsert' }>> {
  return changes.filter((change): change is Extract<Change<CalendarEvent>, { kind: 'upsert' }> => change.kind === 'upsert');
}

const NEW_EVENT: CalendarEvent = {
  subject: 'Renewal call',
  span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'America/New_York' },
  location: 'Board room',
  body: 'Discuss the renewal terms',
  showAs: 'tentative',
  sensitivity: 'normal',
  organizer: null,
  attendees: [{ email: 'carol@contoso.example', name: 'Carol', type: 'optional', response: 'none' }],
  recurrence: null,
  isCancelled: false,
  iCalUId: null,
  categories: [],
};

describe('Graph connector against the emulator', () => {
  it('full pull lists every event in the window', async () => {
    const mailbox = await newMailbox([
      seed('a', 'Kick-off', '2026-05-04T09:00:00', '2026-05-04T10:00:00'),
      seed('b', 'Review', '2026-05-05T09:00:00', '2026-05-05T10:00:00'),
      seed('c', 'Later', '2026-07-01T09:00:00', '2026-07-01T10:00:00'),
      seed('d', 'Offsite', '2026-05-12T00:00:00', '2026-05-13T00:00:00', {
        isAllDay: true,
        start: { dateTime: '2026-05-12T00:00:00', timeZone: 'W. Europe Standard Time' },
        end: { dateTime: '2026-05-13T00:00:00', timeZone: 'W. Europe Standard Time' },
        originalStartTimeZone: 'W. Europe Standard Time',
        originalEndTimeZone: 'W. Europe Standard Time',
      }),
    ], { pageSize: 2 });

    const result = await mailbox.source.pullChanges(null, WINDOW);

    expect(result.isFullListing).toBe(true);
    expect(result.nextCursor).toContain('/calendarView/delta?');
    expect(mailbox.source.calls).toBe(2);
    const bySubject = new Map(upserts(result.changes).map((change) => [change.item.subject, change]));
    expect([...bySubject.keys()].sort()).toEqual(['Kick-off', 'Offsite', 'Review']);
    expect(bySubject.get('Kick-off')?.item).toEqual({
      subject: 'Kick-off',
      span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'America/New_York' },
      location: 'Room 1',
      body: 'About Kick-off',
      showAs: 'busy',
      sensitivity: 'normal',
      organizer: { email: 'ada@contoso.example', name: 'Ada Lovelace' },
      attendees: [{ email: 'bob@contoso.example', name: 'Bob', type: 'required', response: 'accepted' }],
      recurrence: null,
      isCancelled: false,
      iCalUId: 'uid-a',
      categories: [],
    });
    expect(bySubject.get('Offsite')?.item.span).toEqual({ kind: 'allDay', startDate: '2026-05-12', endDate: '2026-05-13' });
  });

  it('incremental pull returns only what changed', async () => {
    const mailbox = await newMailbox([
      seed('a', 'Kick-off', '2026-05-04T09:00:00', '2026-05-04T10:00:00'),
      seed('b', 'Review', '2026-05-05T09:00:00', '2026-05-05T10:00:00'),
      seed('c', 'Standup', '2026-05-06T09:00:00', '2026-05-06T10:00:00'),
    ]);
    const full = await mailbox.source.pullChanges(null, WINDOW);
    const ids = new Map(upserts(full.changes).map((change) => [change.item.subject, change.id]));
    await admin('POST', `/users/${encodeURIComponent(mailbox.address)}/events/${encodeURIComponent(ids.get('Review') ?? '')}/touch`, {
      changes: { subject: 'Review moved' },
    });
    const [removed] = await mailbox.source.applyWrites([{ op: 'delete', ref: 'd', id: ids.get('Standup') ?? '' }]);
    expect(removed?.ok).toBe(true);

    const next = await mailbox.source.pullChanges(full.nextCursor, WINDOW);

    expect(next.isFullListing).toBe(false);
    expect(next.changes.map((change) => [change.kind, change.id, change.kind === 'upsert' ? change.item.subject : null])).toEqual(
      expect.arrayContaining([
        ['upsert', ids.get('Review'), 'Review moved'],
        ['delete', ids.get('Standup'), null],
      ]),
    );
    expect(next.changes).toHaveLength(2);
    expect(next.changes.find((change) => change.kind === 'delete')).toMatchObject({ mayStillExist: true });
  });

  it('creates, updates and deletes an event round trip', async () => {
    const mailbox = await newMailbox();

    const [created] = await mailbox.source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-round-trip', item: NEW_EVENT }]);
    if (!created?.ok) throw new Error(`create failed: ${JSON.stringify(created)}`);
    const read = (await mailbox.source.readItems([created.id])).get(created.id);

    expect(read?.version).toBe(created.version);
    expect(read?.syncId).toBe('sync-round-trip');
    expect(read?.item).toMatchObject({
      subject: 'Renewal call',
      span: NEW_EVENT.span,
      location: 'Board room',
      body: 'Discuss the renewal terms',
      showAs: 'tentative',
      // Engine-created events carry no attendees, so creating one never sends invitations.
      attendees: [],
    });

    const [updated] = await mailbox.source.applyWrites([
      { op: 'update', ref: 'u', id: created.id, patch: { subject: 'Renewal call (moved)' }, expectedVersion: created.version },
    ]);
    if (!updated?.ok) throw new Error(`update failed: ${JSON.stringify(updated)}`);
    const afterUpdate = (await mailbox.source.readItems([created.id])).get(created.id);

    expect(updated.version).not.toBe(created.version);
    expect(afterUpdate?.item.subject).toBe('Renewal call (moved)');
    expect(afterUpdate?.item.attendees).toEqual(read?.item.attendees);
    expect(afterUpdate?.item.body).toBe('Discuss the renewal terms');

    const [deleted] = await mailbox.source.applyWrites([{ op: 'delete', ref: 'd', id: created.id }]);

    expect(deleted).toEqual({ ref: 'd', ok: true, id: created.id, version: null });
    expect((await mailbox.source.readItems([created.id])).size).toBe(0);
  });

  it('writes the C11 instant back unchanged', async () => {
    const mailbox = await newMailbox([seed('c11', 'Eastern call', '2026-05-04T09:00:00', '2026-05-04T10:00:00')], { mailboxTimeZone: 'America/New_York' });
    const [change] = upserts((await mailbox.source.pullChanges(null, WINDOW)).changes);
    const span = change?.item.span as TimedSpan;
    expect(span).toEqual({ kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'America/New_York' });

    const moved = { ...span, start: '2026-05-04T15:00:00.000Z', end: '2026-05-04T16:00:00.000Z' };
    const [result] = await mailbox.source.applyWrites([{ op: 'update', ref: 'u', id: change?.id ?? '', patch: { span: moved }, expectedVersion: change?.version ?? null }]);

    expect(result?.ok).toBe(true);
    expect((await mailbox.source.readItems([change?.id ?? ''])).get(change?.id ?? '')?.item.span).toEqual(moved);
  });

  it('round-trips all-day events in any mailbox zone', async () => {
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Auckland']) {
      const mailbox = await newMailbox([], { mailboxTimeZone: zone });
      const item: CalendarEvent = { ...NEW_EVENT, span: { kind: 'allDay', startDate: '2023-05-12', endDate: '2023-05-13' } };

      const [created] = await mailbox.source.applyWrites([{ op: 'create', ref: 'c', syncId: `allday-${zone}`, item }]);
      const id = created?.ok ? created.id : '';
      const pulled = upserts((await mailbox.source.pullChanges(null, { start: '2023-05-01T00:00:00Z', end: '2023-06-01T00:00:00Z' })).changes);

      expect((await mailbox.source.readItems([id])).get(id)?.item.span).toEqual(item.span);
      expect(pulled.map((change) => change.item.span)).toEqual([item.span]);
    }
  });

  it('maps an all-day series moved across DST from a Google export', async () => {
    const horizon = { start: '2024-10-01T00:00:00Z', end: '2024-11-30T00:00:00Z' };
    const mailbox = await newMailbox(seedsFromIcs('google-allday-moved-across-dst.ics', horizon, 'Europe/Berlin'), {
      mailboxTimeZone: 'America/Los_Angeles',
    });

    const result = await mailbox.source.pullChanges(null, horizon);
    const instances = upserts(result.changes)
      .map((change) => [change.item.span, change.item.recurrence?.role, change.item.recurrence?.originalStart])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

    expect(instances).toEqual([
      [{ kind: 'allDay', startDate: '2024-10-27', endDate: '2024-10-28' }, 'occurrence', '2024-10-27'],
      [{ kind: 'allDay', startDate: '2024-10-29', endDate: '2024-10-30' }, 'occurrence', '2024-10-29'],
      [{ kind: 'allDay', startDate: '2024-10-30', endDate: '2024-10-31' }, 'exception', '2024-10-28'],
    ]);
  });

  it('keeps Berlin wall time of a Windows-zone series across DST', async () => {
    const horizon = { start: '2020-10-19T00:00:00Z', end: '2020-10-31T00:00:00Z' };
    const mailbox = await newMailbox(seedsFromIcs('outlook-exchange2010-windows-tzids.ics', horizon, 'UTC'), { mailboxTimeZone: 'America/New_York' });

    const result = await mailbox.source.pullChanges(null, horizon);
    // The daily Monday-to-Saturday 09:00 series is the event whose DTSTART has the quote swallowing its value.
    const series = upserts(result.changes).filter((change) => change.item.subject === "Log Yesterday's Jira time");
    const starts = series.map((change) => (change.item.span as TimedSpan).start).sort();

    expect(series.every((change) => (change.item.span as TimedSpan).timeZone === 'Europe/Berlin')).toBe(true);
    expect(series.every((change) => change.item.recurrence?.role === 'occurrence')).toBe(true);
    expect(starts).toEqual([
      '2020-10-19T07:00:00.000Z',
      '2020-10-20T07:00:00.000Z',
      '2020-10-21T07:00:00.000Z',
      '2020-10-22T07:00:00.000Z',
      '2020-10-23T07:00:00.000Z',
      '2020-10-24T07:00:00.000Z',
      '2020-10-26T08:00:00.000Z',
      '2020-10-27T08:00:00.000Z',
      '2020-10-28T08:00:00.000Z',
      '2020-10-29T08:00:00.000Z',
      '2020-10-30T08:00:00.000Z',
    ]);
  });

  it('reports a stale If-Match as a conflict', async () => {
    const mailbox = await newMailbox();
    const [created] = await mailbox.source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-conflict', item: NEW_EVENT }]);
    const id = created?.ok ? created.id : '';
    const firstVersion = created?.ok ? created.version : null;
    await mailbox.source.applyWrites([{ op: 'update', ref: 'u1', id, patch: { location: 'Elsewhere' }, expectedVersion: firstVersion }]);

    const [stale] = await mailbox.source.applyWrites([{ op: 'update', ref: 'u2', id, patch: { subject: 'Lost edit' }, expectedVersion: firstVersion }]);

    expect(stale).toMatchObject({ ref: 'u2', ok: false, failure: { kind: 'conflict' } });
    expect((await mailbox.source.readItems([id])).get(id)?.item.subject).toBe('Renewal call');
  });

  it('findBySyncIds finds the events created with them', async () => {
    const mailbox = await newMailbox([seed('x', 'Unrelated', '2026-05-04T09:00:00', '2026-05-04T10:00:00')]);
    const results = await mailbox.source.applyWrites([
      { op: 'create', ref: 'one', syncId: 'sync-one', item: NEW_EVENT },
      { op: 'create', ref: 'two', syncId: "sync-two's", item: { ...NEW_EVENT, subject: 'Second' } },
    ]);
    const ids = results.map((result) => (result.ok ? result.id : ''));

    const found = await mailbox.source.findBySyncIds(['sync-one', "sync-two's", 'sync-missing']);

    expect([...found.keys()].sort()).toEqual(['sync-one', "sync-two's"]);
    expect(found.get('sync-one')).toMatchObject({ id: ids[0], syncId: 'sync-one', item: { subject: 'Renewal call' } });
    expect(found.get("sync-two's")).toMatchObject({ id: ids[1], syncId: "sync-two's", item: { subject: 'Second' } });
  });

  it('throws cursorExpired when the delta link expired', async () => {
    const mailbox = await newMailbox([seed('a', 'Kick-off', '2026-05-04T09:00:00', '2026-05-04T10:00:00')]);
    const full = await mailbox.source.pullChanges(null, WINDOW);
    await admin('POST', '/faults', { faults: [{ type: 'expireDeltaTokens' }] });

    const error = await mailbox.source.pullChanges(full.nextCursor, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'cursorExpired')).toBe(true);
    expect((await mailbox.source.pullChanges(null, WINDOW)).changes).toHaveLength(1);
  });

  it('honours Retry-After when throttled', async () => {
    const mailbox = await newMailbox([seed('a', 'Kick-off', '2026-05-04T09:00:00', '2026-05-04T10:00:00')]);
    await admin('POST', '/faults', { faults: [{ type: 'throttle', count: 2, retryAfterSeconds: 0.05 }] });

    const result = await mailbox.source.pullChanges(null, WINDOW);

    expect(upserts(result.changes)).toHaveLength(1);
    expect(mailbox.waits).toEqual([50, 50]);
    expect(mailbox.source.calls).toBe(3);
  });

  it('repeats only the throttled requests of a batch', async () => {
    const mailbox = await newMailbox();
    await admin('POST', '/faults', { faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 0.02, pathPattern: '/events$' }] });

    const results = await mailbox.source.applyWrites([
      { op: 'create', ref: 'a', syncId: 'sync-a', item: NEW_EVENT },
      { op: 'create', ref: 'b', syncId: 'sync-b', item: { ...NEW_EVENT, subject: 'B' } },
    ]);
    const found = await mailbox.source.findBySyncIds(['sync-a', 'sync-b']);

    expect(results.every((result) => result.ok)).toBe(true);
    expect(mailbox.waits).toEqual([20]);
    expect(found.size).toBe(2);
    expect(mailbox.source.calls).toBe(3);
  });

  it('stays within four requests in flight per mailbox', async () => {
    const mailbox = await newMailbox();
    await admin('POST', '/stats/reset');
    await admin('POST', '/faults', { faults: [{ type: 'latency', ms: 5 }] });
    const writes = Array.from({ length: 120 }, (_, index) => ({ op: 'create' as const, ref: `c${index}`, syncId: `bulk-${index}`, item: NEW_EVENT }));

    try {
      const results = await mailbox.source.applyWrites(writes);
      const stats = (await admin('GET', '/stats')) as { throttled: number };

      expect(results.filter((result) => result.ok)).toHaveLength(120);
      expect(stats.throttled).toBe(0);
      expect(mailbox.waits).toEqual([]);
    } finally {
      await admin('DELETE', '/faults');
    }
  });

  it('gets a new token after the emulator expires tokens', async () => {
    const mailbox = await newMailbox([seed('a', 'Kick-off', '2026-05-04T09:00:00', '2026-05-04T10:00:00')]);
    await mailbox.source.pullChanges(null, WINDOW);
    await admin('POST', '/faults', { faults: [{ type: 'expireTokens' }] });

    const result = await mailbox.source.pullChanges(null, WINDOW);

    expect(result.changes).toHaveLength(1);
    expect(mailbox.source.calls).toBe(3);
  });

  it('suspends on a wrong client secret', async () => {
    const mailbox = await newMailbox([], { clientSecret: 'wrong' });

    const error = await mailbox.source.pullChanges(null, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect(mailbox.source.calls).toBe(0);
  });
});
