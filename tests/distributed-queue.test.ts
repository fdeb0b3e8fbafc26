import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionTrigger } from '../src/domain/mailbox-state.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createDistributedScheduler } from '../src/scheduler/distributed/distributed-scheduler.ts';
import { jobSchemaFor } from '../src/scheduler/distributed/job-schema.ts';
import { openSessionQueueClient, type SessionQueueClient } from '../src/scheduler/distributed/queue-client.ts';
import { newSchedule } from '../src/scheduler/mailbox-states.ts';
import type { Scheduler } from '../src/scheduler/scheduler.ts';
import { createSessionRunner } from '../src/scheduler/session-runner.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { outcomeReport } from './support/schedule-fixtures.ts';
import { mailbox, ORG_ID } from './support/store-fixtures.ts';
import { TEST_POSTGRES_URL } from './support/store-targets.ts';

const MINUTE = 60_000;
const logger = createSilentLogger();

/** One worker of distributed mode in this process, over a real queue, with sessions that only count themselves. */
describe('distributed queue', () => {
  const schema = `syncline_queue_${process.pid}_${Date.now().toString(36)}`;
  const jobSchema = jobSchemaFor(schema);
  let store: SynclineStore;
  let queue: SessionQueueClient;
  let scheduler: Scheduler | null = null;
  const sessions: { mailboxId: string; trigger: SessionTrigger }[] = [];
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });

  beforeAll(async () => {
    store = await openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, logger);
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) {
      await store.upsertMailbox(mailbox(id));
      await store.saveSchedule(newSchedule(id, new Date(Date.now() + 60 * MINUTE).toISOString()));
    }
    queue = await openSessionQueueClient({ connectionString: TEST_POSTGRES_URL, jobSchema, logger });
    await admin.connect();
  });

  afterAll(async () => {
    await scheduler?.stop();
    await scheduler?.close();
    await queue?.close();
    await store?.close();
    await admin.query(`drop schema if exists "${jobSchema}" cascade`);
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  const startWorker = async (): Promise<void> => {
    const runner = createSessionRunner({
      store,
      runSession: async (mailboxId) => outcomeReport(mailboxId, 'ok', new Date()),
      intervalMs: () => 30 * MINUTE,
      jitter: 0,
      logger,
    });
    const counting = {
      runSession: (mailboxId: string, trigger: SessionTrigger) => {
        sessions.push({ mailboxId, trigger });
        return runner.runSession(mailboxId, trigger);
      },
    };
    scheduler = createDistributedScheduler({
      connectionString: TEST_POSTGRES_URL,
      jobSchema,
      store,
      runner: counting,
      mailboxIds: ['m1', 'm2', 'm3', 'm4', 'm5'],
      concurrency: 1,
      coalesceMs: MINUTE,
      logger,
      random: () => 0.5,
      timing: { planTickMs: 100, heartbeatMs: 200, deadAfterMs: 2_000, busyRetryMs: 200, pollIntervalMs: 100, shutdownGraceMs: 2_000 },
    });
    await scheduler.start();
  };

  /** Make the mailbox's queued job look as if `attempts` earlier runs died with their workers. */
  const cutRuns = async (mailboxId: string, attempts: number): Promise<void> => {
    await admin.query(`select id from "${jobSchema}".reschedule_jobs(array(select id from "${jobSchema}".jobs where key = $1), attempts => $2::int)`, [`session:${mailboxId}`, attempts]);
  };

  it('suspends a mailbox instead of its last attempt', async () => {
    // m1's job has four dead runs behind it, so the worker's next run is its last attempt.
    await queue.requestSessionNow('m1', 'force');
    await cutRuns('m1', 4);
    // m2's job used every attempt and no worker has it locked: only the planner can notice, once m2 is due.
    await queue.requestSessionNow('m2', 'force');
    await cutRuns('m2', 5);
    await store.saveSchedule({ ...newSchedule('m2', new Date(Date.now() - MINUTE).toISOString()), state: 'syncing' });

    await startWorker();
    await waitFor(async () => (await store.loadSchedule('m1'))?.state === 'suspendedByError' && (await store.loadSchedule('m2'))?.state === 'suspendedByError', 20_000);

    for (const id of ['m1', 'm2']) {
      const schedule = await store.loadSchedule(id);
      expect(schedule?.reason).toMatch(/sessions in a row did not finish/);
      expect(schedule?.failureCount).toBe(1);
      expect(Date.parse(schedule?.resumeAt ?? '') - Date.now()).toBeGreaterThan(4 * MINUTE);
    }
    expect(sessions.filter((session) => session.mailboxId === 'm1' || session.mailboxId === 'm2')).toEqual([]);
    await waitFor(async () => (await queue.sessionState('m1')) === 'none' && (await queue.sessionState('m2')) === 'none', 5_000);
  });

  it('counts a cut session as a failure', async () => {
    // Both were left syncing by a session that died; m4 had failed three times in a row before, m5 never.
    const due = new Date(Date.now() + 60 * MINUTE).toISOString();
    await store.saveSchedule({ ...newSchedule('m4', due), state: 'syncing', failureCount: 3 });
    await store.saveSchedule({ ...newSchedule('m5', due), state: 'syncing', failureCount: 0 });
    await queue.requestSessionNow('m4', 'force');
    await queue.requestSessionNow('m5', 'force');

    await waitFor(async () => (await store.loadSchedule('m4'))?.state === 'suspendedByError' && (await store.loadSchedule('m5'))?.lastStatus === 'ok', 10_000);
    expect((await store.loadSchedule('m4'))?.reason).toMatch(/^4 sessions in a row did not finish/);
    expect(sessions.filter((session) => session.mailboxId === 'm4')).toEqual([]);
    expect(await store.loadSchedule('m5')).toMatchObject({ state: 'active', failureCount: 0 });
  });

  it('runs a forced session through the queue', async () => {
    await queue.requestSessionNow('m3', 'force');
    await waitFor(async () => sessions.some((session) => session.mailboxId === 'm3'), 10_000);
    expect(sessions.filter((session) => session.mailboxId === 'm3')).toEqual([{ mailboxId: 'm3', trigger: 'force' }]);
    await waitFor(async () => (await store.loadSchedule('m3'))?.lastStatus === 'ok', 5_000);
  });

  it('resume queues a session for an error suspension', async () => {
    await store.saveSchedule({ ...(await store.loadSchedule('m1'))!, resumeAt: new Date(Date.now() - 1_000).toISOString() });
    await waitFor(async () => (await store.loadSchedule('m1'))?.state === 'active', 10_000);
    expect(sessions.filter((session) => session.mailboxId === 'm1')).toEqual([{ mailboxId: 'm1', trigger: 'resume' }]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
