import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxSchedule } from '../src/domain/mailbox-state.ts';
import { dueSessions } from '../src/scheduler/distributed/due-sessions.ts';
import { jobSchemaFor } from '../src/scheduler/distributed/job-schema.ts';
import { readSessionPayload } from '../src/scheduler/distributed/session-jobs.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { mailbox, ORG_ID } from './support/store-fixtures.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const NOW = new Date('2026-05-04T10:00:00.000Z');
const EARLIER = '2026-05-04T09:59:00.000Z';
const LATER = '2026-05-04T10:01:00.000Z';

function schedule(mailboxId: string, fields: Partial<MailboxSchedule>): MailboxSchedule {
  return { mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0, ...fields };
}

describe('due sessions', () => {
  it('plans new and due mailboxes only', () => {
    const schedules = [schedule('due', { nextSessionAt: EARLIER }), schedule('waiting', { nextSessionAt: LATER })];
    expect(dueSessions(['new', 'due', 'waiting'], schedules, new Set(), NOW)).toEqual([
      { mailboxId: 'new', trigger: 'schedule' },
      { mailboxId: 'due', trigger: 'schedule' },
    ]);
  });

  it('leaves mailboxes with a queued job alone', () => {
    expect(dueSessions(['due'], [schedule('due', { nextSessionAt: EARLIER })], new Set(['due']), NOW)).toEqual([]);
  });

  it('resumes an error suspension once resumeAt passed', () => {
    const schedules = [
      schedule('ready', { state: 'suspendedByError', resumeAt: EARLIER }),
      schedule('early', { state: 'suspendedByError', resumeAt: LATER }),
      schedule('user', { state: 'suspendedByUser', nextSessionAt: EARLIER }),
      schedule('gone', { state: 'disconnected', nextSessionAt: EARLIER }),
    ];
    expect(dueSessions(['ready', 'early', 'user', 'gone'], schedules, new Set(), NOW)).toEqual([{ mailboxId: 'ready', trigger: 'resume' }]);
  });

  it('repairs a syncing mailbox that has no job', () => {
    expect(dueSessions(['orphan'], [schedule('orphan', { state: 'syncing', nextSessionAt: LATER })], new Set(), NOW)).toEqual([{ mailboxId: 'orphan', trigger: 'schedule' }]);
  });
});

describe('session payload', () => {
  it('takes the strongest of merged triggers', () => {
    const payload = [
      { mailboxId: 'm1', trigger: 'notification' },
      { mailboxId: 'm1', trigger: 'resume' },
      { mailboxId: 'm1', trigger: 'notification' },
    ];
    expect(readSessionPayload(payload)).toEqual({ mailboxId: 'm1', trigger: 'resume', triggers: ['notification', 'resume'] });
  });

  it('rejects two mailboxes in one job', () => {
    expect(() => readSessionPayload([{ mailboxId: 'a', trigger: 'force' }, { mailboxId: 'b', trigger: 'force' }])).toThrow(/two mailboxes/);
  });

  it('rejects an unknown trigger', () => {
    expect(() => readSessionPayload({ mailboxId: 'a', trigger: 'often' })).toThrow(/trigger "often"/);
  });
});

describe('job schema', () => {
  it('follows the store schema', () => {
    expect(jobSchemaFor(undefined)).toBe('graphile_worker');
    expect(jobSchemaFor('syncline')).toBe('syncline_jobs');
    expect(() => jobSchemaFor('s'.repeat(60))).toThrow(/at most 63/);
  });
});

describe.each([
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
])('worker heartbeats on $name', ({ makeTarget }) => {
  const target: StoreTarget = makeTarget();
  let store: SynclineStore;

  beforeAll(async () => {
    store = await target.open();
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    await store.upsertMailbox(mailbox('m1'));
  });

  afterAll(async () => {
    await store?.close();
    await target.dispose();
  });

  it('lists workers whose beat stopped', async () => {
    await store.beatWorker('pool-a', EARLIER);
    await store.beatWorker('pool-b', EARLIER);
    await store.beatWorker('pool-b', LATER);
    expect(await store.listStaleWorkers(NOW.toISOString())).toEqual(['pool-a']);

    await store.forgetWorkers(['pool-a']);
    expect(await store.listStaleWorkers(LATER.replace('10:01', '10:05'))).toEqual(['pool-b']);
  });

  it('breaks a lease whoever holds it', async () => {
    expect(await store.acquireSessionLease('m1', 'dead-session', 60_000)).toBe(true);
    expect(await store.acquireSessionLease('m1', 'new-session', 60_000)).toBe(false);
    await store.breakSessionLease('m1');
    expect(await store.acquireSessionLease('m1', 'new-session', 60_000)).toBe(true);
  });
});
