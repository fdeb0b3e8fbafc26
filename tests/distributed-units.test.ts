import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobHelpers } from 'graphile-worker';
import type { MailboxSchedule, SessionTrigger } from '../src/domain/mailbox-state.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { releaseAbandonedSessions } from '../src/scheduler/abandoned-sessions.ts';
import { reconcileSchedules, REMOVED_FROM_CONFIGURATION } from '../src/scheduler/configured-mailboxes.ts';
import { suspendAfterRepeatedDeaths } from '../src/scheduler/distributed/dead-session-jobs.ts';
import { planDueSessions, type QueuedSessionJob } from '../src/scheduler/distributed/due-sessions.ts';
import { jobSchemaFor } from '../src/scheduler/distributed/job-schema.ts';
import { MailboxLocks } from '../src/scheduler/distributed/mailbox-locks.ts';
import { readSessionPayload } from '../src/scheduler/distributed/session-jobs.ts';
import { createSessionTask } from '../src/scheduler/distributed/session-task.ts';
import type { SynclineDatabase } from '../src/store/database.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { migrationProvider } from '../src/store/migrations/index.ts';
import { ensureSchema, openPostgresDatabase } from '../src/store/open-postgres.ts';
import { openSqliteDatabase } from '../src/store/open-sqlite.ts';
import { mailbox, ORG_ID } from './support/store-fixtures.ts';
import { postgresSchemaTarget, sqliteFileTarget, TEST_POSTGRES_URL, type StoreTarget } from './support/store-targets.ts';

const NOW = new Date('2026-05-04T10:00:00.000Z');
const EARLIER = '2026-05-04T09:59:00.000Z';
const LATER = '2026-05-04T10:01:00.000Z';
const logger = createSilentLogger();

function schedule(mailboxId: string, fields: Partial<MailboxSchedule>): MailboxSchedule {
  return { mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0, ...fields };
}

function job(fields: Partial<QueuedSessionJob> = {}): QueuedSessionJob {
  return { jobId: '7', attempts: 0, maxAttempts: 5, locked: false, ...fields };
}

describe('due session plan', () => {
  it('queues due mailboxes without a job', () => {
    const due = [schedule('due', { nextSessionAt: EARLIER }), schedule('orphan', { state: 'syncing', nextSessionAt: EARLIER }), schedule('retry', { state: 'suspendedByError', resumeAt: EARLIER })];
    expect(planDueSessions(due, new Map()).enqueue).toEqual([
      { mailboxId: 'due', trigger: 'schedule' },
      { mailboxId: 'orphan', trigger: 'schedule' },
      { mailboxId: 'retry', trigger: 'resume' },
    ]);
  });

  it('leaves mailboxes with a live job alone', () => {
    const jobs = new Map([
      ['pending', job()],
      ['retrying', job({ attempts: 3 })],
      ['last', job({ attempts: 5, locked: true })],
    ]);
    const due = ['pending', 'retrying', 'last'].map((id) => schedule(id, { nextSessionAt: EARLIER }));
    expect(planDueSessions(due, jobs)).toEqual({ enqueue: [], dead: [] });
  });

  it('reports a job out of attempts', () => {
    const plan = planDueSessions([schedule('stuck', { state: 'syncing', nextSessionAt: EARLIER })], new Map([['stuck', job({ jobId: '42', attempts: 5 })]]));
    expect(plan).toEqual({ enqueue: [], dead: [{ mailboxId: 'stuck', jobId: '42', attempts: 5 }] });
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
])('distributed store on $name', ({ makeTarget }) => {
  const target: StoreTarget = makeTarget();
  let store: SynclineStore;

  beforeAll(async () => {
    store = await target.open();
  });

  beforeEach(async () => {
    await store.truncateAll();
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']) {
      await store.upsertMailbox(mailbox(id));
    }
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
    expect(await store.listLiveWorkers(NOW.toISOString())).toEqual(['pool-b']);

    await store.forgetWorkers(['pool-a']);
    expect(await store.listStaleWorkers(LATER.replace('10:01', '10:05'))).toEqual(['pool-b']);
  });

  it.each([
    { trigger: 'changeStream', runs: ['changeStream'], putBack: 0 },
    { trigger: 'notification', runs: [], putBack: 1 },
  ] as const)('session task coalesces only $trigger notifications', async ({ trigger, runs, putBack }) => {
    await store.saveSchedule(schedule('m1', { nextSessionAt: LATER, lastSessionAt: new Date(NOW.getTime() - 10_000).toISOString() }));
    const started: SessionTrigger[] = [];
    const added: unknown[] = [];
    const locks = new MailboxLocks(TEST_POSTGRES_URL, 1, logger);
    const task = createSessionTask({
      runner: { runSession: async (_mailboxId, sessionTrigger) => (started.push(sessionTrigger), null) },
      store,
      locks,
      coalesceMs: 60_000,
      busyRetryMs: 1_000,
      logger,
      now: () => NOW,
      scheduleNow: () => NOW,
      activeRuns: new Map(),
    });
    const helpers = { job: { id: '1', attempts: 1, max_attempts: 5 }, addJob: async (...args: unknown[]) => void added.push(args) } as unknown as JobHelpers;

    try {
      await task([{ mailboxId: 'm1', trigger }], helpers);
    } finally {
      await locks.close();
    }
    expect(started).toEqual(runs);
    expect(added).toHaveLength(putBack);
  });

  it('breaks a lease whoever holds it', async () => {
    expect(await store.acquireSessionLease('m1', 'dead-session', 60_000)).toBe(true);
    expect(await store.acquireSessionLease('m1', 'new-session', 60_000)).toBe(false);
    await store.breakSessionLease('m1');
    expect(await store.acquireSessionLease('m1', 'new-session', 60_000)).toBe(true);
  });

  it('lists due rows oldest first', async () => {
    await store.saveSchedule(schedule('m1', { nextSessionAt: EARLIER }));
    await store.saveSchedule(schedule('m2', { nextSessionAt: LATER }));
    await store.saveSchedule(schedule('m3', { state: 'suspendedByError', resumeAt: '2026-05-04T09:00:00.000Z' }));
    await store.saveSchedule(schedule('m4', { state: 'suspendedByUser', nextSessionAt: EARLIER }));
    await store.saveSchedule(schedule('m5', { state: 'disconnected', resumeAt: EARLIER }));
    await store.saveSchedule(schedule('m6', { nextSessionAt: null }));

    const due = await store.listDueSchedules(NOW.toISOString(), 10);
    expect(due.map((row) => row.mailboxId)).toEqual(['m6', 'm3', 'm1']);
    expect(due[1]).toEqual(schedule('m3', { state: 'suspendedByError', resumeAt: '2026-05-04T09:00:00.000Z' }));
    expect((await store.listDueSchedules(NOW.toISOString(), 2)).map((row) => row.mailboxId)).toEqual(['m6', 'm3']);
    expect((await store.listDueSchedules(LATER, 10)).map((row) => row.mailboxId)).toEqual(['m6', 'm3', 'm1', 'm2']);
  });

  it('follows state changes in due rows', async () => {
    await store.saveSchedule(schedule('m1', { nextSessionAt: EARLIER }));
    await store.saveSchedule(schedule('m1', { state: 'suspendedByUser', nextSessionAt: null, reason: 'holiday' }));
    expect(await store.listDueSchedules(NOW.toISOString(), 10)).toEqual([]);
    await expect(store.listDueSchedules(NOW.toISOString(), 0)).rejects.toThrow(/limit must be a whole number of 1 or more, got 0/);
  });

  it('adds only missing schedules', async () => {
    await store.saveSchedule(schedule('m1', { nextSessionAt: LATER, lastStatus: 'ok' }));
    const added = await store.addMissingSchedules([schedule('m1', { nextSessionAt: EARLIER }), schedule('m2', { nextSessionAt: EARLIER })]);
    expect(added).toEqual(['m2']);
    expect(await store.loadSchedule('m1')).toMatchObject({ nextSessionAt: LATER, lastStatus: 'ok' });
    expect(await store.loadSchedule('m2')).toMatchObject({ state: 'active', nextSessionAt: EARLIER });
  });

  it('reconciles with the configuration', async () => {
    await store.saveSchedule(schedule('m1', { nextSessionAt: LATER }));
    await store.saveSchedule(schedule('m2', { state: 'disconnected', reason: REMOVED_FROM_CONFIGURATION }));
    await store.saveSchedule(schedule('m3', { state: 'syncing', nextSessionAt: EARLIER }));

    const result = await reconcileSchedules(store, ['m1', 'm2', 'm4', 'm5', 'm6'], NOW, logger);
    expect(result).toEqual({ added: ['m4', 'm5', 'm6'], reconnected: ['m2'], disconnected: ['m3'] });
    expect(await store.loadSchedule('m1')).toMatchObject({ state: 'active', nextSessionAt: LATER });
    expect(await store.loadSchedule('m2')).toMatchObject({ state: 'active', reason: null, nextSessionAt: NOW.toISOString() });
    expect(await store.loadSchedule('m3')).toMatchObject({ state: 'disconnected', reason: REMOVED_FROM_CONFIGURATION, nextSessionAt: null });
    expect(await store.loadSchedule('m4')).toMatchObject({ state: 'active', nextSessionAt: NOW.toISOString() });

    // A second process with the same configuration changes nothing.
    expect(await reconcileSchedules(store, ['m1', 'm2', 'm4', 'm5', 'm6'], NOW, logger)).toEqual({ added: [], reconnected: [], disconnected: [] });
  });

  it('suspends a mailbox whose jobs keep dying', async () => {
    await store.saveSchedule(schedule('m1', { state: 'syncing', nextSessionAt: EARLIER, failureCount: 1 }));
    expect(await store.acquireSessionLease('m1', 'dead-session', 60_000)).toBe(true);

    const saved = await suspendAfterRepeatedDeaths(store, { mailboxId: 'm1', cutRuns: 4, now: NOW, random: () => 0.5 }, logger);

    // The second failure in a row waits 15 minutes before the automatic resume.
    const resumeAt = '2026-05-04T10:15:00.000Z';
    expect(saved).toMatchObject({ state: 'suspendedByError', resumeAt, failureCount: 2 });
    expect(await store.loadSchedule('m1')).toEqual(saved);
    expect(saved?.reason).toMatch(/^4 sessions in a row did not finish/);
    expect(await store.acquireSessionLease('m1', 'resume-session', 60_000)).toBe(true);
    expect((await store.listDueSchedules(resumeAt, 10)).map((row) => row.mailboxId)).toEqual(['m1']);
  });

  it('keeps a person suspension over dying jobs', async () => {
    await store.saveSchedule(schedule('m1', { state: 'suspendedByUser', reason: 'holiday' }));
    expect(await suspendAfterRepeatedDeaths(store, { mailboxId: 'm1', cutRuns: 4, now: NOW }, logger)).toBeNull();
    expect(await store.loadSchedule('m1')).toMatchObject({ state: 'suspendedByUser', reason: 'holiday' });
  });

  it('releases abandoned sessions', async () => {
    await store.saveSchedule(schedule('m1', { state: 'syncing', nextSessionAt: EARLIER }));
    await store.saveSchedule(schedule('m2', { state: 'suspendedByUser', reason: 'holiday' }));
    expect(await store.acquireSessionLease('m1', 'cut-session', 60_000)).toBe(true);
    expect(await store.acquireSessionLease('m2', 'cut-session-2', 60_000)).toBe(true);

    await releaseAbandonedSessions(store, ['m1', 'm2'], NOW, logger);

    expect(await store.loadSchedule('m1')).toMatchObject({ state: 'active', nextSessionAt: NOW.toISOString() });
    expect(await store.loadSchedule('m2')).toMatchObject({ state: 'suspendedByUser', reason: 'holiday' });
    expect(await store.acquireSessionLease('m1', 'next-session', 60_000)).toBe(true);
    expect(await store.acquireSessionLease('m2', 'next-session', 60_000)).toBe(true);
  });
});

describe('due_at migration', () => {
  const rows = [
    { mailbox_id: 'm1', state: 'active', next_session_at: EARLIER, resume_at: null },
    { mailbox_id: 'm2', state: 'active', next_session_at: null, resume_at: null },
    { mailbox_id: 'm3', state: 'suspendedByError', next_session_at: null, resume_at: EARLIER },
    { mailbox_id: 'm4', state: 'suspendedByUser', next_session_at: EARLIER, resume_at: null },
    { mailbox_id: 'm5', state: 'syncing', next_session_at: LATER, resume_at: null },
  ];

  /** Bring a database to migration 0007, write schedule rows the way that version did, then open it as the store. */
  const backfilled = async (db: Kysely<SynclineDatabase>, migrationTableSchema: string | undefined, reopen: () => Promise<SynclineStore>): Promise<string[]> => {
    const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
    const { error } = await migrator.migrateTo('0007-planned-bases');
    expect(error).toBeUndefined();
    await sql`insert into orgs (id, name) values (${ORG_ID}, 'Contoso')`.execute(db);
    for (const row of rows) {
      await sql`insert into mailboxes (id, org_id, kind, address, time_zone) values (${row.mailbox_id}, ${ORG_ID}, 'graph', ${`${row.mailbox_id}@contoso.example`}, 'UTC')`.execute(db);
      await sql`insert into mailbox_schedules (mailbox_id, state, next_session_at, resume_at, failure_count) values (${row.mailbox_id}, ${row.state}, ${row.next_session_at}, ${row.resume_at}, 0)`.execute(db);
    }
    await db.destroy();

    const store = await reopen();
    try {
      return (await store.listDueSchedules(LATER, 10)).map((schedule) => schedule.mailboxId);
    } finally {
      await store.close();
    }
  };

  it('backfills due_at on sqlite', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-due-at-'));
    const file = path.join(folder, 'syncline.db');
    try {
      const due = await backfilled(openSqliteDatabase(file), undefined, () => openStore({ kind: 'sqlite', path: file }, logger));
      expect(due).toEqual(['m2', 'm1', 'm3', 'm5']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('backfills due_at on postgres', async () => {
    const schema = `syncline_due_at_${process.pid}_${Date.now().toString(36)}`;
    const db = openPostgresDatabase({ connectionString: TEST_POSTGRES_URL, schema }, logger);
    try {
      await ensureSchema(db, schema, TEST_POSTGRES_URL);
      const due = await backfilled(db, schema, () => openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, logger));
      expect(due).toEqual(['m2', 'm1', 'm3', 'm5']);
    } finally {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });
});
