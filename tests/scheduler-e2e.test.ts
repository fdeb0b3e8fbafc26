import { afterEach, describe, expect, it } from 'vitest';
import type { SessionReport } from '../src/domain/session-report.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import type { Clock } from '../src/scheduler/clock.ts';
import { createScheduler, createSessionRunner, type Scheduler } from '../src/scheduler/index.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { FastClock } from './support/manual-clock.ts';

const WINDOW = { start: '2026-04-01T00:00:00.000Z', end: '2026-07-01T00:00:00.000Z' };
const DAY = 24 * 60 * 60_000;
const logger = createSilentLogger();

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('scheduler with the emulators', () => {
  let harness: E2eHarness | null = null;
  let scheduler: Scheduler | null = null;

  afterEach(async () => {
    await scheduler?.stop();
    scheduler = null;
    await harness?.close();
    harness = null;
  });

  const startScheduler = async (h: E2eHarness, reports: SessionReport[], options: { coalesceMs: number; clock?: Clock }): Promise<Scheduler> => {
    const clock = options.clock;
    const runner = createSessionRunner({
      store: h.store,
      runSession: async () => {
        const report = await h.runSession();
        reports.push(report);
        return report;
      },
      intervalMs: () => DAY,
      jitter: 0,
      logger,
      ...(clock ? { now: () => clock.now() } : {}),
    });
    // The first scheduled session lies a day ahead, so only the requests of the test run sessions.
    const first = new Date((clock?.now().getTime() ?? Date.now()) + DAY).toISOString();
    await h.store.saveSchedule({ mailboxId: h.mailbox.id, state: 'active', reason: null, resumeAt: null, nextSessionAt: first, lastSessionAt: null, lastStatus: null, failureCount: 0 });
    scheduler = createScheduler({ mailboxIds: [h.mailbox.id], runner, store: h.store, maxConcurrentSessions: 2, coalesceMs: options.coalesceMs, pollMs: 60_000, logger, ...(clock ? { clock } : {}) });
    await scheduler.start();
    return scheduler;
  };

  it('burst of 100 notifications syncs every change in one or two sessions', async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    const h = harness;
    const reports: SessionReport[] = [];
    // The burst must end inside one coalescing interval; 12 s leaves room for a loaded machine.
    const running = await startScheduler(h, reports, { coalesceMs: 12_000 });

    const began = Date.now();
    for (let index = 0; index < 100; index += 1) {
      await h.seedMailbox([timedSeed(`Burst ${index}`, '2026-05-06', '09:00', '09:30')]);
      running.requestSession(h.mailbox.id, 'notification');
    }
    expect(Date.now() - began).toBeLessThan(12_000);
    await waitFor(async () => (await h.crmEvents()).length >= 100 && reports.length > 0, 30_000);
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'active', 5_000);

    const subjects = (await h.crmEvents()).map((event) => event.Subject).sort();
    expect(subjects).toEqual(Array.from({ length: 100 }, (_, index) => `Burst ${index}`).sort());
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(2);
    expect(reports.every((report) => report.status === 'ok')).toBe(true);
  }, 60_000);

  it('revoked refresh token suspends the mailbox with the reason', async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    const h = harness;
    await h.salesforceAdmin('POST', '/_admin/faults', { faults: [{ type: 'revokeRefreshTokens' }] });
    const reports: SessionReport[] = [];
    // 5 simulated minutes, the first backoff, pass in 30 real milliseconds.
    const running = await startScheduler(h, reports, { coalesceMs: 60_000, clock: new FastClock(10_000) });

    running.requestSession(h.mailbox.id, 'force');
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'suspendedByError', 15_000);
    const suspended = await h.store.loadSchedule(h.mailbox.id);
    expect(suspended?.reason).toMatch(/refresh token/);
    expect(reports[0]?.failure?.kind).toBe('suspend');

    // Automatic resumes try again, fail the same way and wait longer each time.
    await waitFor(async () => ((await h.store.loadSchedule(h.mailbox.id))?.failureCount ?? 0) >= 3, 15_000);
    const later = await h.store.loadSchedule(h.mailbox.id);
    expect(later?.state).toBe('suspendedByError');
    expect(Date.parse(later?.resumeAt ?? '') - Date.parse(later?.lastSessionAt ?? '')).toBeGreaterThan(50 * 60_000);
    expect(await h.crmEvents()).toEqual([]);
  }, 60_000);

  it('exhausted API limit suspends, then resumes by itself once cleared', async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    const h = harness;
    await h.seedMailbox([timedSeed('Quarterly review', '2026-05-07', '10:00', '11:00')]);
    await h.salesforceAdmin('POST', '/_admin/limits', { dailyApiCalls: 100_000 });
    const reports: SessionReport[] = [];
    // The estimated resume time lies hours ahead in real time; 40,000 times faster it comes within a second.
    const running = await startScheduler(h, reports, { coalesceMs: 60_000, clock: new FastClock(40_000, Date.now()) });

    running.requestSession(h.mailbox.id, 'force');
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'suspendedByError', 15_000);
    expect((await h.store.loadSchedule(h.mailbox.id))?.reason).toMatch(/daily API request allocation/);

    await h.salesforceAdmin('POST', '/_admin/limits', { dailyApiCalls: 0 });
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'active', 20_000);

    const resumed = await h.store.loadSchedule(h.mailbox.id);
    expect(resumed).toMatchObject({ reason: null, resumeAt: null, failureCount: 0, lastStatus: 'ok' });
    expect((await h.crmEvents()).map((event) => event.Subject)).toEqual(['Quarterly review']);
  }, 60_000);
});
