import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change } from '../src/domain/connector.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { EwsWorld, OAUTH_CLIENT } from './support/ews-world.ts';

const corpusIcs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };
const world = new EwsWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

type Upsert = Extract<Change<CalendarEvent>, { kind: 'upsert' }>;
function upserts(changes: readonly Change<CalendarEvent>[]): Upsert[] {
  return changes.filter((change): change is Upsert => change.kind === 'upsert');
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
  categories: ['Salesforce'],
};

function seriesSeeds(file: string, horizon: { start: string; end: string }): GraphEventSeed[] {
  return importIcs(readFileSync(path.join(corpusIcs, file), 'utf8'), { fileName: file, horizon, defaultTimeZone: 'Europe/Berlin' }).seeds;
}

describe('EWS event source', () => {
  it('full pull lists the window', async () => {
    const mailbox = await world.newMailbox([
      timedSeed('Kick-off', '2026-05-04', '09:00', '10:00'),
      timedSeed('Later', '2026-07-01', '09:00', '10:00'),
    ]);

    const pull = await mailbox.connector.events.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    expect(upserts(pull.changes).map((change) => change.item)).toEqual([
      {
        subject: 'Kick-off',
        span: { kind: 'timed', start: '2026-05-04T07:00:00.000Z', end: '2026-05-04T08:00:00.000Z', timeZone: 'Europe/Berlin' },
        location: 'Room 4',
        body: 'Notes for Kick-off',
        showAs: 'busy',
        sensitivity: 'normal',
        organizer: { email: 'alex.morgan@contoso.example.com', name: 'Alex Morgan' },
        attendees: [],
        recurrence: null,
        isCancelled: false,
        iCalUId: expect.stringContaining('@tests.example.com') as string,
        categories: [],
      },
    ]);
    expect(JSON.parse(pull.nextCursor)).toMatchObject({ format: 'ews/1', folders: { calendar: expect.any(String) as string } });
  });

  it('creates, updates and deletes round trip', async () => {
    const mailbox = await world.newMailbox();
    const { events } = mailbox.connector;

    const [created] = await events.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-1', item: NEW_EVENT }]);
    if (!created?.ok) throw new Error(`create failed: ${JSON.stringify(created)}`);
    const read = (await events.readItems([created.id])).get(created.id);
    expect(read?.version).toBe(created.version);
    expect(read?.syncId).toBe('sync-1');
    expect(read?.item).toMatchObject({ ...NEW_EVENT, iCalUId: expect.any(String) as string });

    const stats = await world.admin<{ lastAttributes: Record<string, Record<string, string>>; lastServerVersion: string; lastAnchorMailbox: string }>('GET', '/stats');
    expect(stats.lastAttributes.CreateItem).toMatchObject({ SendMeetingInvitations: 'SendToNone' });
    expect(stats.lastServerVersion).toBe('Exchange2016');
    expect(stats.lastAnchorMailbox).toBe(mailbox.address);

    const [updated] = await events.applyWrites([{ op: 'update', ref: 'u', id: created.id, patch: { subject: 'Renewal call (moved)', location: null }, expectedVersion: created.version }]);
    expect(updated).toMatchObject({ ok: true, id: created.id });
    const afterUpdate = (await events.readItems([created.id])).get(created.id);
    expect(afterUpdate?.item).toMatchObject({ subject: 'Renewal call (moved)', location: null, body: NEW_EVENT.body, attendees: NEW_EVENT.attendees });
    const updateStats = await world.admin<{ lastAttributes: Record<string, Record<string, string>> }>('GET', '/stats');
    expect(updateStats.lastAttributes.UpdateItem).toMatchObject({ ConflictResolution: 'NeverOverwrite', SendMeetingInvitationsOrCancellations: 'SendToNone' });

    const [deleted] = await events.applyWrites([{ op: 'delete', ref: 'd', id: created.id }]);
    const [again] = await events.applyWrites([{ op: 'delete', ref: 'd2', id: created.id }]);
    expect(deleted).toEqual({ ref: 'd', ok: true, id: created.id, version: null });
    expect(again).toMatchObject({ ok: true });
    expect((await events.readItems([created.id])).size).toBe(0);
    const deleteStats = await world.admin<{ lastAttributes: Record<string, Record<string, string>> }>('GET', '/stats');
    expect(deleteStats.lastAttributes.DeleteItem).toMatchObject({ SendMeetingCancellations: 'SendToNone' });
  });

  it('incremental pull returns only what changed', async () => {
    const mailbox = await world.newMailbox([timedSeed('Review', '2026-05-05', '09:00', '10:00'), timedSeed('Standup', '2026-05-06', '09:00', '10:00')]);
    const { events } = mailbox.connector;
    const full = await events.pullChanges(null, WINDOW);
    const ids = new Map(upserts(full.changes).map((change) => [change.item.subject, change.id]));
    await world.admin('POST', `/users/${encodeURIComponent(mailbox.address)}/items/${encodeURIComponent(ids.get('Review') ?? '')}/touch`, { set: { Subject: 'Review moved' } });
    await events.applyWrites([{ op: 'delete', ref: 'd', id: ids.get('Standup') ?? '' }]);

    const next = await events.pullChanges(full.nextCursor, WINDOW);

    expect(next.isFullListing).toBe(false);
    expect(next.changes.map((change) => [change.kind, change.id, change.kind === 'upsert' ? change.item.subject : null])).toEqual(
      expect.arrayContaining([
        ['upsert', ids.get('Review'), 'Review moved'],
        ['delete', ids.get('Standup'), null],
      ]),
    );
    expect(next.changes).toHaveLength(2);
    expect((await events.pullChanges(next.nextCursor, WINDOW)).changes).toEqual([]);
  });

  it('expands a series into its instances', async () => {
    const horizon = { start: '2020-10-19T00:00:00Z', end: '2020-10-31T00:00:00Z' };
    const mailbox = await world.newMailbox(seriesSeeds('outlook-exchange2010-windows-tzids.ics', horizon));
    const { events } = mailbox.connector;

    const pull = await events.pullChanges(null, horizon);
    const series = upserts(pull.changes).filter((change) => change.item.subject === "Log Yesterday's Jira time");

    expect(series).toHaveLength(11);
    expect(series.every((change) => change.item.recurrence?.role === 'occurrence' && change.item.span.kind === 'timed' && change.item.span.timeZone === 'Europe/Berlin')).toBe(true);
    const masterId = series[0]?.item.recurrence?.seriesId ?? '';
    expect(series.every((change) => change.item.recurrence?.seriesId === masterId)).toBe(true);

    // Deleting one occurrence changes the master: the next pull reports that instance gone and nothing else new.
    const gone = series[3]?.id ?? '';
    await world.admin('DELETE', `/users/${encodeURIComponent(mailbox.address)}/items/${encodeURIComponent(gone)}`);
    const next = await events.pullChanges(pull.nextCursor, horizon);
    expect(next.changes.filter((change) => change.kind === 'delete').map((change) => change.id)).toContain(gone);
    expect(upserts(next.changes).map((change) => change.id)).not.toContain(gone);
    expect((await events.readItems([gone])).size).toBe(0);
    expect((await events.readItems([series[4]?.id ?? ''])).get(series[4]?.id ?? '')?.item.recurrence?.seriesId).toBe(masterId);
  });

  it('stale ChangeKey is a conflict', async () => {
    const mailbox = await world.newMailbox();
    const { events } = mailbox.connector;
    const [created] = await events.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-conflict', item: NEW_EVENT }]);
    const id = created?.ok ? created.id : '';
    const stale = created?.ok ? created.version : null;
    await world.admin('POST', `/users/${encodeURIComponent(mailbox.address)}/items/${encodeURIComponent(id)}/touch`, { set: { Location: 'Elsewhere' } });

    const [result] = await events.applyWrites([{ op: 'update', ref: 'u', id, patch: { subject: 'Lost edit' }, expectedVersion: stale }]);

    expect(result).toMatchObject({ ref: 'u', ok: false, failure: { kind: 'conflict', code: 'ErrorIrresolvableConflict' } });
    expect((await events.readItems([id])).get(id)?.item).toMatchObject({ subject: 'Renewal call', location: 'Elsewhere' });
  });

  it('findBySyncIds uses the named property', async () => {
    const mailbox = await world.newMailbox([timedSeed('Unrelated', '2026-05-04', '09:00', '10:00')]);
    const results = await mailbox.connector.events.applyWrites([
      { op: 'create', ref: 'one', syncId: 'sync-one', item: NEW_EVENT },
      { op: 'create', ref: 'two', syncId: "sync-two's <&>", item: { ...NEW_EVENT, subject: 'Second' } },
    ]);
    const ids = results.map((result) => (result.ok ? result.id : ''));

    const found = await mailbox.connector.events.findBySyncIds(['sync-one', "sync-two's <&>", 'sync-missing']);

    expect([...found.keys()].sort()).toEqual(["sync-one", "sync-two's <&>"].sort());
    expect(found.get('sync-one')).toMatchObject({ id: ids[0], syncId: 'sync-one' });
    expect(found.get("sync-two's <&>")).toMatchObject({ id: ids[1], item: { subject: 'Second' } });
  });

  it('expired sync state then full listing', async () => {
    const mailbox = await world.newMailbox([timedSeed('Kick-off', '2026-05-04', '09:00', '10:00')]);
    const full = await mailbox.connector.events.pullChanges(null, WINDOW);
    await world.admin('POST', '/faults', { faults: [{ type: 'expireSyncStates' }] });

    const error = await mailbox.connector.events.pullChanges(full.nextCursor, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'cursorExpired')).toBe(true);
    expect(error).toMatchObject({ failure: { code: 'ErrorInvalidSyncStateData' } });
    expect(upserts((await mailbox.connector.events.pullChanges(null, WINDOW)).changes)).toHaveLength(1);
  });

  it('honours BackOffMilliseconds of ErrorServerBusy', async () => {
    const mailbox = await world.newMailbox([timedSeed('Kick-off', '2026-05-04', '09:00', '10:00')]);
    await world.admin('POST', '/faults', { faults: [{ type: 'serverBusy', count: 2, backOffMs: 40 }] });

    const pull = await mailbox.connector.events.pullChanges(null, WINDOW);

    expect(upserts(pull.changes)).toHaveLength(1);
    expect(mailbox.waits.filter((ms) => ms >= 30)).toHaveLength(2);
  });

  it('OAuth client credentials with impersonation', async () => {
    const mailbox = await world.newMailbox([timedSeed('Kick-off', '2026-05-04', '09:00', '10:00')], {
      auth: { kind: 'oauth', tokenUrl: `${world.emulator.url}/oauth2/token`, clientId: OAUTH_CLIENT.clientId, clientSecret: OAUTH_CLIENT.clientSecret },
    });
    expect(upserts((await mailbox.connector.events.pullChanges(null, WINDOW)).changes)).toHaveLength(1);

    await world.admin('POST', '/faults', { faults: [{ type: 'expireTokens' }] });
    expect(upserts((await mailbox.connector.events.pullChanges(null, WINDOW)).changes)).toHaveLength(1);
  });

  it('suspends without the impersonation role', async () => {
    const mailbox = await world.newMailbox([], { auth: { kind: 'basic', username: 'no-role@contoso.example', password: 'pw' } });

    const error = await mailbox.connector.events.pullChanges(null, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect(error).toMatchObject({ failure: { code: 'ErrorImpersonateUserDenied' } });
  });
});
