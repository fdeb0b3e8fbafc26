import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionReport } from '../src/domain/session-report.ts';
import { DistributedWorld, type WorkerProcess } from './support/distributed-world.ts';

/**
 * Three worker processes share one PostgreSQL queue and store over both emulators, for two simulated hours of
 * 30-minute sessions. The test owns the schedule clock: it moves it by one tick, waits until every due session has
 * run and the queue is empty, then moves it again, so the outcome does not depend on how fast the machine is. One
 * worker is SIGKILLed while it runs sessions; a burst of notifications for one mailbox comes half-way.
 * Default: 20 mailboxes. SCALE_TEST=full: 500 mailboxes.
 */
const FULL = process.env.SCALE_TEST === 'full';
const MAILBOXES = FULL ? 500 : 20;
const MINUTE = 60_000;
const INTERVAL_MS = 30 * MINUTE;
const JITTER = 0.1;
const TICK_MS = 2 * MINUTE;
const RUN_MS = 2 * 60 * MINUTE;
const START = Date.parse('2030-01-07T08:00:00.000Z');
/** Real time a tick may take to drain: the first tick runs every mailbox's first session (a full read). */
const QUIET_TIMEOUT_MS = 60_000 + MAILBOXES * 1_000;
/** The workers' coalescing interval for notifications (DW_COALESCE_MS), in real milliseconds. */
const COALESCE_MS = 3_000;
const BURST_MAILBOX = 'mbx-0000';
const BURST_REQUESTS = 100;
/** Simulated time of the burst: between the second and third round of sessions. */
const BURST_AT = START + 76 * MINUTE;
/** Simulated time at which every mailbox gets two more events. Both instants fall on a tick. */
const MORE_EVENTS_AT = START + 20 * MINUTE;

interface Tick {
  readonly at: number;
  /** Real time at which every live worker had taken the tick's clock. */
  readonly realAt: number;
}

describe('distributed workers', () => {
  let world: DistributedWorld;
  const ticks: Tick[] = [];
  let killed: WorkerProcess | undefined;
  let killedWithSessions = 0;
  let exitCodes: (number | null)[] = [];
  let burstSessions: SessionReport[] = [];
  let realStarted = 0;

  beforeAll(async () => {
    world = await DistributedWorld.start(MAILBOXES);
    await world.addMailboxEvents(world.mailboxIds, 2);
    // The first sessions are due at START; the workers start a tick earlier, so they all run before any is due.
    await world.scheduleAllAt(START);
    await Promise.all([world.spawnWorker(START - TICK_MS), world.spawnWorker(START - TICK_MS), world.spawnWorker(START - TICK_MS)]);
    realStarted = Date.now();

    for (let at = START; at <= START + RUN_MS; at += TICK_MS) {
      if (at === MORE_EVENTS_AT) {
        await world.addMailboxEvents(world.mailboxIds, 2);
      }
      if (at === START) {
        await world.graphFaults([{ type: 'latency', ms: 150 }]);
      }
      await world.setClock(at);
      ticks.push({ at, realAt: Date.now() });

      if (at === START) {
        // Every mailbox's first session is due now, so the workers are busy: kill the one with the most sessions.
        // The slower Graph set above keeps those sessions running a little longer.
        ({ killed, sessions: killedWithSessions } = await killBusiestWorker(world));
        await world.graphFaults(null);
      }
      if (at === BURST_AT) {
        burstSessions = await sendBurst(world);
      }
      await world.waitForQuiet(at, QUIET_TIMEOUT_MS);
    }

    exitCodes = await Promise.all(world.workers.filter((worker) => worker !== killed).map((worker) => stopAndWait(worker)));
    if (FULL) {
      const sessions = (await Promise.all(world.mailboxIds.map((id) => sessionsOf(world, id)))).flat();
      console.log(JSON.stringify({ mailboxes: MAILBOXES, realSeconds: Math.round((Date.now() - realStarted) / 1000), sessions: sessions.length, killedWithSessions }));
    }
  }, FULL ? 3_600_000 : 240_000);

  afterAll(async () => {
    await world?.close();
  });

  it('kills a worker that held sessions', () => {
    expect(killed).toBeDefined();
    expect(killedWithSessions).toBeGreaterThan(0);
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
      expect(sessions.map((session) => session.status).filter((status) => status !== 'ok')).toEqual([]);
      for (let index = 1; index < sessions.length; index += 1) {
        expect(Date.parse(sessions[index]?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(sessions[index - 1]?.endedAt ?? ''));
      }
    }
  });

  it('keeps every mailbox on its interval, none skipped', async () => {
    for (const id of world.mailboxIds) {
      const starts = (await sessionsOf(world, id)).map((session) => simulatedStart(ticks, session));
      // A session at START, then one every 27 to 33 minutes: four or five in two hours.
      expect(starts[0]).toBe(START);
      expect(starts.length).toBeGreaterThanOrEqual(4);

      for (let index = 1; index < starts.length; index += 1) {
        const gap = (starts[index] ?? 0) - (starts[index - 1] ?? 0);
        // The burst's sessions start early on purpose, and the next scheduled one counts from them.
        if (id !== BURST_MAILBOX) {
          expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS * (1 - JITTER));
        }
        // A session runs in the first tick at or after its due time, even the ones the killed worker held.
        expect(gap).toBeLessThanOrEqual(INTERVAL_MS * (1 + JITTER) + TICK_MS);
      }
      expect(START + RUN_MS - (starts.at(-1) ?? 0)).toBeLessThanOrEqual(INTERVAL_MS * (1 + JITTER) + TICK_MS);
    }
  });

  it('coalesces a notification burst', () => {
    expect(burstSessions.length).toBeGreaterThanOrEqual(1);
    expect(burstSessions.length).toBeLessThanOrEqual(2);
    expect(burstSessions.map((session) => session.status)).toEqual(burstSessions.map(() => 'ok'));
  });
});

/** Return the simulated time a session started at: the tick in force at its real start. */
function simulatedStart(ticks: readonly Tick[], session: SessionReport): number {
  const realStart = Date.parse(session.startedAt);
  const tick = ticks.filter((candidate) => candidate.realAt <= realStart).at(-1);
  return tick?.at ?? Number.NaN;
}

/**
 * Send 100 notifications for one mailbox over about a second, spread over the live workers, with 5 new events.
 * Return the sessions of that mailbox that ran for them, once the queue is empty again.
 */
async function sendBurst(world: DistributedWorld): Promise<SessionReport[]> {
  const before = new Set((await sessionsOf(world, BURST_MAILBOX)).map((session) => session.sessionId));
  const live = world.workers.filter((worker) => worker.isAlive());
  for (let index = 0; index < BURST_REQUESTS; index += 1) {
    live[index % live.length]?.request(BURST_MAILBOX, 'notification');
    if (index % 20 === 0) {
      await world.addMailboxEvents([BURST_MAILBOX], 1);
    }
    await sleep(10);
  }
  await world.waitForQuiet(BURST_AT, QUIET_TIMEOUT_MS + COALESCE_MS);
  return (await sessionsOf(world, BURST_MAILBOX)).filter((session) => !before.has(session.sessionId));
}

async function sessionsOf(world: DistributedWorld, mailboxId: string): Promise<SessionReport[]> {
  const sessions = await world.store.listSessions(mailboxId, 1_000);
  return [...sessions].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** SIGKILL the worker with the most locked session jobs, as soon as any worker has one. */
async function killBusiestWorker(world: DistributedWorld): Promise<{ killed: WorkerProcess | undefined; sessions: number }> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const counts = new Map<string, number>();
    for (const job of await world.lockedSessionJobs()) {
      counts.set(job.workerId, (counts.get(job.workerId) ?? 0) + 1);
    }
    const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    const victim = world.workers.find((worker) => worker.workerId === busiest?.[0]);
    if (victim !== undefined && busiest !== undefined) {
      victim.child.kill('SIGKILL');
      return { killed: victim, sessions: busiest[1] };
    }
    await sleep(10);
  }
  return { killed: undefined, sessions: 0 };
}

function stopAndWait(worker: WorkerProcess): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 15_000);
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
