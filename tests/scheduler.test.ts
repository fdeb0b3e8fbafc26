import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionTrigger } from '../src/domain/mailbox-state.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { parseConfig } from '../src/config/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine } from '../src/scheduler/engine.ts';
import { createScheduler, createSessionRunner, jitteredDelayMs, type Scheduler } from '../src/scheduler/index.ts';
import { MailboxStateError, queueForcedSession, resumeMailbox, suspendMailbox } from '../src/scheduler/mailbox-control.ts';
import { newSchedule } from '../src/scheduler/mailbox-states.ts';
import { scheduleAfterSession } from '../src/scheduler/session-outcome.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { ManualClock } from './support/manual-clock.ts';
import { outcomeReport, scheduleStore } from './support/schedule-fixtures.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Sessions that end when the test calls `finishAll`, or at once with `autoFinish`. Records starts and overlap per mailbox. */
class SessionProbe {
  readonly started: { mailboxId: string; at: number }[] = [];
  autoFinish = true;
  maxPerMailbox = 0;
  maxRunningAtOnce = 0;
  private readonly running = new Map<string, number>();
  private readonly pending: (() => void)[] = [];

  constructor(private readonly clock: ManualClock) {}

  run = (mailboxId: string): Promise<SessionReport> => {
    const at = this.clock.now();
    this.started.push({ mailboxId, at: at.getTime() });
    this.running.set(mailboxId, (this.running.get(mailboxId) ?? 0) + 1);
    this.maxPerMailbox = Math.max(this.maxPerMailbox, ...this.running.values());
    this.maxRunningAtOnce = Math.max(this.maxRunningAtOnce, [...this.running.values()].reduce((sum, count) => sum + count, 0));
    const finish = (resolve: (report: SessionReport) => void) => {
      this.running.set(mailboxId, (this.running.get(mailboxId) ?? 1) - 1);
      resolve(outcomeReport(mailboxId, 'ok', at));
    };
    return new Promise((resolve) => {
      if (this.autoFinish) {
        finish(resolve);
        return;
      }
      this.pending.push(() => finish(resolve));
    });
  };

  finishAll(): void {
    for (const finish of this.pending.splice(0)) {
      finish();
    }
  }

  startsOf(mailboxId: string): number[] {
    return this.started.filter((start) => start.mailboxId === mailboxId).map((start) => start.at);
  }
}

describe('jitter', () => {
  it('stays within the bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 60 * MINUTE }), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (interval, jitter, draw) => {
        const delay = jitteredDelayMs(interval, jitter, () => draw);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(interval * (1 - jitter)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(interval * (1 + jitter)));
      }),
    );
  });

  it('reaches both ends', () => {
    expect(jitteredDelayMs(30 * MINUTE, 0.2, () => 0)).toBe(24 * MINUTE);
    expect(jitteredDelayMs(30 * MINUTE, 0.2, () => 0.5)).toBe(30 * MINUTE);
    expect(jitteredDelayMs(30 * MINUTE, 0.2, () => 0.9999999)).toBeCloseTo(36 * MINUTE, -2);
  });

  it('rejects a share above one half', () => {
    expect(() => jitteredDelayMs(MINUTE, 0.6)).toThrow(/jitter must be a share between 0 and 0.5, got 0.6/);
  });
});

describe('scheduler', () => {
  const START = Date.parse('2026-05-04T08:00:00.000Z');
  let clock: ManualClock;
  let store: SynclineStore;
  let probe: SessionProbe;
  let scheduler: Scheduler | null;
  const logger = createSilentLogger();

  const build = (mailboxIds: readonly string[], options: { maxConcurrentSessions?: number; jitter?: number; coalesceMs?: number; gracePeriodMs?: number } = {}): Scheduler => {
    const runner = createSessionRunner({ store, runSession: probe.run, intervalMs: () => 30 * MINUTE, jitter: options.jitter ?? 0, logger, now: () => clock.now(), random: () => 0.5 });
    scheduler = createScheduler({
      mailboxIds,
      runner,
      store,
      maxConcurrentSessions: options.maxConcurrentSessions ?? 4,
      coalesceMs: options.coalesceMs ?? MINUTE,
      pollMs: 2_000,
      gracePeriodMs: options.gracePeriodMs ?? 8_000,
      clock,
      logger,
    });
    return scheduler;
  };

  beforeEach(async () => {
    clock = new ManualClock(START);
    store = await scheduleStore(['a', 'b', 'c', 'd', 'e']);
    probe = new SessionProbe(clock);
    scheduler = null;
  });

  afterEach(async () => {
    probe.finishAll();
    await scheduler?.stop();
    await store.close();
  });

  it('runs each mailbox on its interval for two hours', async () => {
    await build(['a', 'b']).start();
    await clock.advance(2 * HOUR);

    const expected = [0, 30, 60, 90, 120].map((minutes) => START + minutes * MINUTE);
    expect(probe.startsOf('a')).toEqual(expected);
    expect(probe.startsOf('b')).toEqual(expected);
    expect(await store.loadSchedule('a')).toMatchObject({ state: 'active', nextSessionAt: new Date(START + 150 * MINUTE).toISOString(), lastStatus: 'ok' });
  });

  it('never overlaps sessions of one mailbox', async () => {
    probe.autoFinish = false;
    const running = build(['a']);
    await running.start();
    await clock.advance(3 * HOUR);
    running.requestSession('a', 'force');
    running.requestSession('a', 'force');
    await clock.advance(MINUTE);
    expect(probe.startsOf('a')).toHaveLength(1);

    probe.finishAll();
    await clock.advance(0);
    // The forced requests collapse into one session right after the long one.
    expect(probe.startsOf('a')).toEqual([START, START + 3 * HOUR + MINUTE]);
    expect(probe.maxPerMailbox).toBe(1);
  });

  it('caps sessions across mailboxes', async () => {
    probe.autoFinish = false;
    await build(['a', 'b', 'c', 'd', 'e'], { maxConcurrentSessions: 2 }).start();
    await clock.advance(0);
    expect(probe.started).toHaveLength(2);

    for (let round = 0; round < 3; round += 1) {
      probe.finishAll();
      await clock.advance(0);
    }
    expect(probe.started.map((start) => start.mailboxId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(probe.maxRunningAtOnce).toBe(2);
  });

  it('restart continues at the stored time', async () => {
    const first = build(['a']);
    await first.start();
    await clock.advance(10 * MINUTE);
    await first.stop();

    const second = build(['a']);
    await second.start();
    await clock.advance(19 * MINUTE);
    expect(probe.startsOf('a')).toEqual([START]);
    await clock.advance(MINUTE);
    expect(probe.startsOf('a')).toEqual([START, START + 30 * MINUTE]);
  });

  it('restart after a long stop runs once', async () => {
    const first = build(['a']);
    await first.start();
    await clock.advance(MINUTE);
    await first.stop();

    await clock.advance(5 * HOUR);
    const second = build(['a']);
    await second.start();
    await clock.advance(29 * MINUTE);
    const down = START + 5 * HOUR + MINUTE;
    expect(probe.startsOf('a')).toEqual([START, down]);
    await clock.advance(MINUTE);
    expect(probe.startsOf('a')).toEqual([START, down, down + 30 * MINUTE]);
  });

  it('restart survives a new process on the same file', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-restart-'));
    const file = path.join(folder, 'syncline.db');
    try {
      await store.close();
      store = await openStore({ kind: 'sqlite', path: file }, logger);
      await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
      await store.upsertMailbox({ id: 'a', orgId: 'org-1', kind: 'graph', address: 'a@contoso.example', timeZone: 'Europe/Berlin' });
      const first = build(['a']);
      await first.start();
      await clock.advance(5 * MINUTE);
      await first.stop();
      await store.close();

      store = await openStore({ kind: 'sqlite', path: file }, logger);
      await build(['a']).start();
      await clock.advance(25 * MINUTE);
      expect(probe.startsOf('a')).toEqual([START, START + 30 * MINUTE]);
    } finally {
      await scheduler?.stop();
      scheduler = null;
      await store.close();
      store = await scheduleStore([]);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('coalesces a burst of notifications', async () => {
    const running = build(['a'], { coalesceMs: 2 * MINUTE });
    await running.start();
    await clock.advance(30 * 1000);
    for (let index = 0; index < 100; index += 1) {
      running.requestSession('a', 'notification');
      await clock.advance(500);
    }
    await clock.advance(5 * MINUTE);

    // One at start; the burst inside the two minutes after it becomes one session at the window's end.
    expect(probe.startsOf('a')).toEqual([START, START + 2 * MINUTE]);
  });

  it('notification when idle runs at once', async () => {
    const running = build(['a'], { coalesceMs: 2 * MINUTE });
    await running.start();
    await clock.advance(10 * MINUTE);
    running.requestSession('a', 'notification');
    running.requestSession('a', 'notification');
    await clock.advance(0);

    expect(probe.startsOf('a')).toEqual([START, START + 10 * MINUTE]);
  });

  it('notifications during a session run once after it', async () => {
    probe.autoFinish = false;
    const running = build(['a'], { coalesceMs: 2 * MINUTE });
    await running.start();
    await clock.advance(30 * 1000);
    const triggers: SessionTrigger[] = ['notification', 'notification', 'changeStream', 'notification'];
    for (const trigger of triggers) {
      running.requestSession('a', trigger);
    }
    await clock.advance(30 * 1000);
    probe.finishAll();
    // The CRM change must not wait for the coalescing window: it runs as soon as the session ends.
    await clock.advance(0);
    expect(probe.startsOf('a')).toEqual([START, START + MINUTE]);
    probe.autoFinish = true;
    probe.finishAll();
    await clock.advance(10 * MINUTE);
    expect(probe.startsOf('a')).toEqual([START, START + MINUTE]);
  });

  it('picks up suspend, resume and force from the store', async () => {
    await build(['a']).start();
    await clock.advance(MINUTE);
    await suspendMailbox(store, 'a', 'holiday');
    await clock.advance(2 * HOUR);
    expect(probe.startsOf('a')).toEqual([START]);

    await resumeMailbox(store, 'a', clock.now());
    await clock.advance(2_000);
    const resumedAt = START + 2 * HOUR + MINUTE + 2_000;
    expect(probe.startsOf('a')).toEqual([START, resumedAt]);

    await clock.advance(5 * MINUTE);
    await queueForcedSession(store, 'a', clock.now());
    await clock.advance(2_000);
    expect(probe.startsOf('a')).toEqual([START, resumedAt, resumedAt + 5 * MINUTE + 2_000]);
  });

  it('stop abandons sessions after the grace period', async () => {
    probe.autoFinish = false;
    const running = build(['a'], { gracePeriodMs: 50 });
    await running.start();
    await clock.advance(0);
    expect(probe.startsOf('a')).toHaveLength(1);

    const began = Date.now();
    expect(await running.stop()).toEqual(['a']);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('poll ignores rows read before a session ended', async () => {
    probe.autoFinish = false;
    // The poll's rows are read at once but returned only when the test calls handOver, as from a slow store.
    let handOver: () => void = () => undefined;
    let polled: () => void = () => undefined;
    const pollStarted = new Promise<void>((resolve) => (polled = resolve));
    const slowStore = {
      loadSchedule: (mailboxId: string) => store.loadSchedule(mailboxId),
      listSchedules: () => store.listSchedules(),
      saveSchedule: (schedule: Parameters<SynclineStore['saveSchedule']>[0]) => store.saveSchedule(schedule),
      listDueSchedules: async (now: string, limit: number) => {
        const rows = await store.listDueSchedules(now, limit);
        polled();
        await new Promise<void>((resolve) => (handOver = resolve));
        return rows;
      },
    };
    const runner = createSessionRunner({ store, runSession: probe.run, intervalMs: () => 30 * MINUTE, jitter: 0, logger, now: () => clock.now(), random: () => 0.5 });
    scheduler = createScheduler({ mailboxIds: ['a'], runner, store: slowStore, maxConcurrentSessions: 1, coalesceMs: MINUTE, pollMs: 2_000, clock, logger });
    await scheduler.start();
    await clock.advance(0);

    // The poll reads the running session's row, which is due; the session ends before the poll looks at it.
    void clock.advance(2_000);
    await pollStarted;
    probe.finishAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    handOver();
    await clock.advance(10 * MINUTE);

    expect(probe.startsOf('a')).toEqual([START]);
  });

  it('keeps the schedule after the runner throws', async () => {
    let calls = 0;
    scheduler = createScheduler({
      mailboxIds: ['a'],
      runner: {
        runSession: async () => {
          calls += 1;
          throw new Error('store closed');
        },
      },
      store,
      maxConcurrentSessions: 1,
      coalesceMs: MINUTE,
      clock,
      logger,
    });
    await scheduler.start();
    await clock.advance(11 * MINUTE);

    expect(calls).toBe(3);
  });
});

describe('session outcome', () => {
  const NOW = new Date('2026-05-04T08:00:00.000Z');
  const context = { startedFrom: 'active' as const, now: NOW, intervalMs: 30 * MINUTE, jitter: 0, random: () => 0.5 };
  const syncing = { ...newSchedule('a', NOW.toISOString()), state: 'syncing' as const };

  it('disconnects a mailbox whose account is gone', () => {
    const gone = { kind: 'suspend' as const, code: 'ErrorNonExistentMailbox', message: 'Graph returned 404 ErrorNonExistentMailbox: the mailbox does not exist' };
    const after = scheduleAfterSession(syncing, outcomeReport('a', 'failed', NOW, gone), context);
    expect(after).toMatchObject({ state: 'disconnected', reason: gone.message, nextSessionAt: null, resumeAt: null, failureCount: 1 });
  });

  it('suspends on revoked consent', () => {
    const revoked = { kind: 'suspend' as const, code: 'invalid_grant', message: 'Salesforce refused the refresh token' };
    const after = scheduleAfterSession(syncing, outcomeReport('a', 'failed', NOW, revoked), context);
    expect(after).toMatchObject({ state: 'suspendedByError', reason: revoked.message, resumeAt: new Date(NOW.getTime() + 5 * MINUTE).toISOString() });
  });

  it('delays a skip of a stale syncing state', () => {
    // A process killed during a session left the mailbox `syncing` with its lease: a restart must not spin on it.
    const stale = { ...syncing, nextSessionAt: new Date(NOW.getTime() - MINUTE).toISOString() };
    const after = scheduleAfterSession(stale, outcomeReport('a', 'skipped', NOW), { ...context, startedFrom: 'syncing' });

    expect(after.state).toBe('syncing');
    expect(after.nextSessionAt).toBe(new Date(NOW.getTime() + MINUTE).toISOString());
  });

  it('delays a skipped automatic resume', () => {
    const resumeAt = new Date(NOW.getTime() - MINUTE).toISOString();
    const resuming = { ...syncing, reason: 'Graph throttled the mailbox', resumeAt, nextSessionAt: null };
    const skipped = outcomeReport('a', 'skipped', NOW);
    const after = scheduleAfterSession(resuming, skipped, { ...context, startedFrom: 'suspendedByError' });

    expect(after.state).toBe('suspendedByError');
    expect(after.reason).toBe('Graph throttled the mailbox');
    expect(after.resumeAt).toBe(new Date(NOW.getTime() + MINUTE).toISOString());
  });
});

describe('mailbox control', () => {
  it('resume reconnects only a configured mailbox', async () => {
    const store = await scheduleStore(['a']);
    try {
      await store.saveSchedule({ ...newSchedule('a', null), state: 'disconnected', reason: 'Removed from the configuration' });
      const now = new Date('2026-05-04T08:00:00.000Z');
      await expect(resumeMailbox(store, 'a', now)).rejects.toThrow(MailboxStateError);
      await expect(resumeMailbox(store, 'a', now)).rejects.toThrow(/add it to the configuration again/);

      expect(await resumeMailbox(store, 'a', now, { reconnect: true })).toMatchObject({ state: 'active', reason: null, nextSessionAt: now.toISOString() });
    } finally {
      await store.close();
    }
  });
});

describe('engine start', () => {
  it('restart writes only changed mailboxes', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-engine-start-'));
    const file = path.join(folder, 'syncline.db');
    const configWith = (danaZone: string) =>
      parseConfig(
        {
          dataDir: folder,
          store: { kind: 'sqlite', path: file },
          orgs: [
            {
              id: 'acme',
              name: 'Acme',
              salesforce: { loginUrl: 'http://127.0.0.1:9', auth: { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' } },
              graph: { tenantId: 'tenant', clientId: 'graph-app', clientSecret: 'graph-secret', authorityUrl: 'http://127.0.0.1:9', graphBaseUrl: 'http://127.0.0.1:9/v1.0' },
              mailboxes: [
                { id: 'dana', address: 'dana@acme.example.com', timeZone: danaZone },
                { id: 'lee', address: 'lee@acme.example.com', timeZone: 'UTC' },
              ],
            },
          ],
        },
        { source: 'test', env: {}, baseDir: folder },
      );
    const logger = createSilentLogger();
    try {
      await (await openEngine({ config: configWith('Europe/Berlin'), logger })).close();

      // A restart with one mailbox changed updates that row and leaves the other one as it was.
      const engine = await openEngine({ config: configWith('Europe/Paris'), logger });
      try {
        const rows = await engine.store.listMailboxes();
        expect(rows.map((row) => [row.id, row.timeZone]).sort()).toEqual([
          ['dana', 'Europe/Paris'],
          ['lee', 'UTC'],
        ]);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
