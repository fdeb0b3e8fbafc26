import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createScheduler, jitteredDelayMs, type Scheduler } from '../src/scheduler/index.ts';

const MINUTE = 60_000;

/** A session that stays open until the test resolves it, recording overlap per mailbox. */
class SessionProbe {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  maxRunningAtOnce = 0;
  private readonly running = new Map<string, number>();
  private readonly pending: (() => void)[] = [];

  run = (mailboxId: string): Promise<void> => {
    this.started.push(mailboxId);
    const now = (this.running.get(mailboxId) ?? 0) + 1;
    this.running.set(mailboxId, now);
    this.maxPerMailbox = Math.max(this.maxPerMailbox, now);
    this.maxRunningAtOnce = Math.max(this.maxRunningAtOnce, this.totalRunning());

    return new Promise((resolve) => {
      this.pending.push(() => {
        this.running.set(mailboxId, (this.running.get(mailboxId) ?? 1) - 1);
        this.finished.push(mailboxId);
        resolve();
      });
    });
  };

  maxPerMailbox = 0;

  finishAll(): void {
    for (const finish of this.pending.splice(0)) {
      finish();
    }
  }

  totalRunning(): number {
    return [...this.running.values()].reduce((sum, count) => sum + count, 0);
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
  let scheduler: Scheduler | null = null;

  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(async () => {
    vi.useRealTimers();
    await scheduler?.stop();
    scheduler = null;
  });

  it('runs every mailbox at start', async () => {
    const probe = new SessionProbe();
    scheduler = createScheduler({
      mailboxes: [
        { id: 'a', intervalMs: 30 * MINUTE },
        { id: 'b', intervalMs: 30 * MINUTE },
      ],
      jitter: 0,
      maxConcurrentSessions: 4,
      runSession: probe.run,
      logger: createSilentLogger(),
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(probe.started.sort()).toEqual(['a', 'b']);
    probe.finishAll();
  });

  it('waits the jittered interval after a session', async () => {
    const probe = new SessionProbe();
    scheduler = createScheduler({
      mailboxes: [{ id: 'a', intervalMs: 30 * MINUTE }],
      jitter: 0.2,
      maxConcurrentSessions: 1,
      runSession: probe.run,
      logger: createSilentLogger(),
      random: () => 0, // the shortest wait: 24 minutes
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    probe.finishAll();
    await vi.advanceTimersByTimeAsync(24 * MINUTE - 1);
    expect(probe.started).toEqual(['a']);

    await vi.advanceTimersByTimeAsync(1);
    expect(probe.started).toEqual(['a', 'a']);
    probe.finishAll();
  });

  it('never overlaps sessions of one mailbox', async () => {
    const probe = new SessionProbe();
    scheduler = createScheduler({
      mailboxes: [{ id: 'a', intervalMs: MINUTE }],
      jitter: 0,
      maxConcurrentSessions: 4,
      runSession: probe.run,
      logger: createSilentLogger(),
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    // The session runs ten intervals long, and a forced run arrives while it runs.
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    scheduler.runNow('a');
    scheduler.runNow('a');
    await vi.advanceTimersByTimeAsync(0);

    expect(probe.started).toEqual(['a']);
    expect(probe.maxPerMailbox).toBe(1);

    probe.finishAll();
    await vi.advanceTimersByTimeAsync(0);
    // The forced requests collapse into one session right after the first.
    expect(probe.started).toEqual(['a', 'a']);
    expect(probe.maxPerMailbox).toBe(1);
    probe.finishAll();
  });

  it('caps sessions across mailboxes', async () => {
    const probe = new SessionProbe();
    scheduler = createScheduler({
      mailboxes: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, intervalMs: 30 * MINUTE })),
      jitter: 0,
      maxConcurrentSessions: 2,
      runSession: probe.run,
      logger: createSilentLogger(),
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(probe.started).toHaveLength(2);

    for (let round = 0; round < 3; round += 1) {
      probe.finishAll();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(probe.started.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(probe.maxRunningAtOnce).toBe(2);
    probe.finishAll();
  });

  it('stop waits for the running session', async () => {
    const probe = new SessionProbe();
    scheduler = createScheduler({
      mailboxes: [
        { id: 'a', intervalMs: MINUTE },
        { id: 'b', intervalMs: MINUTE },
      ],
      jitter: 0,
      maxConcurrentSessions: 1,
      runSession: probe.run,
      logger: createSilentLogger(),
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(probe.started).toEqual(['a']);

    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(stopped).toBe(false);

    probe.finishAll();
    await stopping;
    expect(stopped).toBe(true);
    expect(probe.finished).toEqual(['a']);

    // 'b' was waiting for a slot and is cancelled; nothing starts after stop.
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(probe.started).toEqual(['a']);
  });

  it('keeps the schedule after a session throws', async () => {
    let calls = 0;
    scheduler = createScheduler({
      mailboxes: [{ id: 'a', intervalMs: MINUTE }],
      jitter: 0,
      maxConcurrentSessions: 1,
      runSession: async () => {
        calls += 1;
        throw new Error('connector exploded');
      },
      logger: createSilentLogger(),
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(MINUTE);
    await vi.advanceTimersByTimeAsync(MINUTE);

    expect(calls).toBe(3);
  });
});
