import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultEventMapping } from '../src/mapping/index.ts';
import type { SyncPolicy } from '../src/sync/index.ts';
import { planSession } from '../src/sync/planner.ts';
import { defaultSyncPolicy } from '../src/sync/policy.ts';
import { applyReviews } from '../src/sync/reviews.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { event, linkFor, mailboxUpsert, plannerInput } from './support/planner-fixtures.ts';

const WINDOW = { start: '2026-10-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
const OWNER = 'alex.morgan@contoso.example.com';
const SAM = 'sam.lee@fabrikam.example.com';
const LUNCHES: Partial<SyncPolicy> = { unsync: [{ name: 'lunches', subjectContains: 'lunch' }] };

function attendee(address: string) {
  return { type: 'required' as const, status: { response: 'accepted' as const, time: '2026-11-01T00:00:00Z' }, emailAddress: { name: address, address } };
}

let harness: E2eHarness;

beforeEach(async () => {
  harness = await E2eHarness.start({ window: WINDOW, mailboxAddress: OWNER });
});

afterEach(async () => {
  await harness.close();
});

async function mailboxSubjects(): Promise<string[]> {
  return (await harness.mailboxInstances()).map((event) => event.subject).sort();
}

/** Eight lunches in the mailbox that Salesforce already contains, so a first sync pairs them instead of linking them. */
async function seedTwins(): Promise<void> {
  await harness.seedMailbox(Array.from({ length: 8 }, (_, index) => timedSeed(`Lunch ${index + 1}`, '2026-12-15', '12:00', '13:00')));
  await harness.insertCrmEvents(Array.from({ length: 8 }, (_, index) => ({ Subject: `Lunch ${index + 1}`, StartDateTime: '2026-12-15T11:00:00.000Z', EndDateTime: '2026-12-15T12:00:00.000Z' })));
}

describe('held first-sync un-sync removals', { timeout: 60_000 }, () => {
  it('keeps held ids, then confirm passes', async () => {
    await seedTwins();
    const held = await harness.runSession({ policy: LUNCHES });
    expect(held.status).toBe('needsReview');
    expect(held.notes.join('\n')).toMatch(/Held back 8 deletions in the mailbox \(8 of them by un-sync rules\)/);
    const firstIds = (await harness.store.listHeldDeletions(harness.mailbox.id)).map((entry) => entry.syncId);

    // A second session before anyone decides holds back the same pairs under the same ids (the API's version stays valid).
    const again = await harness.runSession({ policy: LUNCHES });
    expect(again.status).toBe('needsReview');
    expect((await harness.store.listHeldDeletions(harness.mailbox.id)).map((entry) => entry.syncId)).toEqual(firstIds);

    expect(await harness.store.decideHeldDeletions(harness.mailbox.id, 'confirm')).toBe(8);
    const confirmed = await harness.runSession({ policy: LUNCHES });
    expect(confirmed.status).toBe('ok');
    expect(confirmed.writes.mailbox.deleted).toBe(8);
    expect(await harness.store.listHeldDeletions(harness.mailbox.id)).toEqual([]);
    expect(await mailboxSubjects()).toEqual([]);
    expect((await harness.crmEvents()).length).toBe(8);
    const links = (await harness.store.loadSyncState(harness.mailbox.id, 'event')).links;
    expect(links.map((link) => link.tombstone)).toEqual(Array.from({ length: 8 }, () => 'mailbox'));
    expect(links.map((link) => link.syncId).sort()).toEqual([...firstIds].sort());

    const quiet = await harness.runSession({ policy: LUNCHES });
    expect(quiet.status).toBe('ok');
    expect(quiet.writes.mailbox.deleted).toBe(0);
  });

  it('reject links the pairs instead', async () => {
    await seedTwins();
    expect((await harness.runSession({ policy: LUNCHES })).status).toBe('needsReview');
    expect(await harness.store.decideHeldDeletions(harness.mailbox.id, 'reject')).toBe(8);

    const rejected = await harness.runSession({ policy: LUNCHES });
    expect(rejected.status).toBe('ok');
    expect(rejected.writes.mailbox.deleted).toBe(0);
    expect(rejected.writes.crm.created).toBe(0);
    expect(await harness.store.listHeldDeletions(harness.mailbox.id)).toEqual([]);
    const links = (await harness.store.loadSyncState(harness.mailbox.id, 'event')).links;
    expect(links).toHaveLength(8);
    expect(links.every((link) => link.tombstone === null)).toBe(true);
    expect((await mailboxSubjects()).length).toBe(8);
  });
});

describe('rejected un-sync removals', { timeout: 60_000 }, () => {
  it('held again only after rules change', async () => {
    await harness.seedMailbox(Array.from({ length: 8 }, (_, index) => timedSeed(`Lunch ${index + 1}`, '2026-12-15', '12:00', '13:00')));
    await harness.runSession();
    // A quiet session in between, as for a mailbox that has synced for a while.
    await harness.runSession();
    expect((await harness.runSession({ policy: LUNCHES })).status).toBe('needsReview');
    await harness.store.decideHeldDeletions(harness.mailbox.id, 'reject');

    const rejected = await harness.runSession({ policy: LUNCHES });
    expect(rejected.status).toBe('ok');
    expect(rejected.writes.mailbox.deleted).toBe(0);
    expect(rejected.writes.crm.created).toBe(0);
    expect((await harness.crmEvents()).length).toBe(8);
    const later = await harness.runSession({ policy: LUNCHES });
    expect(later.status).toBe('ok');
    expect(later.writes.mailbox.deleted).toBe(0);
    expect(await harness.store.listHeldDeletions(harness.mailbox.id)).toEqual([]);
    expect((await mailboxSubjects()).length).toBe(8);

    // A changed rule set reads the calendar in full and measures every event against it again.
    const changed = await harness.runSession({ policy: { unsync: [{ name: 'lunches', subjectContains: 'lunch' }, { name: 'dentist', subjectContains: 'dentist' }] } });
    expect(changed.status).toBe('needsReview');
    expect(changed.notes.join('\n')).toMatch(/Held back 8 deletions in the mailbox \(8 of them by un-sync rules\)/);
  });
});

describe('re-delivered copy of an un-synced meeting', { timeout: 60_000 }, () => {
  const uid = 'pricing-lunch-uid@fabrikam.example.com';
  const copy = (location: string) =>
    timedSeed('Lunch and learn: pricing', '2026-12-17', '12:00', '13:00', {
      iCalUId: uid,
      location: { displayName: location },
      organizer: { emailAddress: { name: 'Sam Lee', address: SAM } },
      attendees: [attendee(OWNER), attendee('kim@fabrikam.example.com')],
    });

  async function unsyncOneCopy(): Promise<string> {
    await harness.seedMailbox([copy('Room 1')]);
    await harness.runSession();
    const unsynced = await harness.runSession({ policy: LUNCHES });
    expect(unsynced.writes.mailbox.deleted).toBe(1);
    expect(await mailboxSubjects()).toEqual([]);
    const events = await harness.crmEvents();
    expect(events).toHaveLength(1);
    return events[0]!.Id;
  }

  it('links to the kept Event without rule', async () => {
    const kept = await unsyncOneCopy();
    await harness.seedMailbox([copy('Room 7')]);

    const redelivered = await harness.runSession();
    expect(redelivered.writes.crm.created).toBe(0);
    const events = await harness.crmEvents();
    expect(events.map((event) => [event.Id, event.Location])).toEqual([[kept, 'Room 7']]);
    const links = (await harness.store.loadSyncState(harness.mailbox.id, 'event')).links;
    expect(links.map((link) => [link.crmRecordId, link.tombstone])).toEqual([[kept, null]]);
    expect(Object.keys(links[0]!.base).some((key) => key.startsWith('syncline:'))).toBe(false);

    // A live pair again: an edit in Salesforce reaches the mailbox copy.
    const { crmSource } = harness.createSources();
    await crmSource.applyWrites([{ op: 'update', ref: 'edit', id: kept, patch: { Location: 'Canteen' }, expectedVersion: null }]);
    expect((await harness.runSession()).writes.mailbox.updated).toBe(1);
    expect((await harness.mailboxInstances()).map((event) => (event.location as { displayName?: string } | undefined)?.displayName)).toEqual(['Canteen']);
  });

  it('removed again while rule matches', async () => {
    const kept = await unsyncOneCopy();
    await harness.seedMailbox([copy('Room 7')]);

    const again = await harness.runSession({ policy: LUNCHES });
    expect(again.writes.crm.created).toBe(0);
    expect(again.writes.mailbox.deleted).toBe(1);
    expect(await mailboxSubjects()).toEqual([]);
    expect((await harness.crmEvents()).map((event) => event.Id)).toEqual([kept]);
    const links = (await harness.store.loadSyncState(harness.mailbox.id, 'event')).links;
    expect(links.map((link) => [link.crmRecordId, link.tombstone])).toEqual([[kept, 'mailbox']]);
  });
});

describe('rejected removal of a linked pair', () => {
  it('writes nothing without reading Salesforce', async () => {
    const links = [linkFor('s1', 'm1', 'c1')];
    const mailboxStates = new Map([['m1', mailboxUpsert('m1', event({ subject: 'Team lunch' }), 'ck-2')]]);
    const plan = planSession(plannerInput({ links, mailbox: mailboxStates, policy: { ...defaultSyncPolicy, ...LUNCHES } }));
    expect(plan.actions.map((action) => action.unsyncRule)).toEqual(['lunches']);

    const reviewed = await applyReviews({
      mailboxId: 'mbx-1',
      objectKind: 'event',
      mapping: defaultEventMapping,
      links,
      actions: plan.actions,
      review: { held: [{ mailboxId: 'mbx-1', objectKind: 'event', syncId: 's1', side: 'mailbox', itemId: 'm1', heldAt: '2026-12-01T10:00:00.000Z', decision: 'reject' }], restores: [], undos: [] },
      mailboxStates,
      crmStates: new Map(),
      readMailbox: async () => new Map(),
    });
    expect(reviewed.actions).toEqual([]);
  });
});
