import type { Clock } from '../../src/scheduler/clock.ts';

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when the test calls `advance`. `advance` fires the due timers in time order and lets the work
 * they start run to its next wait on another timer, so hours of schedule pass in milliseconds. The work may use
 * promises and a SQLite store, whose calls finish within the same turn of the event loop; real network I/O would
 * need real time.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: PendingTimer[] = [];

  constructor(start: string | number = '2026-05-04T08:00:00.000Z') {
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const timer = { id: this.nextId, at: this.current + Math.max(0, delayMs), callback };
    this.nextId += 1;
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, each at its own instant. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) {
        break;
      }
      this.timers = this.timers.filter((timer) => timer !== due);
      this.current = Math.max(this.current, due.at);
      due.callback();
      await settle();
    }
    this.current = target;
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}

/** Let every promise chain started so far run until it waits on a timer. */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Real time sped up: `speed` simulated milliseconds pass per real one. For tests whose sessions do real HTTP to
 * the emulators, where a hand-moved clock cannot wait for the network.
 */
export class FastClock implements Clock {
  private readonly realStart = Date.now();

  constructor(
    private readonly speed: number,
    private readonly start: number = Date.now(),
  ) {}

  now(): Date {
    return new Date(this.start + (Date.now() - this.realStart) * this.speed);
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    return setTimeout(callback, Math.max(0, delayMs) / this.speed);
  }

  clearTimer(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
