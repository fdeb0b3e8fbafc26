import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerProcess, type SchedulerProcess } from '../src/cli/scheduler-process.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { jobSchemaFor } from '../src/scheduler/distributed/job-schema.ts';
import { InstantSyncWorld, MAILBOX_ID, waitFor } from './support/instant-sync-world.ts';
import { TEST_POSTGRES_URL } from './support/store-targets.ts';

/**
 * A session interval saved in the console reaches distributed mode. The process `syncline worker` runs has the engine
 * and the job queue on PostgreSQL but no HTTP API. It reads the stored edit at the next session and plans the one after
 * it with the saved interval.
 */

const MINUTE = 60_000;
/** Slack for the time between a session's end and the schedule write that follows it. */
const SLACK_MS = 5_000;

describe('a saved session interval in distributed mode', () => {
  const schema = `syncline_interval_${process.pid}_${Date.now().toString(36)}`;
  let world: InstantSyncWorld;
  let worker: SchedulerProcess | null = null;

  beforeAll(async () => {
    world = await InstantSyncWorld.start();
  });

  afterAll(async () => {
    await worker?.shutdown();
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`drop schema if exists "${jobSchemaFor(schema)}" cascade`);
      await admin.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await admin.end();
    }
    await world?.close();
  });

  /** Wait for the mailbox's session number `sessions`, and return how long after its end the next one is planned. */
  async function gapAfterSession(process: SchedulerProcess, sessions: number): Promise<number> {
    const store = process.engine.store;
    let gap = Number.NaN;
    await waitFor(
      async () => {
        const [latest] = await store.listSessions(MAILBOX_ID, 1);
        const schedule = await store.loadSchedule(MAILBOX_ID);
        if ((await store.listSessions(MAILBOX_ID, 10)).length < sessions || latest === undefined || schedule?.state !== 'active' || schedule.nextSessionAt === null) {
          return false;
        }
        gap = Date.parse(schedule.nextSessionAt) - Date.parse(latest.endedAt);
        return gap > 0;
      },
      30_000,
      `session ${sessions} of the mailbox and its next planned time`,
    );
    return gap;
  }

  it('worker applies the saved interval', async () => {
    const base = world.config();
    const config: SynclineConfig = { ...base, store: { kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema } };
    const running = await startSchedulerProcess({
      config,
      logger: createSilentLogger(),
      concurrency: 1,
      gracePeriodMs: 2_000,
      timing: { planTickMs: 200, heartbeatMs: 200, deadAfterMs: 5_000, busyRetryMs: 200, pollIntervalMs: 100 },
    });
    worker = running;
    expect(running.mode).toBe('distributed');

    // A new mailbox gets its first session at once, on the file's 30 minutes (the world runs without jitter).
    expect(Math.abs((await gapAfterSession(running, 1)) - 30 * MINUTE)).toBeLessThan(SLACK_MS);

    // The console's API runs in another process, so only the stored edit reaches this one.
    const store = running.engine.store;
    await store.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: { sessionIntervalMinutes: 7 }, changedBy: 'admin@contoso.example.com', changedAt: new Date().toISOString() });
    running.scheduler.requestSession(MAILBOX_ID, 'force');
    expect(Math.abs((await gapAfterSession(running, 2)) - 7 * MINUTE)).toBeLessThan(SLACK_MS);

    await store.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: {}, changedBy: 'admin@contoso.example.com', changedAt: new Date().toISOString() });
    running.scheduler.requestSession(MAILBOX_ID, 'force');
    expect(Math.abs((await gapAfterSession(running, 3)) - 30 * MINUTE)).toBeLessThan(SLACK_MS);
  }, 90_000);
});
