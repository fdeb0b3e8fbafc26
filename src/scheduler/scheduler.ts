import type { Logger } from '../observability/logger.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { jitteredDelayMs } from './jitter.ts';

export interface ScheduledMailbox {
  readonly id: string;
  readonly intervalMs: number;
}

export interface SchedulerOptions {
  readonly mailboxes: readonly ScheduledMailbox[];
  /** Share of the interval by which each wait moves at random, 0 to 0.5. */
  readonly jitter: number;
  /** Sessions running at once across all mailboxes. */
  readonly maxConcurrentSessions: number;
  /** Runs one session; an error it throws is logged and the mailbox keeps its schedule. */
  readonly runSession: (mailboxId: string) => Promise<void>;
  readonly logger: Logger;
  /** Start one session per mailbox right away instead of after the first interval; default true. */
  readonly runAtStart?: boolean;
  readonly random?: () => number;
}

export interface Scheduler {
  start(): void;
  /** Run a session for this mailbox as soon as a slot is free; a request during a running session queues one more. */
  runNow(mailboxId: string): void;
  /** Cancel timers and queued sessions, then resolve once the sessions already running have finished. */
  stop(): Promise<void>;
  /** Ids of the mailboxes whose session is running or waiting for a slot. */
  busyMailboxes(): string[];
}

interface MailboxSlot {
  readonly mailbox: ScheduledMailbox;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  runAgain: boolean;
}

/**
 * Run a session for every mailbox on its interval. A mailbox never has two sessions at once: its next wait
 * starts only when its session ends, so a session longer than the interval delays the next one instead of
 * overlapping it.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const limit = new ConcurrencyLimit(options.maxConcurrentSessions);
  const random = options.random ?? Math.random;
  const slots = new Map<string, MailboxSlot>();
  let stopping = false;

  for (const mailbox of options.mailboxes) {
    slots.set(mailbox.id, { mailbox, timer: null, running: null, runAgain: false });
  }

  const scheduleNext = (slot: MailboxSlot, delayMs: number): void => {
    if (stopping) {
      return;
    }
    if (slot.timer) {
      clearTimeout(slot.timer);
    }

    slot.timer = setTimeout(() => {
      slot.timer = null;
      trigger(slot);
    }, delayMs);
    options.logger.debug({ mailboxId: slot.mailbox.id, delayMs }, 'Next session scheduled');
  };

  const trigger = (slot: MailboxSlot): void => {
    if (stopping) {
      return;
    }
    if (slot.running) {
      slot.runAgain = true;
      return;
    }
    slot.running = execute(slot);
  };

  const execute = async (slot: MailboxSlot): Promise<void> => {
    const granted = await limit.acquire();
    if (!granted) {
      slot.running = null;
      return;
    }

    try {
      if (!stopping) {
        await options.runSession(slot.mailbox.id);
      }
    } catch (error) {
      options.logger.error({ err: error, mailboxId: slot.mailbox.id }, 'Session crashed; the mailbox keeps its schedule');
    } finally {
      limit.release();
      slot.running = null;
    }

    afterSession(slot);
  };

  const afterSession = (slot: MailboxSlot): void => {
    if (slot.runAgain) {
      slot.runAgain = false;
      scheduleNext(slot, 0);
      return;
    }
    scheduleNext(slot, jitteredDelayMs(slot.mailbox.intervalMs, options.jitter, random));
  };

  return {
    start() {
      for (const slot of slots.values()) {
        const firstDelay = options.runAtStart === false ? jitteredDelayMs(slot.mailbox.intervalMs, options.jitter, random) : 0;
        scheduleNext(slot, firstDelay);
      }
    },

    runNow(mailboxId) {
      const slot = slots.get(mailboxId);
      if (!slot) {
        throw new Error(`Unknown mailbox id '${mailboxId}'; it is not in the scheduler's list`);
      }
      if (slot.timer) {
        clearTimeout(slot.timer);
        slot.timer = null;
      }
      trigger(slot);
    },

    async stop() {
      stopping = true;
      for (const slot of slots.values()) {
        if (slot.timer) {
          clearTimeout(slot.timer);
          slot.timer = null;
        }
      }

      limit.cancelWaiting();
      const running = [...slots.values()].flatMap((slot) => (slot.running ? [slot.running] : []));
      await Promise.all(running);
    },

    busyMailboxes() {
      return [...slots.values()].filter((slot) => slot.running !== null).map((slot) => slot.mailbox.id);
    },
  };
}
