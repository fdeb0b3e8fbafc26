import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { hashPassword } from '../src/auth/passwords.ts';
import { SignInThrottle } from '../src/auth/sign-in-throttle.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import type { SyncStateStore } from '../src/domain/sync-store.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { createDistributedScheduler } from '../src/scheduler/distributed/distributed-scheduler.ts';
import { jobSchemaFor } from '../src/scheduler/distributed/job-schema.ts';
import { queueForcedSession } from '../src/scheduler/mailbox-control.ts';
import { newSchedule } from '../src/scheduler/mailbox-states.ts';
import { createScheduler, type Scheduler } from '../src/scheduler/scheduler.ts';
import { createSessionRunner, type SessionRunner } from '../src/scheduler/session-runner.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { ApiClient, orgSetting, PASSWORD } from './support/api-world.ts';
import { KindsHarness } from './support/kinds-harness.ts';
import { mailboxTask } from './support/planner-fixtures.ts';
import { outcomeReport } from './support/schedule-fixtures.ts';
import { mailbox, ORG_ID } from './support/store-fixtures.ts';
import { postgresSchemaTarget, TEST_POSTGRES_URL, type StoreTarget } from './support/store-targets.ts';

const OWNER = 'dana.reyes@contoso.example.com';
const INTERVAL_MS = 30 * 60_000;

const TARGETS: ReadonlyArray<{ name: string; makeTarget: (() => StoreTarget) | null }> = [
  { name: 'sqlite', makeTarget: null },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];

/**
 * Holds a session at its commit until the test opens the gate, so a request can arrive while the session runs: it has
 * planned (and read the review requests) and not yet saved anything.
 */
class CommitGate {
  private closed = false;
  private reachedResolve: () => void = () => undefined;
  private openResolve: () => void = () => undefined;
  reached: Promise<void> = Promise.resolve();
  private opened: Promise<void> = Promise.resolve();

  close(): void {
    this.closed = true;
    this.reached = new Promise((resolve) => (this.reachedResolve = resolve));
    this.opened = new Promise((resolve) => (this.openResolve = resolve));
  }

  open(): void {
    this.closed = false;
    this.openResolve();
  }

  wrap = (store: SyncStateStore): SyncStateStore =>
    new Proxy(store, {
      get: (target, property) => {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'commitSession' && this.closed) {
          const opened = this.opened;
          return async (...args: unknown[]) => {
            this.reachedResolve();
            await opened;
            return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(TARGETS)('force during a session on $name', ({ makeTarget }) => {
  const target = makeTarget?.() ?? null;
  const gate = new CommitGate();
  const logger = createSilentLogger();
  let harness: KindsHarness;
  let runner: SessionRunner;
  let server: RunningServer;
  let owner: ApiClient;
  let sessions: number;
  const forced: Promise<SessionReport | null>[] = [];

  beforeAll(async () => {
    harness =
      target === null
        ? await KindsHarness.start()
        : await KindsHarness.start({
            openStore: async () => {
              const store = await target.open();
              await store.truncateAll();
              return store;
            },
          });
    runner = createSessionRunner({
      store: harness.store,
      runSession: async () => {
        sessions += 1;
        const report = await harness.runSession({ kinds: ['task'], wrapStore: gate.wrap });
        await harness.store.recordSession(report);
        return report;
      },
      intervalMs: () => INTERVAL_MS,
      jitter: 0,
      logger,
    });
    const config: SynclineConfig = {
      dataDir: '.',
      store: { kind: 'sqlite', path: ':memory:' },
      window: { kind: 'relative', pastDays: 30, futureDays: 180 },
      jitter: 0,
      maxConcurrentSessions: 1,
      server: { host: '127.0.0.1', port: 0, publicUrl: null },
      orgs: [orgSetting(harness.mailbox.orgId, 'Contoso', [{ id: harness.mailbox.id, address: OWNER }])],
    };
    const routes = apiRoutes({
      store: harness.store,
      config,
      logger,
      metrics: createMetrics({ processMetrics: false }),
      signInThrottle: new SignInThrottle({ maxFailures: 10 }),
      // As a server whose runner is not the one running the session: the forced session finds the lease taken.
      requestSession: (mailboxId, trigger) => void forced.push(runner.runSession(mailboxId, trigger)),
    });
    server = await createServer({ logger, routes: [routes] }).listen(0, '127.0.0.1');
    await harness.store.createUser({ id: randomUUID(), orgId: harness.mailbox.orgId, email: OWNER, role: 'user', passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
    owner = new ApiClient(server.url);
    expect((await owner.signIn(OWNER)).status).toBe(200);
  }, 60_000);

  beforeEach(async () => {
    sessions = 0;
    forced.length = 0;
    await harness.store.saveSchedule({ mailboxId: harness.mailbox.id, state: 'active', reason: null, resumeAt: null, nextSessionAt: new Date(Date.now() + INTERVAL_MS).toISOString(), lastSessionAt: null, lastStatus: null, failureCount: 0 });
  });

  afterEach(async () => {
    gate.open();
    await Promise.allSettled(forced);
  });

  afterAll(async () => {
    await server?.close();
    await harness?.close();
    await target?.dispose();
  });

  async function quarantinedTask(subject: string): Promise<string> {
    const id = harness.tasks.add(mailboxTask({ subject, status: 'notStarted', importance: 'normal' }));
    await harness.runSession({ kinds: ['task'] });
    harness.tasks.remove(id);
    await harness.runSession({ kinds: ['task'] });
    const entry = (await harness.store.listQuarantine(harness.mailbox.id)).find((candidate) => candidate.values['subject'] === subject);
    expect(entry).toBeDefined();
    return entry!.id;
  }

  it('leaves the mailbox due at once', async () => {
    const entryId = await quarantinedTask('Renew the licence');
    gate.close();
    const running = runner.runSession(harness.mailbox.id, 'schedule');
    await gate.reached;

    const response = await owner.request('POST', `/api/v1/mailboxes/${harness.mailbox.id}/quarantine/${encodeURIComponent(entryId)}/restore`);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ session: { requested: true, note: expect.stringContaining('starts within a few seconds') } });
    expect((await forced[0])?.status).toBe('skipped');

    gate.open();
    expect((await running)?.status).toBe('ok');
    const schedule = await harness.store.loadSchedule(harness.mailbox.id);
    expect(schedule?.state).toBe('active');
    // Due now, not an interval after the running session: its end keeps the request the forced session could not run.
    expect(Date.parse(schedule!.nextSessionAt!)).toBeLessThanOrEqual(Date.now());
    expect((await harness.store.getQuarantineEntry(entryId))?.restoredAt).toBeNull();

    expect((await runner.runSession(harness.mailbox.id, 'schedule'))?.status).toBe('ok');
    expect((await harness.store.getQuarantineEntry(entryId))?.restoredAt).not.toBeNull();
    expect(Date.parse((await harness.store.loadSchedule(harness.mailbox.id))!.nextSessionAt!)).toBeGreaterThan(Date.now() + INTERVAL_MS - 60_000);
  });

  it('keeps the interval without requests', async () => {
    expect((await runner.runSession(harness.mailbox.id, 'schedule'))?.status).toBe('ok');
    expect(Date.parse((await harness.store.loadSchedule(harness.mailbox.id))!.nextSessionAt!)).toBeGreaterThan(Date.now() + INTERVAL_MS - 60_000);
  });

  describe('with the embedded scheduler', () => {
    let scheduler: Scheduler | null = null;

    afterEach(async () => {
      gate.open();
      await scheduler?.stop();
      await scheduler?.close();
      scheduler = null;
    });

    it('runs the forced session next', async () => {
      const entryId = await quarantinedTask('Order the toner');
      scheduler = createScheduler({ mailboxIds: [harness.mailbox.id], runner, store: harness.store, maxConcurrentSessions: 1, coalesceMs: 0, pollMs: 50, logger });
      await scheduler.start();
      gate.close();
      scheduler.requestSession(harness.mailbox.id, 'schedule');
      await gate.reached;

      // The API of another process records the restore and marks the schedule; this scheduler's session is running.
      expect(await harness.store.requestQuarantineRestore(entryId, new Date().toISOString())).toBe(true);
      await queueForcedSession(harness.store, harness.mailbox.id, new Date());
      gate.open();

      await waitFor(async () => (await harness.store.getQuarantineEntry(entryId))?.restoredAt !== null, 'the forced session to restore the entry');
      expect(sessions).toBe(2);
    });
  });
});

/** One worker of distributed mode over a real queue, with sessions that only count themselves and wait when told. */
describe('force during a session on workers', () => {
  const schema = `syncline_force_${process.pid}_${Date.now().toString(36)}`;
  const jobSchema = jobSchemaFor(schema);
  const logger = createSilentLogger();
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  let store: SynclineStore;
  let scheduler: Scheduler | null = null;
  let release: () => void = () => undefined;
  let started: () => void = () => undefined;
  const sessions: string[] = [];

  beforeAll(async () => {
    store = await openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, logger);
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    await store.upsertMailbox(mailbox('m1'));
    await admin.connect();
  });

  afterAll(async () => {
    release();
    await scheduler?.stop();
    await scheduler?.close();
    await store?.close();
    await admin.query(`drop schema if exists "${jobSchema}" cascade`);
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  it('runs the forced session next', async () => {
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const firstReleased = new Promise<void>((resolve) => (release = resolve));
    const runner = createSessionRunner({
      store,
      runSession: async (mailboxId) => {
        sessions.push(mailboxId);
        if (sessions.length === 1) {
          started();
          await firstReleased;
        }
        return outcomeReport(mailboxId, 'ok', new Date());
      },
      intervalMs: () => INTERVAL_MS,
      jitter: 0,
      logger,
    });
    // Due now, so the planner queues the first session.
    await store.saveSchedule(newSchedule('m1', new Date(Date.now() - 1_000).toISOString()));
    scheduler = createDistributedScheduler({
      connectionString: TEST_POSTGRES_URL,
      jobSchema,
      store,
      runner,
      mailboxIds: ['m1'],
      concurrency: 2,
      coalesceMs: 60_000,
      logger,
      random: () => 0.5,
      timing: { planTickMs: 100, heartbeatMs: 200, deadAfterMs: 2_000, busyRetryMs: 200, pollIntervalMs: 100, shutdownGraceMs: 2_000 },
    });
    await scheduler.start();
    await firstStarted;

    // A process without the queue (the API of a server, `syncline force` through the store) marks the schedule only.
    await queueForcedSession(store, 'm1', new Date());
    release();

    await waitFor(async () => sessions.length >= 2, 'the forced session');
    const schedule = await store.loadSchedule('m1');
    await waitFor(async () => (await store.loadSchedule('m1'))?.state === 'active', 'the forced session to end');
    expect(sessions).toEqual(['m1', 'm1']);
    expect(schedule?.lastStatus).toBe('ok');
  });
});
