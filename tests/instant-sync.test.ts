import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { createEngineRunner } from '../src/scheduler/engine-scheduler.ts';
import { startInstantSync, type InstantSync } from '../src/scheduler/instant-sync.ts';
import { createScheduler, type Scheduler } from '../src/scheduler/scheduler.ts';
import { InstantSyncWorld, MAILBOX_ID, waitFor } from './support/instant-sync-world.ts';

/** Short enough for a test, long enough that a burst of notifications falls inside one interval. */
const COALESCE_MS = 2_000;

let world: InstantSyncWorld;
let engine: Engine;
let scheduler: Scheduler;
let instant: InstantSync;

beforeEach(async () => {
  world = await InstantSyncWorld.start();
  const config = world.config();
  const logger = createSilentLogger();
  engine = await openEngine({ config, logger });
  scheduler = createScheduler({
    mailboxIds: [MAILBOX_ID],
    runner: createEngineRunner(engine, config, logger),
    store: engine.store,
    maxConcurrentSessions: 2,
    coalesceMs: COALESCE_MS,
    logger,
  });
  instant = await startInstantSync({ config, store: engine.store, scheduler, logger, fetch: world.fetch, streamBackoff: { baseMs: 10, maxMs: 50 } });
  await instant.ready;

  // The first session runs at start; the next scheduled one is 30 minutes away, so any later session is instant sync.
  await scheduler.start();
  await waitFor(async () => (await engine.store.listSessions(MAILBOX_ID, 5)).length === 1, 10_000, 'the first session');
});

afterEach(async () => {
  await instant.stop();
  await scheduler.stop();
  await engine.close();
  await world.close();
});

async function sessionsSinceStart(): Promise<number> {
  return (await engine.store.listSessions(MAILBOX_ID, 50)).length - 1;
}

/** Count the sessions since start once the one that carried the change is recorded, which happens after its last object kind. */
async function recordedSessionsSinceStart(): Promise<number> {
  await waitFor(async () => (await sessionsSinceStart()) >= 1, 5_000, 'the session to be recorded');
  return sessionsSinceStart();
}

describe('instant sync', () => {
  it('Outlook event reaches Salesforce fast', async () => {
    const schedule = await engine.store.loadSchedule(MAILBOX_ID);
    expect(Date.parse(schedule?.nextSessionAt ?? '') - Date.now()).toBeGreaterThan(20 * 60_000);

    await world.createOutlookEvent('Board meeting');
    const elapsed = await waitFor(async () => (await world.salesforceSubjects()).includes('Board meeting'), 5_000, 'the Event in Salesforce');

    expect(elapsed).toBeLessThan(5_000);
    expect(await recordedSessionsSinceStart()).toBe(1);
  });

  it('Salesforce Event reaches mailbox fast', async () => {
    await world.createSalesforceEvent('Pricing call');
    const elapsed = await waitFor(async () => (await world.outlookSubjects()).includes('Pricing call'), 5_000, 'the event in the mailbox');

    expect(elapsed).toBeLessThan(5_000);
    expect(await recordedSessionsSinceStart()).toBe(1);
  });

  it('burst of 100 coalesces, syncs all', async () => {
    const subjects = Array.from({ length: 100 }, (_, index) => `Burst ${index + 1}`);
    for (const subject of subjects) {
      await world.createOutlookEvent(subject, 1 + (subjects.indexOf(subject) % 20));
    }

    await waitFor(async () => {
      const synced = new Set(await world.salesforceSubjects());
      return subjects.every((subject) => synced.has(subject));
    }, 15_000, 'all 100 Events in Salesforce');
    // A request queued behind the last session would run by now.
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS + 500));

    const sessions = await sessionsSinceStart();
    expect(sessions).toBeGreaterThanOrEqual(1);
    expect(sessions).toBeLessThanOrEqual(2);
  });
});
