import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Link, MappedValues } from '../src/domain/link.ts';
import type { MailboxSchedule } from '../src/domain/mailbox-state.ts';
import type { SynclineStore } from '../src/store/index.ts';
import {
  bySyncId,
  conflict,
  quarantineEntry,
  emptyCommit,
  link,
  mailbox,
  ORG_ID,
  pendingItem,
  sessionReport,
} from './support/store-fixtures.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const TARGETS: ReadonlyArray<{ name: string; makeTarget: () => StoreTarget }> = [
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];
const BULK_LINKS = 10_000;
const BULK_BUDGET_MS = 5_000;

describe.each(TARGETS)('store on $name', ({ makeTarget }) => {
  const target = makeTarget();
  let store: SynclineStore;

  beforeAll(async () => {
    store = await target.open();
  });

  afterAll(async () => {
    await store?.close();
    await target.dispose();
  });

  beforeEach(async () => {
    await store.truncateAll();
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    await store.upsertMailbox(mailbox('m1'));
    await store.upsertMailbox(mailbox('m2'));
  });

  it('migrate is idempotent', async () => {
    await store.migrate();
    await store.migrate();

    const second = await target.open();
    try {
      expect((await second.listMailboxes()).map((m) => m.id)).toEqual(['m1', 'm2']);
    } finally {
      await second.close();
    }
  });

  it('accounts upsert, list and get', async () => {
    await store.upsertOrg({ id: 'org-2', name: 'Fabrikam' });
    await store.upsertOrg({ id: 'org-2', name: 'Fabrikam Inc.' });
    await store.upsertMailbox(mailbox('m3', { orgId: 'org-2' }));
    await store.upsertMailbox(mailbox('m1', { address: 'renamed@contoso.example', timeZone: 'America/New_York' }));

    expect((await store.listMailboxes()).map((m) => m.id).sort()).toEqual(['m1', 'm2', 'm3']);
    expect((await store.listMailboxes(ORG_ID)).map((m) => m.id).sort()).toEqual(['m1', 'm2']);
    expect((await store.listMailboxes('org-2')).map((m) => m.id)).toEqual(['m3']);
    expect(await store.getMailbox('m1')).toEqual(
      mailbox('m1', { address: 'renamed@contoso.example', timeZone: 'America/New_York' }),
    );
    expect(await store.getMailbox('missing')).toBeNull();
  });

  it('accounts reject an unknown org', async () => {
    await expect(store.upsertMailbox(mailbox('m9', { orgId: 'no-such-org' }))).rejects.toThrow();
    expect(await store.getMailbox('m9')).toBeNull();
  });

  it('links round trip with nested unicode base', async () => {
    const base: MappedValues = {
      subject: 'Réunion 会議 😀 مرحبا e\u0301',
      empty: '',
      nul: 'a\u0000b',
      quote: `it's "quoted" \\ back`,
      count: 42,
      ratio: -0.125,
      big: 1e21,
      allDay: false,
      location: null,
      attendees: [{ email: 'zoë@contoso.example', type: ['required', 'organizer'] }, [], {}],
      nested: { a: { b: { c: [1, [2, [3]]] } } },
    };
    const links = [link('m1', 1, { base, mailboxVersion: null }), link('m1', 2, { crmVersion: null })];
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: links });

    const state = await store.loadSyncState('m1', 'event');
    expect(bySyncId(state.links)).toEqual(bySyncId(links));
    expect((await store.loadSyncState('m2', 'event')).links).toEqual([]);
  });

  it('links update and delete', async () => {
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: [link('m1', 1), link('m1', 2)] });
    const changed = link('m1', 1, { mailboxVersion: 'ck-1b', base: { subject: 'Moved' }, baseHash: 'hash-1b' });
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: [changed], deleteLinks: ['sync-2'] });

    expect((await store.loadSyncState('m1', 'event')).links).toEqual([changed]);
  });

  it('links reuse an item id freed in one commit', async () => {
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: [link('m1', 1)] });
    const successor = link('m1', 2, { mailboxItemId: 'AAMkAD-1', crmRecordId: '00U000000000000001' });
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: [successor], deleteLinks: ['sync-1'] });

    expect((await store.loadSyncState('m1', 'event')).links).toEqual([successor]);
  });

  it('cursors set per side and kept', async () => {
    expect((await store.loadSyncState('m1', 'event')).cursors).toEqual({ mailbox: null, crm: null });

    const deltaLink = `https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=${'x'.repeat(3_000)}`;
    await store.commitSession({ ...emptyCommit('m1'), cursors: { mailbox: deltaLink } });
    expect((await store.loadSyncState('m1', 'event')).cursors).toEqual({ mailbox: deltaLink, crm: null });

    await store.commitSession({ ...emptyCommit('m1'), cursors: { crm: '2026-05-04T10:00:00.000Z' } });
    await store.commitSession(emptyCommit('m1'));
    expect((await store.loadSyncState('m1', 'event')).cursors).toEqual({
      mailbox: deltaLink,
      crm: '2026-05-04T10:00:00.000Z',
    });
    expect((await store.loadSyncState('m2', 'event')).cursors).toEqual({ mailbox: null, crm: null });
  });

  it('intents keep the first sync id of a source item', async () => {
    const first = { mailboxId: 'm1', objectKind: 'event', sourceSide: 'crm', sourceId: '00U1', syncId: 'x1' } as const;
    await store.recordIntents([first]);
    await store.recordIntents([
      { ...first, syncId: 'x2' },
      { ...first, sourceSide: 'mailbox', sourceId: 'AAMk1', syncId: 'x3' },
    ]);

    const intents = (await store.loadSyncState('m1', 'event')).intents;
    expect(bySyncId(intents)).toEqual([first, { ...first, sourceSide: 'mailbox', sourceId: 'AAMk1', syncId: 'x3' }]);
  });

  it('intents reject a taken sync id', async () => {
    const first = { mailboxId: 'm1', objectKind: 'event', sourceSide: 'crm', sourceId: '00U1', syncId: 'x1' } as const;
    await store.recordIntents([first]);

    const batch = [
      { ...first, sourceId: '00U2', syncId: 'x2' },
      { ...first, sourceId: '00U3', syncId: 'x1' },
    ];
    await expect(store.recordIntents(batch)).rejects.toThrow(/fresh sync id/);
    expect((await store.loadSyncState('m1', 'event')).intents).toEqual([first]);
  });

  it('intents resolved by a commit are removed', async () => {
    const intent = { mailboxId: 'm1', objectKind: 'event', sourceSide: 'crm', sourceId: '00U1', syncId: 'x1' } as const;
    const other = { ...intent, sourceId: '00U2', syncId: 'x2' };
    await store.recordIntents([intent, other]);
    await store.commitSession({ ...emptyCommit('m1'), resolvedIntents: ['x1'] });

    expect((await store.loadSyncState('m1', 'event')).intents).toEqual([other]);
  });

  it('pending set replaced per mailbox', async () => {
    await store.commitSession(emptyCommit('m1', [pendingItem('m1', 'a'), pendingItem('m1', 'b')]));
    await store.commitSession(emptyCommit('m2', [pendingItem('m2', 'z')]));
    const next = [pendingItem('m1', 'b', { attempts: 2 }), pendingItem('m1', 'c', { side: 'mailbox' })];
    await store.commitSession(emptyCommit('m1', next));

    const byItem = (items: readonly { itemId: string }[]) => [...items].sort((x, y) => x.itemId.localeCompare(y.itemId));
    expect(byItem((await store.loadSyncState('m1', 'event')).pending)).toEqual(next);
    expect((await store.loadSyncState('m2', 'event')).pending).toEqual([pendingItem('m2', 'z')]);

    await store.commitSession(emptyCommit('m1'));
    expect((await store.loadSyncState('m1', 'event')).pending).toEqual([]);
  });

  it('conflicts appended to the ledger', async () => {
    await store.commitSession({
      ...emptyCommit('m1'),
      upsertLinks: [link('m1', 1)],
      conflicts: [conflict('m1', 'sync-1', 'subject'), conflict('m1', 'sync-1', 'location')],
    });
    await store.commitSession({
      ...emptyCommit('m1'),
      deleteLinks: ['sync-1'],
      conflicts: [conflict('m1', 'sync-1', 'start')],
    });

    const ledger = await store.listConflicts('m1', 'event', 10);
    expect(ledger.map((entry) => entry.field)).toEqual(['start', 'location', 'subject']);
    const { createdAt, seq, id, ...decision } = ledger[2]!;
    expect(decision).toEqual(conflict('m1', 'sync-1', 'subject'));
    expect([seq, id]).toEqual([1, 'm1/event/1']);
    expect(Date.parse(createdAt)).not.toBeNaN();
    expect(await store.listConflicts('m1', 'event', 1)).toHaveLength(1);
    expect(await store.listConflicts('m2', 'event', 10)).toEqual([]);
  });

  it('quarantine stored, restored and purged', async () => {
    const older = quarantineEntry('m1', 'q-old', '2026-04-01T08:00:00.000Z');
    const newer = quarantineEntry('m1', 'q-new', '2026-05-04T08:00:00.000Z', { side: 'mailbox', values: { subject: 'Réunion ✓', attendees: [{ email: 'a@b.example' }] } });
    await store.commitSession({ ...emptyCommit('m1'), quarantine: [older, newer] });
    await store.commitSession({ ...emptyCommit('m2'), quarantine: [quarantineEntry('m2', 'q-other', '2026-05-04T08:00:00.000Z')] });

    expect(await store.listQuarantine('m1')).toEqual([newer, older]);
    expect(await store.getQuarantineEntry('q-new')).toEqual(newer);
    expect(await store.getQuarantineEntry('q-missing')).toBeNull();

    expect(await store.requestQuarantineRestore('q-new', '2026-05-05T09:00:00.000Z')).toBe(true);
    expect(await store.requestQuarantineRestore('q-new', '2026-05-05T09:01:00.000Z')).toBe(false);
    expect(await store.requestQuarantineRestore('q-missing', '2026-05-05T09:00:00.000Z')).toBe(false);
    const review = await store.loadReviewState('m1', 'event');
    expect(review.restores.map((entry) => [entry.id, entry.restoreRequestedAt])).toEqual([['q-new', '2026-05-05T09:00:00.000Z']]);
    expect((await store.loadReviewState('m1', 'task')).restores).toEqual([]);

    await store.commitSession({ ...emptyCommit('m1'), restoredQuarantine: ['q-new'], purgeQuarantineBefore: '2026-05-01T00:00:00.000Z' });
    const left = await store.listQuarantine('m1');
    expect(left.map((entry) => entry.id)).toEqual(['q-new']);
    expect(Date.parse(left[0]?.restoredAt ?? '')).not.toBeNaN();
    expect((await store.loadReviewState('m1', 'event')).restores).toEqual([]);
    expect(await store.requestQuarantineRestore('q-new', '2026-05-06T09:00:00.000Z')).toBe(false);
    expect((await store.listQuarantine('m2')).map((entry) => entry.id)).toEqual(['q-other']);
  });

  it('held deletions replaced and decided', async () => {
    const held = (syncId: string, objectKind: 'event' | 'task') => ({ mailboxId: 'm1', objectKind, syncId, side: 'crm' as const, itemId: `00U-${syncId}`, heldAt: '2026-05-04T08:00:00.000Z', decision: null });
    await store.commitSession({ ...emptyCommit('m1'), heldDeletions: [held('sync-1', 'event'), held('sync-2', 'event')] });
    await store.commitSession({ ...emptyCommit('m1'), objectKind: 'task', heldDeletions: [held('sync-3', 'task')] });
    expect(await store.listHeldDeletions('m1')).toEqual([held('sync-1', 'event'), held('sync-2', 'event'), held('sync-3', 'task')]);

    expect(await store.decideHeldDeletions('m1', 'reject')).toBe(3);
    expect(await store.decideHeldDeletions('m2', 'confirm')).toBe(0);
    expect((await store.loadReviewState('m1', 'event')).held.map((entry) => entry.decision)).toEqual(['reject', 'reject']);

    // A commit without heldDeletions keeps the set; one with it replaces the set of its kind only.
    await store.commitSession(emptyCommit('m1'));
    expect(await store.listHeldDeletions('m1')).toHaveLength(3);
    // A deletion held again keeps the decision made while the session ran; one not held again goes.
    await store.commitSession({ ...emptyCommit('m1'), heldDeletions: [held('sync-2', 'event')] });
    expect((await store.listHeldDeletions('m1')).map((entry) => [entry.syncId, entry.decision])).toEqual([['sync-2', 'reject'], ['sync-3', 'reject']]);
    await store.commitSession({ ...emptyCommit('m1'), heldDeletions: [] });
    expect((await store.listHeldDeletions('m1')).map((entry) => entry.syncId)).toEqual(['sync-3']);
  });

  it('conflict undos requested and settled', async () => {
    await store.commitSession({ ...emptyCommit('m1'), conflicts: [conflict('m1', 'sync-1', 'subject'), conflict('m1', 'sync-1', 'location')] });
    const decision = await store.getConflict('m1', 'event', 2);
    expect(decision?.field).toBe('location');
    expect(await store.getConflict('m1', 'event', 9)).toBeNull();

    const undo = { mailboxId: 'm1', objectKind: 'event' as const, seq: 2, syncId: 'sync-1', field: 'location', value: { room: 'B ✓' }, side: 'crm' as const, requestedAt: '2026-05-05T09:00:00.000Z' };
    expect(await store.requestConflictUndo(undo)).toBe(true);
    expect(await store.requestConflictUndo({ ...undo, requestedAt: '2026-05-05T09:05:00.000Z' })).toBe(false);
    expect((await store.loadReviewState('m1', 'event')).undos).toEqual([undo]);
    expect(await store.findUndoOf('m1', 'event', 2)).toBeNull();

    await store.commitSession({ ...emptyCommit('m1'), conflicts: [{ ...conflict('m1', 'sync-1', 'location'), winner: 'crm', undoes: 2 }], settledUndos: [2] });
    expect((await store.loadReviewState('m1', 'event')).undos).toEqual([]);
    expect(await store.findUndoOf('m1', 'event', 2)).toBe(3);
    const [newest] = await store.listConflicts('m1', 'event', 1);
    expect(newest).toMatchObject({ seq: 3, undoes: 2, winner: 'crm' });
  });

  it('sessions listed newest first', async () => {
    await store.recordSession(sessionReport('s-b', 'm1', '2026-05-04T10:00:00.000Z'));
    await store.recordSession(sessionReport('s-c', 'm1', '2026-05-04T12:30:00+02:00'));
    await store.recordSession(sessionReport('s-a', 'm1', '2026-05-04T09:00:00Z'));
    await store.recordSession(sessionReport('s-other', 'm2', '2026-05-05T09:00:00Z'));

    const listed = await store.listSessions('m1', 10);
    expect(listed.map((report) => report.sessionId)).toEqual(['s-c', 's-b', 's-a']);
    expect(listed[2]).toEqual(sessionReport('s-a', 'm1', '2026-05-04T09:00:00Z'));
    expect((await store.listSessions('m1', 2)).map((report) => report.sessionId)).toEqual(['s-c', 's-b']);
  });

  it('sessions re-recorded replace the report', async () => {
    await store.recordSession(sessionReport('s-1', 'm1', '2026-05-04T10:00:00.000Z'));
    const final = { ...sessionReport('s-1', 'm1', '2026-05-04T10:00:00.000Z'), status: 'ok' as const };
    await store.recordSession(final);

    expect(await store.listSessions('m1', 10)).toEqual([final]);
  });

  it('commit failing half-way changes nothing', async () => {
    const intent = { mailboxId: 'm1', objectKind: 'event', sourceSide: 'crm', sourceId: '00U1', syncId: 'x1' } as const;
    await store.recordIntents([intent]);
    await store.commitSession({
      ...emptyCommit('m1', [pendingItem('m1', 'a')]),
      upsertLinks: [link('m1', 1), link('m1', 2)],
      cursors: { mailbox: 'delta-1', crm: 'watermark-1' },
    });
    const before = await store.loadSyncState('m1', 'event');

    // The last step upserts a link with the mailbox item id of sync-2, so the unique index rejects it.
    const failing = {
      ...emptyCommit('m1'),
      deleteLinks: ['sync-1'],
      cursors: { mailbox: 'delta-2', crm: 'watermark-2' },
      resolvedIntents: ['x1'],
      conflicts: [conflict('m1', 'sync-2', 'subject')],
      upsertLinks: [link('m1', 3), link('m1', 4, { mailboxItemId: 'AAMkAD-2' })],
    };
    await expect(store.commitSession(failing)).rejects.toThrow();

    const after = await store.loadSyncState('m1', 'event');
    expect(after.cursors).toEqual({ mailbox: 'delta-1', crm: 'watermark-1' });
    expect(bySyncId(after.links)).toEqual(bySyncId(before.links));
    expect(after.intents).toEqual(before.intents);
    expect(after.pending).toEqual(before.pending);
    expect(await store.listConflicts('m1', 'event', 10)).toEqual([]);
  });

  it('commit rejects another mailbox', async () => {
    const stray = { ...emptyCommit('m1'), cursors: { mailbox: 'delta-9' }, upsertLinks: [link('m2', 1)] };
    await expect(store.commitSession(stray)).rejects.toThrow(/m2\/event/);
    expect((await store.loadSyncState('m1', 'event')).cursors.mailbox).toBeNull();
  });

  it(`commit of ${BULK_LINKS} links is fast`, async () => {
    const links: Link[] = Array.from({ length: BULK_LINKS }, (_, n) => link('m1', n));
    const updated = links.map((each) => ({ ...each, mailboxVersion: `${each.mailboxVersion}-b` }));

    const started = performance.now();
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: links, cursors: { mailbox: 'delta-1' } });
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: updated });
    const elapsed = performance.now() - started;

    const state = await store.loadSyncState('m1', 'event');
    expect(state.links).toHaveLength(BULK_LINKS);
    expect(state.links.every((each) => each.mailboxVersion?.endsWith('-b'))).toBe(true);
    expect(elapsed).toBeLessThan(BULK_BUDGET_MS);

    await store.commitSession({ ...emptyCommit('m1'), deleteLinks: links.map((each) => each.syncId) });
    expect((await store.loadSyncState('m1', 'event')).links).toEqual([]);
  });

  it('replay ids saved per org and channel', async () => {
    await store.upsertOrg({ id: 'org-2', name: 'Fabrikam' });
    expect(await store.loadReplayId(ORG_ID, '/data/EventChangeEvent')).toBeNull();

    await store.saveReplayId(ORG_ID, '/data/EventChangeEvent', 41);
    await store.saveReplayId(ORG_ID, '/data/EventChangeEvent', 9_007_199_254_740_991);
    await store.saveReplayId(ORG_ID, '/data/ChangeEvents', 7);
    await store.saveReplayId('org-2', '/data/EventChangeEvent', 3);

    expect(await store.loadReplayId(ORG_ID, '/data/EventChangeEvent')).toBe(9_007_199_254_740_991);
    expect(await store.loadReplayId(ORG_ID, '/data/ChangeEvents')).toBe(7);
    expect(await store.loadReplayId('org-2', '/data/EventChangeEvent')).toBe(3);
  });

  it('replay ids reject an unknown org and a fraction', async () => {
    await expect(store.saveReplayId('no-such-org', '/data/EventChangeEvent', 1)).rejects.toThrow();
    await expect(store.saveReplayId(ORG_ID, '/data/EventChangeEvent', 1.5)).rejects.toThrow(/not a whole number/);
    expect(await store.loadReplayId('no-such-org', '/data/EventChangeEvent')).toBeNull();
    expect(await store.loadReplayId(ORG_ID, '/data/EventChangeEvent')).toBeNull();
  });

  it('replay ids cleared by truncateAll', async () => {
    await store.saveReplayId(ORG_ID, '/data/EventChangeEvent', 12);

    await store.truncateAll();
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });

    expect(await store.loadReplayId(ORG_ID, '/data/EventChangeEvent')).toBeNull();
  });

  it('planned bases recorded, replaced and cleared by a commit', async () => {
    const plan = { mailboxId: 'm1', objectKind: 'event' as const, syncId: 'sync-1', base: { subject: 'Planned' }, fromBase: { subject: 'Before' }, targets: { subject: ['crm' as const] } };
    await store.recordPlannedBases([plan]);
    await store.recordPlannedBases([{ ...plan, base: { subject: 'Planned again' } }]);
    expect((await store.loadSyncState('m1', 'event')).plannedBases).toEqual([{ ...plan, base: { subject: 'Planned again' } }]);
    expect((await store.loadSyncState('m2', 'event')).plannedBases).toEqual([]);

    await store.commitSession(emptyCommit('m1'));
    expect((await store.loadSyncState('m1', 'event')).plannedBases).toEqual([]);
  });

  it('session lease held by one holder', async () => {
    expect(await store.acquireSessionLease('m1', 'session-a', 60_000)).toBe(true);
    expect(await store.acquireSessionLease('m1', 'session-b', 60_000)).toBe(false);
    expect(await store.acquireSessionLease('m2', 'session-b', 60_000)).toBe(true);
    expect(await store.acquireSessionLease('m1', 'session-a', 60_000)).toBe(true);
  });

  it('session lease free after release', async () => {
    expect(await store.acquireSessionLease('m1', 'session-a', 60_000)).toBe(true);
    await store.releaseSessionLease('m1', 'session-b');
    expect(await store.acquireSessionLease('m1', 'session-b', 60_000)).toBe(false);
    await store.releaseSessionLease('m1', 'session-a');
    expect(await store.acquireSessionLease('m1', 'session-b', 60_000)).toBe(true);
  });

  it('session lease taken over once expired', async () => {
    expect(await store.acquireSessionLease('m1', 'session-a', -1)).toBe(true);
    expect(await store.acquireSessionLease('m1', 'session-b', 60_000)).toBe(true);
  });

  it('session lease race has one winner', async () => {
    const holders = Array.from({ length: 8 }, (_, index) => `session-${index}`);
    const results = await Promise.all(holders.map((holder) => store.acquireSessionLease('m1', holder, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('schedules saved, replaced and loaded', async () => {
    expect(await store.loadSchedule('m1')).toBeNull();
    const first: MailboxSchedule = { mailboxId: 'm1', state: 'active', reason: null, resumeAt: null, nextSessionAt: '2026-05-04T10:30:00+02:00', lastSessionAt: null, lastStatus: null, failureCount: 0 };
    await store.saveSchedule(first);
    expect(await store.loadSchedule('m1')).toEqual({ ...first, nextSessionAt: '2026-05-04T08:30:00.000Z' });

    const suspended: MailboxSchedule = {
      mailboxId: 'm1',
      state: 'suspendedByError',
      reason: 'Salesforce refused the refresh token: reconnect Salesforce for this org',
      resumeAt: '2026-05-04T09:00:00.000Z',
      nextSessionAt: null,
      lastSessionAt: '2026-05-04T08:30:00.000Z',
      lastStatus: 'failed',
      failureCount: 3,
    };
    await store.saveSchedule(suspended);
    expect(await store.loadSchedule('m1')).toEqual(suspended);
  });

  it('schedules listed per org', async () => {
    await store.upsertOrg({ id: 'org-2', name: 'Fabrikam' });
    await store.upsertMailbox(mailbox('m3', { orgId: 'org-2' }));
    for (const mailboxId of ['m3', 'm1', 'm2']) {
      await store.saveSchedule({ mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0 });
    }

    expect((await store.listSchedules()).map((schedule) => schedule.mailboxId)).toEqual(['m1', 'm2', 'm3']);
    expect((await store.listSchedules(ORG_ID)).map((schedule) => schedule.mailboxId)).toEqual(['m1', 'm2']);
    expect((await store.listSchedules('org-2')).map((schedule) => schedule.mailboxId)).toEqual(['m3']);
  });

  it('schedules reject an unknown state and a bad time', async () => {
    const base: MailboxSchedule = { mailboxId: 'm1', state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0 };
    await expect(store.saveSchedule({ ...base, state: 'paused' as MailboxSchedule['state'] })).rejects.toThrow(/"paused"; expected one of active/);
    await expect(store.saveSchedule({ ...base, nextSessionAt: 'soon' })).rejects.toThrow(/nextSessionAt "soon" is not an ISO 8601 time/);
    await expect(store.saveSchedule({ ...base, mailboxId: 'nobody' })).rejects.toThrow();
    expect(await store.loadSchedule('m1')).toBeNull();
  });

  it('truncateAll empties every table', async () => {
    await store.recordIntents([{ mailboxId: 'm1', objectKind: 'event', sourceSide: 'crm', sourceId: 'a', syncId: 'x' }]);
    await store.commitSession({
      ...emptyCommit('m1', [pendingItem('m1', 'a')]),
      upsertLinks: [link('m1', 1)],
      cursors: { mailbox: 'delta-1' },
      conflicts: [conflict('m1', 'sync-1', 'subject')],
    });
    await store.recordSession(sessionReport('s-1', 'm1', '2026-05-04T10:00:00.000Z'));
    await store.saveSchedule({ mailboxId: 'm1', state: 'suspendedByUser', reason: 'holiday', resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0 });

    await store.truncateAll();

    expect(await store.listMailboxes()).toEqual([]);
    expect(await store.listSessions('m1', 10)).toEqual([]);
    expect(await store.listSchedules()).toEqual([]);
    expect(await store.listConflicts('m1', 'event', 10)).toEqual([]);
    expect(await store.loadSyncState('m1', 'event')).toEqual({
      links: [],
      cursors: { mailbox: null, crm: null },
      intents: [],
      pending: [],
      plannedBases: [],
    });
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    await store.upsertMailbox(mailbox('m1'));
    expect(await store.getMailbox('m1')).toEqual(mailbox('m1'));
  });
});
