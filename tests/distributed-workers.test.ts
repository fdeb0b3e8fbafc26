import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionReport } from '../src/domain/session-report.ts';
import { DistributedWorld, type WorkerProcess } from './support/distributed-world.ts';

/**
 * Three worker processes share one PostgreSQL queue and store over both emulators, for two simulated hours of
 * 30-minute sessions. One worker is killed with SIGKILL while it runs sessions. The schedule clock runs SCALE times
 * real time. Default: 30 mailboxes, 2 h in 32 s. SCALE_TEST=full: 500 mailboxes, 2 h in 120 s.
 */
const FULL = process.env.SCALE_TEST === 'full';
const MAILBOXES = FULL ? 500 : 30;
const SCALE = FULL ? 60 : 225;
const INTERVAL_MS = (30 * 60_000) / SCALE;
const JITTER = 0.1;
const RUN_MS = (2 * 60 * 60_000) / SCALE;
/** Planner tick, job pick-up and waiting for a free slot, in real milliseconds. */
const LAG_MS = FULL ? 6_000 : 2_000;
/** The dead worker's heartbeat timeout, one beat, and the busy retry of the taken-over job. */
const TAKEOVER_MS = 1_500 + 250 + 1_500;
/** The workers' coalescing interval for notifications (DW_COALESCE_MS), in real milliseconds. */
const COALESCE_MS = 3_000;
const BURST_MAILBOX = 'mbx-0000';
const BURST_REQUESTS = 100;

// NOTE: this multi-process run depends on real timing (a kill must land while a worker holds a session). On a loaded
// 2-core machine the kill sometimes finds no session to interrupt, so it runs only when SYNCLINE_DISTRIBUTED_TEST=1
// is set; the distributed scheduler's unit tests always run.
describe.runIf(process.env.SYNCLINE_DISTRIBUTED_TEST === '1')('distributed workers', () => {
  let world: DistributedWorld;
  let t0 = 0;
  let readyAt = 0;
  let killedAt = 0;
  let killed: WorkerProcess | undefined;
  let exitCodes: (number | null)[] = [];
  let burstAt = 0;

  beforeAll(async () => {
    world = await DistributedWorld.start(MAILBOXES);
    await world.addMailboxEvents(world.mailboxIds, 2);

    t0 = Date.now();
    await Promise.all([world.spawnWorker(t0, SCALE), world.spawnWorker(t0, SCALE), world.spawnWorker(t0, SCALE)]);
    readyAt = Date.now();

    // New events before the second round, so the sessions the kill interrupts have writes to make.
    await sleepUntil(readyAt + INTERVAL_MS * 0.6);
    await world.addMailboxEvents(world.mailboxIds, 2);
    await sleepUntil(readyAt + INTERVAL_MS * 0.85);
    await world.graphFaults([{ type: 'latency', ms: 150 }]);
    ({ killed, killedAt } = await killWorkerMidSession(world, readyAt + INTERVAL_MS * 1.6));
    await world.graphFaults(null);

    // Half-way between two rounds, a burst of notifications for one mailbox, with new events among them.
    await sleepUntil(readyAt + INTERVAL_MS * 2.5);
    burstAt = Date.now();
    await sendBurst(world);

    await sleepUntil(readyAt + RUN_MS + INTERVAL_MS * 0.2);
    await waitForIdleQueue(world);
    exitCodes = await Promise.all(world.workers.filter((worker) => worker !== killed).map((worker) => stopAndWait(worker)));
  }, FULL ? 600_000 : 120_000);

  afterAll(async () => {
    await world?.close();
  });

  it('kills a worker that held sessions', () => {
    expect(killed).toBeDefined();
    expect(killedAt).toBeGreaterThan(t0);
  });

  it('stops the live workers with exit code 0', () => {
    expect(exitCodes).toEqual([0, 0]);
  });

  it('mirrors every event once on both sides', async () => {
    const { mailbox, crm } = await world.contents();
    for (const id of world.mailboxIds) {
      const address = world.addressOf(id);
      expect(mailbox.get(address)?.length).toBe(id === BURST_MAILBOX ? 9 : 4);
      expect(crm.get(address) ?? []).toEqual(mailbox.get(address));
    }
  });

  it('runs every session of a mailbox alone and successfully', async () => {
    for (const id of world.mailboxIds) {
      const sessions = await sessionsOf(world, id);
      expect(sessions.map((session) => session.status).filter((status) => status !== 'success')).toEqual([]);
      for (let index = 1; index < sessions.length; index += 1) {
        expect(Date.parse(sessions[index]?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(sessions[index - 1]?.endedAt ?? ''));
      }
    }
  });

  it('keeps every mailbox on its interval, none skipped', async () => {
    const end = readyAt + RUN_MS + INTERVAL_MS * 0.2;
    for (const id of world.mailboxIds) {
      const sessions = await sessionsOf(world, id);
      expect(sessions.length).toBeGreaterThanOrEqual(4);
      // Every mailbox's first session (a full read that creates its events) is due at once: a backlog to work off.
      expect(Date.parse(sessions[0]?.startedAt ?? '') - readyAt).toBeLessThan(INTERVAL_MS / 2);

      for (let index = 1; index < sessions.length; index += 1) {
        const previousEnd = Date.parse(sessions[index - 1]?.endedAt ?? '');
        const start = Date.parse(sessions[index]?.startedAt ?? '');
        const spansKill = previousEnd < killedAt && start > killedAt;
        // The burst's sessions start early on purpose, and the next scheduled one counts from them.
        if (id !== BURST_MAILBOX) {
          expect(start - previousEnd).toBeGreaterThanOrEqual(INTERVAL_MS * (1 - JITTER) - 100);
        }
        expect(start - previousEnd).toBeLessThanOrEqual(INTERVAL_MS * (1 + JITTER) + LAG_MS + (spansKill ? TAKEOVER_MS : 0));
      }

      const lastStart = Date.parse(sessions.at(-1)?.startedAt ?? '');
      expect(end - lastStart).toBeLessThanOrEqual(INTERVAL_MS * (1 + JITTER) + LAG_MS);
    }
  });

  it('coalesces a notification burst', async () => {
    const sessions = await sessionsOf(world, BURST_MAILBOX);
    const burstSessions = sessions.filter((session) => Date.parse(session.startedAt) >= burstAt && Date.parse(session.startedAt) <= burstAt + COALESCE_MS + LAG_MS);
    expect(burstSessions.length).toBeGreaterThanOrEqual(1);
    expect(burstSessions.length).toBeLessThanOrEqual(2);
  });
});

/** 100 notifications for one mailbox over about a second, spread over the live workers, with 5 new events. */
async function sendBurst(world: DistributedWorld): Promise<void> {
  const live = world.workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null);
  for (let index = 0; index < BURST_REQUESTS; index += 1) {
    live[index % live.length]?.request(BURST_MAILBOX, 'notification');
    if (index % 20 === 0) {
      await world.addMailboxEvents([BURST_MAILBOX], 1);
    }
    await sleep(10);
  }
}

async function sessionsOf(world: DistributedWorld, mailboxId: string): Promise<SessionReport[]> {
  const sessions = await world.store.listSessions(mailboxId, 1_000);
  return [...sessions].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** SIGKILL the worker with the most locked session jobs, as soon as any worker has one. */
async function killWorkerMidSession(world: DistributedWorld, deadline: number): Promise<{ killed: WorkerProcess | undefined; killedAt: number }> {
  while (Date.now() < deadline) {
    const locked = await world.lockedSessionJobs();
    const counts = new Map<string, number>();
    for (const job of locked) {
      counts.set(job.workerId, (counts.get(job.workerId) ?? 0) + 1);
    }
    const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    const victim = world.workers.find((worker) => worker.workerId === busiest?.[0]);
    if (victim !== undefined) {
      victim.child.kill('SIGKILL');
      return { killed: victim, killedAt: Date.now() };
    }
    await sleep(20);
  }
  return { killed: undefined, killedAt: 0 };
}

async function waitForIdleQueue(world: DistributedWorld): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && (await world.lockedSessionJobs()).length > 0) {
    await sleep(100);
  }
}

function stopAndWait(worker: WorkerProcess): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 10_000);
    worker.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    worker.child.kill('SIGTERM');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleepUntil(instant: number): Promise<void> {
  await sleep(Math.max(0, instant - Date.now()));
}
