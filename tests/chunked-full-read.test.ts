import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { MailboxEventSource, PullPage } from '../src/domain/connector.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { SyncStateStore } from '../src/domain/sync-store.ts';
import { FULL_READ_CHUNK_ENV, fullReadChunkSize } from '../src/sync/chunked-full-read.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

/**
 * The chunked full read against the Graph and Salesforce emulators: a first session of seven meetings read two at a
 * time, so the listing spans four chunks and a last step.
 */
const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
const MEETINGS = 7;
const CHUNK = 2;
const CHUNKED_COMMITS = Math.ceil(MEETINGS / CHUNK) + 1;

/** Meeting n on December n+1, 10:00 to 11:00 in Berlin (UTC+1 in winter). */
function meeting(n: number): { subject: string; day: string; startUtc: string; endUtc: string } {
  const day = `2026-12-${String(n + 1).padStart(2, '0')}`;
  return { subject: `Meeting ${n}`, day, startUtc: `${day}T09:00:00.000Z`, endUtc: `${day}T10:00:00.000Z` };
}

let harness: E2eHarness;
let previousChunk: string | undefined;

beforeEach(async () => {
  previousChunk = process.env[FULL_READ_CHUNK_ENV];
  process.env[FULL_READ_CHUNK_ENV] = String(CHUNK);
  harness = await E2eHarness.start({ window: WINDOW });
  await harness.seedMailbox(Array.from({ length: MEETINGS }, (_, n) => timedSeed(meeting(n).subject, meeting(n).day, '10:00', '11:00')));
});

afterEach(async () => {
  await harness.close();
  if (previousChunk === undefined) {
    delete process.env[FULL_READ_CHUNK_ENV];
  } else {
    process.env[FULL_READ_CHUNK_ENV] = previousChunk;
  }
});

/** Count the store's commits; from call `crashAt` of `method` on, each call throws as if the process died there. */
function watchCommits(crashAt = Number.POSITIVE_INFINITY, method: 'commitSession' | 'recordIntents' = 'commitSession'): { count: () => number; wrap: (store: SyncStateStore) => SyncStateStore } {
  let commits = 0;
  let calls = 0;
  return {
    count: () => commits,
    wrap: (store) =>
      new Proxy(store, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target);
          if (typeof value !== 'function') {
            return value;
          }
          return async (...args: unknown[]) => {
            if (property === method) {
              calls += 1;
              if (calls >= crashAt) {
                throw new Error(`simulated crash at ${method}`);
              }
            }
            if (property === 'commitSession') {
              commits += 1;
            }
            return value.apply(target, args);
          };
        },
      }),
  };
}

/**
 * Return the source with its listing's first item sent once more at the end, on a page of its own before the cursor,
 * as Graph may send an item again within one round.
 */
function repeatingFirstItem(source: MailboxEventSource): MailboxEventSource {
  async function* pages(inner: AsyncIterable<PullPage<CalendarEvent>>): AsyncGenerator<PullPage<CalendarEvent>> {
    let first: PullPage<CalendarEvent>['changes'][number] | undefined;
    for await (const page of inner) {
      first ??= page.changes[0];
      if (page.nextCursor === null || first === undefined) {
        yield page;
        continue;
      }
      yield { changes: page.changes, nextCursor: null };
      yield { changes: [first], nextCursor: page.nextCursor };
    }
  }
  return new Proxy(source, {
    get(target, property) {
      if (property === 'pullPages') {
        return (cursor: string | null, window: typeof WINDOW) => pages(target.pullPages!(cursor, window));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function crmSubjects(): Promise<string[]> {
  return (await harness.crmEvents()).map((record) => record.Subject ?? '').sort();
}

async function mailboxSubjects(): Promise<string[]> {
  return (await harness.mailboxInstances()).map((item) => item.subject).sort();
}

const allMeetings = () => Array.from({ length: MEETINGS }, (_, n) => meeting(n).subject);

describe('a full listing larger than one chunk', () => {
  it('syncs in chunks like a whole read', async () => {
    await harness.insertCrmEvents([{ Subject: 'Planned in Salesforce', StartDateTime: '2026-12-20T08:00:00.000Z', EndDateTime: '2026-12-20T09:00:00.000Z' }]);
    const commits = watchCommits();

    const report = await harness.runSession({ wrapStore: commits.wrap });
    expect(report.status).toBe('ok');
    expect(commits.count()).toBe(CHUNKED_COMMITS);
    expect(report.reads.mailbox).toBe(MEETINGS);
    expect(report.writes.crm).toEqual({ created: MEETINGS, updated: 0, deleted: 0 });
    expect(report.writes.mailbox).toEqual({ created: 1, updated: 0, deleted: 0 });
    const expected = [...allMeetings(), 'Planned in Salesforce'].sort();
    expect(await crmSubjects()).toEqual(expected);
    expect(await mailboxSubjects()).toEqual(expected);

    const next = watchCommits();
    const quiet = await harness.runSession({ wrapStore: next.wrap });
    expect(quiet.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(quiet.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    // The cursor was stored after the last chunk, so the next session reads a delta in one commit.
    expect(quiet.fullRead.mailbox).toBe(false);
    expect(next.count()).toBe(1);
  });

  // Two chunks are committed; the third dies before its writes, or after them at its commit.
  it.each([
    { where: 'before the third chunk writes', method: 'recordIntents' as const, landed: 2 * CHUNK },
    { where: 'at the third chunk\'s commit', method: 'commitSession' as const, landed: 3 * CHUNK },
  ])('survives a crash $where', async ({ method, landed }) => {
    await harness.insertCrmEvents([{ Subject: 'Planned in Salesforce', StartDateTime: '2026-12-20T08:00:00.000Z', EndDateTime: '2026-12-20T09:00:00.000Z' }]);
    const crashed = await harness.runSession({ wrapStore: watchCommits(3, method).wrap });
    expect(crashed.status).toBe('failed');
    expect(await crmSubjects()).toHaveLength(landed + 1);
    expect(await mailboxSubjects()).toEqual(allMeetings());

    const repair = await harness.runSession();
    expect(repair.status).toBe('ok');
    // Creates sent before a crash at the commit are found again by their sync ids, not made twice.
    expect(repair.writes.crm.created).toBe(MEETINGS - landed);
    expect(repair.writes.mailbox.created).toBe(1);
    const expected = [...allMeetings(), 'Planned in Salesforce'].sort();
    expect(await crmSubjects()).toEqual(expected);
    expect(await mailboxSubjects()).toEqual(expected);

    const quiet = await harness.runSession();
    expect(quiet.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(quiet.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('links a Salesforce twin listed later', async () => {
    const { mailboxSource } = harness.createSources();
    const listing = await mailboxSource.pullChanges(null, WINDOW);
    const last = listing.changes.at(-1);
    expect(last?.kind).toBe('upsert');
    const twin = meeting(allMeetings().indexOf(last?.kind === 'upsert' ? last.item.subject : ''));
    await harness.insertCrmEvents([{ Subject: twin.subject, StartDateTime: twin.startUtc, EndDateTime: twin.endUtc, Location: 'Room 4' }]);

    const commits = watchCommits();
    const report = await harness.runSession({ wrapStore: commits.wrap });
    expect(report.status).toBe('ok');
    expect(commits.count()).toBe(CHUNKED_COMMITS);
    expect(report.writes.crm.created).toBe(MEETINGS - 1);
    expect(report.writes.mailbox.created).toBe(0);
    expect(await crmSubjects()).toEqual(allMeetings());
    expect(await mailboxSubjects()).toEqual(allMeetings());
  });

  it('deletes what either side deleted', async () => {
    await harness.insertCrmEvents([{ Subject: 'Planned in Salesforce', StartDateTime: '2026-12-20T08:00:00.000Z', EndDateTime: '2026-12-20T09:00:00.000Z' }]);
    await harness.runSession();
    const { mailboxSource, crmSource } = harness.createSources();
    const listing = await mailboxSource.pullChanges(null, WINDOW);
    const deletedIds = listing.changes.flatMap((change) => (change.kind === 'upsert' && ['Meeting 1', 'Meeting 5'].includes(change.item.subject) ? [change.id] : []));
    expect(deletedIds).toHaveLength(2);
    const deletes = await mailboxSource.applyWrites(deletedIds.map((id) => ({ op: 'delete' as const, ref: id, id })));
    expect(deletes.every((result) => result.ok)).toBe(true);
    const planned = (await harness.crmEvents()).find((record) => record.Subject === 'Planned in Salesforce');
    const [crmDelete] = await crmSource.applyWrites([{ op: 'delete', ref: 'planned', id: planned?.Id ?? '' }]);
    expect(crmDelete?.ok).toBe(true);

    // A moved window makes the next session list both sides in full.
    const commits = watchCommits();
    const report = await harness.runSession({ wrapStore: commits.wrap, window: { ...WINDOW, start: '2026-11-02T00:00:00Z' } });
    expect(report.status).toBe('ok');
    expect(report.notes.join(' ')).toContain('the sync window moved');
    expect(commits.count()).toBe(Math.ceil((MEETINGS - 1) / CHUNK) + 1);
    expect(report.writes.crm).toEqual({ created: 0, updated: 0, deleted: 2 });
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 1 });
    const left = allMeetings().filter((subject) => subject !== 'Meeting 1' && subject !== 'Meeting 5');
    expect(await crmSubjects()).toEqual(left);
    expect(await mailboxSubjects()).toEqual(left);
  });

  it('counts a repeated item once', async () => {
    const commits = watchCommits();
    const report = await harness.runSession({ wrapStore: commits.wrap, wrapMailbox: repeatingFirstItem });
    expect(report.status).toBe('ok');
    expect(commits.count()).toBe(CHUNKED_COMMITS);
    expect(report.reads.mailbox).toBe(MEETINGS);
    expect(report.writes.crm).toEqual({ created: MEETINGS, updated: 0, deleted: 0 });
    expect(await crmSubjects()).toEqual(allMeetings());
  });

  it('notes un-sync rules once', async () => {
    await harness.insertCrmEvents([{ Subject: 'Meeting planned in Salesforce', StartDateTime: '2026-12-20T08:00:00.000Z', EndDateTime: '2026-12-20T09:00:00.000Z' }]);
    const commits = watchCommits();
    const odd = ['Meeting 1', 'Meeting 3', 'Meeting 5'];
    const report = await harness.runSession({ wrapStore: commits.wrap, policy: { unsync: [{ name: 'odd', subjectMatches: '^Meeting [135]$' }, { name: 'planned', subjectContains: 'planned' }] } });
    expect(report.status).toBe('ok');
    expect(commits.count()).toBe(CHUNKED_COMMITS);
    expect(report.notes.filter((note) => note.startsWith('Un-sync rules'))).toEqual([
      `Un-sync rules kept ${odd.length} mailbox events out of Salesforce and 1 Salesforce Events out of the mailbox`,
    ]);
    expect(await crmSubjects()).toEqual([...allMeetings().filter((subject) => !odd.includes(subject)), 'Meeting planned in Salesforce'].sort());
    expect(await mailboxSubjects()).toEqual(allMeetings());
  });

  it('reads one chunk whole', async () => {
    process.env[FULL_READ_CHUNK_ENV] = String(MEETINGS);
    const commits = watchCommits();
    const report = await harness.runSession({ wrapStore: commits.wrap });
    expect(report.status).toBe('ok');
    expect(commits.count()).toBe(1);
    expect(await crmSubjects()).toEqual(allMeetings());
  });
});

describe(FULL_READ_CHUNK_ENV, () => {
  it('reads small listings whole by default', async () => {
    delete process.env[FULL_READ_CHUNK_ENV];
    const commits = watchCommits();
    const report = await harness.runSession({ wrapStore: commits.wrap });
    expect(report.status).toBe('ok');
    expect(commits.count()).toBe(1);
    expect(report.reads.mailbox).toBe(MEETINGS);
    expect(await crmSubjects()).toEqual(allMeetings());
  });

  it('validates the chunk size', () => {
    expect(fullReadChunkSize({ [FULL_READ_CHUNK_ENV]: '1000' })).toBe(1000);
    expect(fullReadChunkSize({ [FULL_READ_CHUNK_ENV]: '0' })).toBeNull();
    // On by default: a listing of more than 2,000 items is read in chunks.
    expect(fullReadChunkSize({})).toBe(2000);
    expect(() => fullReadChunkSize({ [FULL_READ_CHUNK_ENV]: 'lots' })).toThrow(/SYNCLINE_FULL_READ_CHUNK=lots is invalid: set it to a whole number/);
  });
});
