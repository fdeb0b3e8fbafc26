import { afterEach, describe, expect, it } from 'vitest';

import type { SyncPolicy } from '../src/sync/index.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { crashingStore } from './support/crashing-store.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

/**
 * Finishing an un-sync that a crash interrupted. Each test compares the crash with what the same sessions do without
 * it, because the Salesforce Events an un-sync rule keeps must stay.
 */
const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
const MEETINGS = 10;
const FOUR: Partial<SyncPolicy> = { unsync: [{ name: 'four', subjectMatches: '^Meeting [1-4]$' }] };

let previousChunk: string | undefined;
let harness: E2eHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (previousChunk === undefined) {
    delete process.env[FULL_READ_CHUNK_ENV];
  } else {
    process.env[FULL_READ_CHUNK_ENV] = previousChunk;
  }
});

async function start(): Promise<E2eHarness> {
  previousChunk = process.env[FULL_READ_CHUNK_ENV];
  process.env[FULL_READ_CHUNK_ENV] = '0';
  harness = await E2eHarness.start({ window: WINDOW });
  return harness;
}

function meetingSeeds() {
  return Array.from({ length: MEETINGS }, (_, n) => timedSeed(`Meeting ${n}`, `2026-12-${String(n + 1).padStart(2, '0')}`, '10:00', '11:00'));
}

async function crmSubjects(world: E2eHarness): Promise<string[]> {
  return (await world.crmEvents()).map((record) => record.Subject ?? '').sort();
}

async function deleteCrmEvents(world: E2eHarness, subjects: readonly string[]): Promise<void> {
  const ids = (await world.crmEvents()).filter((record) => subjects.includes(record.Subject ?? '')).map((record) => record.Id);
  const { crmSource } = world.createSources();
  const results = await crmSource.applyWrites(ids.map((id) => ({ op: 'delete' as const, ref: id, id })));
  expect(results.every((result) => result.ok)).toBe(true);
}

describe('finishing an interrupted un-sync, more cases', { timeout: 90_000 }, () => {
  it('breaker skips the finish', async () => {
    const world = await start();
    await world.seedMailbox(meetingSeeds());
    expect((await world.runSession()).status).toBe('ok');

    // Four un-syncs pass the breaker, which always allows five deletions. The session dies before its commit.
    expect((await world.runSession({ policy: FOUR, wrapStore: crashingStore(1, 'commitSession') })).status).toBe('failed');
    // Meanwhile someone deletes two Salesforce Events, so the repair's mailbox deletions are 4 + 2, beyond the breaker.
    await deleteCrmEvents(world, ['Meeting 8', 'Meeting 9']);
    // The un-sync's own deletes are done already, so the breaker does not count them.
    const review = await world.runSession({ policy: FOUR });
    expect(review.status).toBe('ok');

    // No admin has decided yet. The next sessions must not turn the un-sync's own deletes into Salesforce deletions.
    await world.runSession({ policy: FOUR });
    await world.runSession({ policy: FOUR });

    const expected = Array.from({ length: 8 }, (_, n) => `Meeting ${n}`);
    expect(await crmSubjects(world)).toEqual(expected);
  });

  it.each([
    { crash: false, rule: false, label: 'without a crash, rule removed' },
    { crash: true, rule: false, label: 'after a commit crash, rule removed' },
    { crash: false, rule: true, label: 'without a crash, rule kept' },
    { crash: true, rule: true, label: 'after a commit crash, rule kept' },
  ])('relinks redelivered copy ($label)', async ({ crash, rule }) => {
    const world = await start();
    const seeds = meetingSeeds();
    await world.seedMailbox(seeds);
    await world.runSession();

    const unsyncing = await world.runSession({ policy: FOUR, ...(crash ? { wrapStore: crashingStore(1, 'commitSession') } : {}) });
    expect(unsyncing.status).toBe(crash ? 'failed' : 'ok');
    // The organizer's update puts a new copy of Meeting 1 (same UID) into the calendar before the next session.
    await world.seedMailbox([timedSeed('Meeting 1', '2026-12-02', '12:00', '13:00', { iCalUId: seeds[1]!.iCalUId })]);
    const policy = rule ? FOUR : {};
    await world.runSession({ policy });
    await world.runSession({ policy });

    // With the rule removed the copy syncs with the Event the un-sync kept, and with the rule kept the copy is removed
    // again. Either way the meeting has one Salesforce Event.
    expect((await crmSubjects(world)).filter((subject) => subject === 'Meeting 1')).toHaveLength(1);
    expect(await world.crmEvents()).toHaveLength(MEETINGS);
    expect((await world.mailboxInstances()).some((item) => item.subject === 'Meeting 1')).toBe(!rule);
  });

  it('person deletion before the delete', async () => {
    const world = await start();
    const ids = await world.seedMailbox(meetingSeeds());
    await world.runSession();

    // Meeting 5 changes, so the next session writes to Salesforce. The process dies during that write, before the
    // un-sync's mailbox deletes are sent, and the plan recorded before the writes names the four un-syncs.
    const route = `/_admin/users/${encodeURIComponent(world.mailbox.address)}/events/${encodeURIComponent(ids[5]!)}/touch`;
    await world.graphAdmin('POST', route, { changes: { subject: 'Meeting 5 moved' } });
    const dying = await world.runSession({
      policy: FOUR,
      wrapCrm: (source) => ({ ...source, applyWrites: () => Promise.reject(new Error('simulated crash during the Salesforce write')) }),
    });
    expect(dying.status).toBe('failed');
    expect((await world.mailboxInstances()).map((item) => item.subject)).toContain('Meeting 1');

    // The admin removes the rule, and the person deletes Meeting 1 from the calendar, a deletion like any other.
    const { mailboxSource } = world.createSources();
    expect((await mailboxSource.applyWrites([{ op: 'delete', ref: 'person', id: ids[1]! }]))[0]?.ok).toBe(true);
    const repair = await world.runSession();
    expect(repair.status).toBe('ok');

    expect(await crmSubjects(world)).not.toContain('Meeting 1');
    // The person's deletion reached Salesforce like any other: its quarantine entry is the Salesforce Event's.
    const entries = await world.store.listQuarantine(world.mailbox.id);
    expect(entries.map((entry) => entry.side)).toEqual(['crm']);
    expect(entries.map((entry) => entry.reason).join(' ')).not.toContain('un-sync');
  });

  it('second crash in the repair', async () => {
    const world = await start();
    const ids = await world.seedMailbox(meetingSeeds());
    expect((await world.runSession()).status).toBe('ok');

    // The un-sync deletes four mailbox events, then the process dies before its commit.
    expect((await world.runSession({ policy: FOUR, wrapStore: crashingStore(1, 'commitSession') })).status).toBe('failed');

    // Meeting 5 changes, so the repair session writes to Salesforce. The process dies again during that write.
    const route = `/_admin/users/${encodeURIComponent(world.mailbox.address)}/events/${encodeURIComponent(ids[5]!)}/touch`;
    await world.graphAdmin('POST', route, { changes: { subject: 'Meeting 5 moved' } });
    const dying = await world.runSession({
      policy: FOUR,
      wrapCrm: (source) => ({ ...source, applyWrites: () => Promise.reject(new Error('simulated crash during the Salesforce write')) }),
    });
    expect(dying.status).toBe('failed');

    // The next sessions must still read the four deletions as the engine's un-sync, not as a person's.
    expect((await world.runSession({ policy: FOUR })).status).toBe('ok');
    await world.runSession({ policy: FOUR });

    const expected = [...Array.from({ length: MEETINGS }, (_, n) => `Meeting ${n}`).filter((s) => s !== 'Meeting 5'), 'Meeting 5 moved'].sort();
    expect(await crmSubjects(world)).toEqual(expected);
  });
});
