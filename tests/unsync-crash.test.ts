import { afterEach, describe, expect, it } from 'vitest';

import type { SessionReport } from '../src/domain/session-report.ts';
import type { SyncPolicy } from '../src/sync/index.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { crashingStore } from './support/crashing-store.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

/**
 * A session that un-syncs pairs deletes their mailbox events, then crashes before its commit. The next session reads
 * those deletions again, because the cursor did not move. They are the engine's own un-sync, so the Salesforce Events
 * the rule keeps must stay. Each case runs with the listing read whole and read in chunks of two.
 */
const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
const MEETINGS = 7;
const TWO: Partial<SyncPolicy> = { unsync: [{ name: 'two', subjectMatches: '^Meeting (1|2)$' }] };
const UNSYNCED_MEETING_KEY = 'syncline:unsyncedMeeting';

const READS = [
  // Whole: the session commits once. Chunked: seven meetings are four chunk commits, then the last step's.
  { read: 'whole', chunk: '0', lastCommit: 1 },
  { read: 'chunked', chunk: '2', lastCommit: Math.ceil(MEETINGS / 2) + 1 },
];

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

async function start(chunk: string): Promise<E2eHarness> {
  previousChunk = process.env[FULL_READ_CHUNK_ENV];
  process.env[FULL_READ_CHUNK_ENV] = chunk;
  harness = await E2eHarness.start({ window: WINDOW });
  return harness;
}

function meetingSeeds() {
  return Array.from({ length: MEETINGS }, (_, n) => timedSeed(`Meeting ${n}`, `2026-12-${String(n + 1).padStart(2, '0')}`, '10:00', '11:00'));
}

async function subjects(world: E2eHarness): Promise<{ mailbox: string[]; crm: string[] }> {
  return {
    mailbox: (await world.mailboxInstances()).map((item) => item.subject).sort(),
    crm: (await world.crmEvents()).map((record) => record.Subject ?? '').sort(),
  };
}

function allMeetings(): string[] {
  return Array.from({ length: MEETINGS }, (_, n) => `Meeting ${n}`);
}

function noWrites(report: SessionReport) {
  return { mailbox: report.writes.mailbox, crm: report.writes.crm };
}

const NONE = { created: 0, updated: 0, deleted: 0 };

describe('un-sync interrupted by a crash', { timeout: 60_000 }, () => {
  it.each(READS)('keeps Events after commit crash ($read read)', async ({ chunk, lastCommit }) => {
    const world = await start(chunk);
    await world.seedMailbox(meetingSeeds());
    expect((await world.runSession()).status).toBe('ok');
    const crmIds = new Map((await world.crmEvents()).map((record) => [record.Subject ?? '', record.Id]));

    const crashed = await world.runSession({ policy: TWO, wrapStore: crashingStore(lastCommit, 'commitSession') });
    expect(crashed.status).toBe('failed');
    // The crash came after the mailbox deletes: only the commit that records the tombstones is missing.
    expect((await subjects(world)).mailbox).toEqual(allMeetings().filter((subject) => subject !== 'Meeting 1' && subject !== 'Meeting 2'));

    const repair = await world.runSession({ policy: TWO });
    expect(repair.status).toBe('ok');
    expect(repair.writes.crm).toEqual(NONE);
    expect(repair.notes).toContain("Un-synced 2 calendar events: removed from the mailbox and kept in Salesforce (by rule: 'two' 2)");
    const quiet = await world.runSession({ policy: TWO });
    expect(noWrites(quiet)).toEqual({ mailbox: NONE, crm: NONE });

    expect(await subjects(world)).toEqual({ mailbox: allMeetings().filter((subject) => subject !== 'Meeting 1' && subject !== 'Meeting 2'), crm: allMeetings() });
    // The pairs end as the completed un-sync leaves them: tombstones of the mailbox side that remember the meeting's UID.
    const { links } = await world.store.loadSyncState(world.mailbox.id, 'event');
    for (const subject of ['Meeting 1', 'Meeting 2']) {
      const link = links.find((candidate) => candidate.crmRecordId === crmIds.get(subject));
      expect(link?.tombstone).toBe('mailbox');
      expect(link?.base[UNSYNCED_MEETING_KEY]).toEqual(expect.any(String));
    }
    const quarantine = await world.store.listQuarantine(world.mailbox.id);
    expect(quarantine.map((entry) => entry.side)).toEqual(['mailbox', 'mailbox']);
    expect(quarantine.every((entry) => entry.reason?.includes("un-sync rule 'two'"))).toBe(true);
  });

  it.each(READS)('keeps Events after rule removal ($read read)', async ({ chunk, lastCommit }) => {
    const world = await start(chunk);
    await world.seedMailbox(meetingSeeds());
    await world.runSession();

    expect((await world.runSession({ policy: TWO, wrapStore: crashingStore(lastCommit, 'commitSession') })).status).toBe('failed');
    // The admin removes the rule before the repair: the deletes were still the engine's, so the Events stay.
    const repair = await world.runSession();
    expect(repair.writes.crm).toEqual(NONE);
    await world.runSession();

    expect((await subjects(world)).crm).toEqual(allMeetings());
    const { links } = await world.store.loadSyncState(world.mailbox.id, 'event');
    expect(links.filter((link) => link.tombstone === 'mailbox')).toHaveLength(2);
  });

  it('passes on a later deletion', async () => {
    const world = await start('0');
    const ids = await world.seedMailbox(meetingSeeds());
    await world.runSession();

    expect((await world.runSession({ policy: TWO, wrapStore: crashingStore(1, 'commitSession') })).status).toBe('failed');
    // Meeting 5 is deleted by a person between the crash and the repair: the default policy deletes its Event.
    const { mailboxSource } = world.createSources();
    expect((await mailboxSource.applyWrites([{ op: 'delete', ref: 'person', id: ids[5]! }]))[0]?.ok).toBe(true);
    await world.runSession({ policy: TWO });

    expect((await subjects(world)).crm).toEqual(allMeetings().filter((subject) => subject !== 'Meeting 5'));
  });

  it.each(READS)('keeps Event of first-sync pairing ($read read)', async ({ chunk }) => {
    const world = await start(chunk);
    const ids = await world.seedMailbox(meetingSeeds());
    // Meeting 3 is in Salesforce already, and only its mailbox copy carries the category the rule matches.
    await world.insertCrmEvents([{ Subject: 'Meeting 3', Location: 'Room 4', StartDateTime: '2026-12-04T09:00:00.000Z', EndDateTime: '2026-12-04T10:00:00.000Z' }]);
    await world.graphAdmin('POST', `/_admin/users/${encodeURIComponent(world.mailbox.address)}/events/${encodeURIComponent(ids[3]!)}/touch`, { changes: { categories: ['Personal'] } });
    const personal: Partial<SyncPolicy> = { unsync: [{ name: 'personal', category: 'Personal' }] };

    // Whole: the first sync commits once. Chunked: a crash repair reads whole, so the crash is at the last commit.
    const crashAt = chunk === '0' ? 1 : Math.ceil(MEETINGS / 2) + 1;
    expect((await world.runSession({ policy: personal, wrapStore: crashingStore(crashAt, 'commitSession') })).status).toBe('failed');
    expect((await subjects(world)).mailbox).not.toContain('Meeting 3');

    const repair = await world.runSession({ policy: personal });
    expect(repair.writes.mailbox.created).toBe(0);
    await world.runSession({ policy: personal });

    expect(await subjects(world)).toEqual({ mailbox: allMeetings().filter((subject) => subject !== 'Meeting 3'), crm: allMeetings() });
    const { links } = await world.store.loadSyncState(world.mailbox.id, 'event');
    expect(links.filter((link) => link.tombstone === 'mailbox')).toHaveLength(1);
  });
});
