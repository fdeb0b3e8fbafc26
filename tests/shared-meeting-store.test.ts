import { afterEach, describe, expect, it } from 'vitest';

import type { SynclineStore } from '../src/store/index.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const TARGETS: readonly [string, () => StoreTarget][] = [
  ['SQLite', sqliteFileTarget],
  ['PostgreSQL', postgresSchemaTarget],
];
const AT = '2026-12-01T09:00:00.000Z';

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) {
    await step();
  }
  cleanup = [];
});

/** Open `count` stores on one target in turn (so one migrates), as that many worker processes would. */
async function openStores(target: StoreTarget, count: number): Promise<SynclineStore[]> {
  cleanup.push(() => target.dispose());
  const stores: SynclineStore[] = [];
  for (let index = 0; index < count; index += 1) {
    const store = await target.open();
    cleanup.push(() => store.close());
    stores.push(store);
  }
  return stores;
}

describe.each(TARGETS)('shared meeting owners on %s', (_name, makeTarget) => {
  it('concurrent claims: one owner each', async () => {
    const stores = await openStores(makeTarget(), 4);
    const keys = Array.from({ length: 40 }, (_, index) => `meeting-${index}`);
    const claimers = Array.from({ length: 8 }, (_, index) => `mbx-${index}`);

    // Each claimer takes the keys in its own order, so the races fall differently per key.
    const results = await Promise.all(claimers.map((mailboxId, index) => {
      const order = [...keys.slice(index * 5), ...keys.slice(0, index * 5)];
      return stores[index % stores.length]!.claimSharedMeetings('org-1', mailboxId, order, AT);
    }));

    const owners = await stores[0]!.findSharedMeetings('org-1', keys);
    expect(owners.size).toBe(keys.length);
    for (const result of results) {
      // Every claimer reads the same winner, and the winner is one of the claimers.
      expect([...result.values()].map((owner) => [owner.meetingKey, owner.ownerMailboxId]).sort()).toEqual([...owners.values()].map((owner) => [owner.meetingKey, owner.ownerMailboxId]).sort());
    }
    expect([...owners.values()].every((owner) => claimers.includes(owner.ownerMailboxId) && owner.crmRecordId === null)).toBe(true);
    // Another org's meeting with the same key is a different meeting.
    expect((await stores[1]!.claimSharedMeetings('org-2', 'mbx-x', ['meeting-0'], AT)).get('meeting-0')?.ownerMailboxId).toBe('mbx-x');
  });

  it('settle and copies: owner only, latest', async () => {
    const [store] = await openStores(makeTarget(), 1);
    await store!.claimSharedMeetings('org-1', 'mbx-a', ['m1'], AT);
    // A later claim never takes a meeting over.
    expect((await store!.claimSharedMeetings('org-1', 'mbx-b', ['m1'], AT)).get('m1')?.ownerMailboxId).toBe('mbx-a');
    await store!.settleSharedMeetings('org-1', 'mbx-b', [{ meetingKey: 'm1', crmRecordId: '00U000000000002AAA' }]);
    expect((await store!.findSharedMeetings('org-1', ['m1'])).get('m1')?.crmRecordId).toBeNull();
    await store!.settleSharedMeetings('org-1', 'mbx-a', [{ meetingKey: 'm1', crmRecordId: '00U000000000001AAA' }]);
    expect((await store!.findSharedMeetings('org-1', ['m1'])).get('m1')).toEqual({ meetingKey: 'm1', ownerMailboxId: 'mbx-a', crmRecordId: '00U000000000001AAA' });

    await store!.recordSharedMeetingCopies('org-1', [{ meetingKey: 'm1', mailboxId: 'mbx-b', address: 'b@contoso.example.com', response: 'accepted' }], AT);
    await store!.recordSharedMeetingCopies('org-1', [{ meetingKey: 'm1', mailboxId: 'mbx-b', address: 'b@contoso.example.com', response: 'declined' }], AT);
    expect(await store!.listSharedMeetingCopies('org-1', ['m1', 'm2'])).toEqual([
      { meetingKey: 'm1', mailboxId: 'mbx-b', address: 'b@contoso.example.com', response: 'declined', mailboxItemId: null, deferredAt: null },
    ]);

    await store!.truncateAll();
    expect((await store!.findSharedMeetings('org-1', ['m1'])).size).toBe(0);
    expect(await store!.listSharedMeetingCopies('org-1', ['m1'])).toEqual([]);
  });

  it('waiting copies: first wait kept, read again until owned', async () => {
    const [store] = await openStores(makeTarget(), 1);
    const later = '2026-12-01T10:00:00.000Z';
    const copy = { meetingKey: 'm1', mailboxId: 'mbx-b', address: 'b@contoso.example.com', response: 'accepted', mailboxItemId: 'item-b1' };
    await store!.recordSharedMeetingCopies('org-1', [{ ...copy, deferredAt: AT }], AT);
    await store!.recordSharedMeetingCopies('org-1', [{ ...copy, deferredAt: later }, { ...copy, meetingKey: 'm2', mailboxItemId: 'item-b2', deferredAt: null }], later);
    expect((await store!.listSharedMeetingCopies('org-1', ['m1'])).map((row) => row.deferredAt)).toEqual([AT]);
    expect(await store!.listUnownedMeetingCopies('org-1', 'mbx-b')).toEqual([{ meetingKey: 'm1', mailboxItemId: 'item-b1' }, { meetingKey: 'm2', mailboxItemId: 'item-b2' }]);
    expect(await store!.listUnownedMeetingCopies('org-1', 'mbx-c')).toEqual([]);

    await store!.claimSharedMeetings('org-1', 'mbx-a', ['m1'], AT);
    await store!.forgetMeetingCopyItems('org-1', 'mbx-b', ['item-b2']);
    expect(await store!.listUnownedMeetingCopies('org-1', 'mbx-b')).toEqual([]);

    // The owner's pair ends: the meeting has no owner again, and the copy is read again.
    await store!.settleSharedMeetings('org-1', 'mbx-a', [{ meetingKey: 'm1', crmRecordId: 'evt-1' }]);
    expect(await store!.releaseSharedMeetings('org-1', 'mbx-c', ['evt-1'])).toBe(0);
    expect(await store!.releaseSharedMeetings('org-1', 'mbx-a', ['evt-1'])).toBe(1);
    expect(await store!.listUnownedMeetingCopies('org-1', 'mbx-b')).toEqual([{ meetingKey: 'm1', mailboxItemId: 'item-b1' }]);
  });

  it('holder states: schedule and last finished session', async () => {
    const [store] = await openStores(makeTarget(), 1);
    await store!.upsertOrg({ id: 'org-1', name: 'Contoso' });
    await store!.upsertMailbox({ id: 'mbx-a', orgId: 'org-1', kind: 'graph', address: 'a@contoso.example.com', timeZone: 'UTC' });
    await store!.saveSchedule({ mailboxId: 'mbx-a', state: 'suspendedByUser', reason: 'away', resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0 });
    await store!.recordSharedMeetingSession('org-1', 'mbx-b', AT, AT);
    await store!.recordSharedMeetingSession('org-1', 'mbx-b', '2026-12-01T11:00:00.000Z', '2026-12-01T11:01:00.000Z');
    const states = await store!.sharedMeetingHolderStates('org-1', ['mbx-a', 'mbx-b']);
    expect(states.get('mbx-a')).toEqual({ state: 'suspendedByUser', lastSessionStartedAt: null });
    expect(states.get('mbx-b')).toEqual({ state: null, lastSessionStartedAt: '2026-12-01T11:00:00.000Z' });
  });
});
