import type { MailboxSchedule, ScheduleStore, SessionTrigger } from '../domain/mailbox-state.ts';
import type { Logger } from '../observability/logger.ts';
import type { ScheduleQueries } from '../store/mailbox-schedules.ts';
import { systemClock, type Clock } from './clock.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { newSchedule } from './mailbox-states.ts';
import type { SessionRunner } from './session-runner.ts';

/** The scheduler contract that the embedded and the distributed scheduler implement for the CLI, the server and the change stream. */
export interface Scheduler {
  start(): Promise<void>;
  /** Ask for a session soon; requests inside the coalescing interval of a mailbox merge into one. */
  requestSession(mailboxId: string, trigger: SessionTrigger): void;
  /**
   * Start no more sessions and give the running ones the grace period. Resolves with the ids of the mailboxes whose
   * sessions were still running at its end. Those are abandoned: close the store they write to, so none can commit,
   * then hand them back with releaseAbandonedSessions, then call close().
   */
  stop(): Promise<readonly string[]>;
  /** Release what stop kept for the hand-over: the job engine's connections and its unfinished jobs. */
  close(): Promise<void>;
}

export interface EmbeddedSchedulerOptions {
  readonly mailboxIds: readonly string[];
  readonly runner: SessionRunner;
  readonly store: ScheduleStore & Pick<ScheduleQueries, 'listDueSchedules'>;
  /** Sessions running at once across all mailboxes. */
  readonly maxConcurrentSessions: number;
  /** A notification that comes within this long after a session of its mailbox started waits for the interval's end. */
  readonly coalesceMs: number;
  /** How often the store is read for sessions other processes made due (`syncline force`, `resume`). */
  readonly pollMs?: number;
  /** How long `stop` lets running sessions finish before it abandons them. */
  readonly gracePeriodMs?: number;
  readonly clock?: Clock;
  readonly logger: Logger;
}

const DEFAULT_POLL_MS = 3_000;
/**
 * Due rows read per poll. Timers cover every mailbox already, so a poll only looks for what other processes made
 * due now (`syncline force`, `resume`). A larger backlog is armed by its timers anyway.
 */
const POLL_LIMIT = 1_000;
const DEFAULT_GRACE_PERIOD_MS = 8_000;
/** After a runner error that is not a session failure (a closed store, a bug). */
const CRASH_RETRY_MS = 5 * 60_000;

/**
 * Triggers that wait for the coalescing interval, so a burst of mailbox notifications becomes one session. A
 * person's force, a CRM change (which must reach the mailbox within seconds) and a resume run once the mailbox is free.
 */
const COALESCED_TRIGGERS: ReadonlySet<SessionTrigger> = new Set(['notification']);

/** Tell whether a request with this trigger waits for its mailbox's coalescing interval, in either scheduler. */
export function isCoalescedTrigger(trigger: SessionTrigger): boolean {
  return COALESCED_TRIGGERS.has(trigger);
}

interface MailboxSlot {
  readonly mailboxId: string;
  timer: unknown;
  dueAt: number | null;
  dueTrigger: SessionTrigger;
  /** waiting: for a concurrency slot, so a new request is covered by it; running: a request must queue. */
  phase: 'idle' | 'waiting' | 'running';
  session: Promise<void> | null;
  /** A request that came while the session ran; it becomes one more session afterwards. */
  queued: SessionTrigger | null;
  lastStartedAt: number;
  /** After a runner error the stored time is stale; the schedule waits until this instant instead of spinning. */
  notBefore: number;
  /** The time the slot last went idle after a session, armed from the schedule that the session saved. */
  settledAt: number;
}

/**
 * The embedded scheduler: timers in this process, the schedule in the store. Each mailbox has at most one timer and
 * one session. The runner persists the time of the next session, so a restart continues where it stopped. A mailbox
 * whose time passed while the process was down runs once, not once per missed interval.
 */
export function createScheduler(options: EmbeddedSchedulerOptions): Scheduler {
  const clock = options.clock ?? systemClock;
  const limit = new ConcurrencyLimit(options.maxConcurrentSessions);
  const slots = new Map<string, MailboxSlot>(
    options.mailboxIds.map((mailboxId) => [mailboxId, { mailboxId, timer: null, dueAt: null, dueTrigger: 'schedule', phase: 'idle', session: null, queued: null, lastStartedAt: Number.NEGATIVE_INFINITY, notBefore: Number.NEGATIVE_INFINITY, settledAt: Number.NEGATIVE_INFINITY }]),
  );
  let stopping = false;
  let pollTimer: unknown = null;
  let polling = false;
  const now = () => clock.now().getTime();

  const disarm = (slot: MailboxSlot): void => {
    if (slot.timer !== null) {
      clock.clearTimer(slot.timer);
    }
    slot.timer = null;
    slot.dueAt = null;
  };

  const arm = (slot: MailboxSlot, at: number, trigger: SessionTrigger): void => {
    disarm(slot);
    slot.dueAt = at;
    slot.dueTrigger = trigger;
    slot.timer = clock.setTimer(() => fire(slot), Math.max(0, at - now()));
  };

  const fire = (slot: MailboxSlot): void => {
    const trigger = slot.dueTrigger;
    slot.timer = null;
    slot.dueAt = null;
    if (stopping) {
      return;
    }
    if (slot.phase === 'running') {
      slot.queued = mergeTriggers(slot.queued, trigger);
      return;
    }
    if (slot.phase === 'idle') {
      slot.session = execute(slot, trigger);
    }
  };

  const execute = async (slot: MailboxSlot, trigger: SessionTrigger): Promise<void> => {
    slot.phase = 'waiting';
    const granted = await limit.acquire();
    if (!granted) {
      slot.phase = 'idle';
      slot.session = null;
      return;
    }

    slot.phase = 'running';
    slot.lastStartedAt = now();
    let crashed = false;
    try {
      await options.runner.runSession(slot.mailboxId, trigger);
    } catch (error) {
      crashed = true;
      if (stopping) {
        // An abandoned session fails once the process closes its store; stop has reported it already.
        options.logger.debug({ err: error, mailboxId: slot.mailboxId }, 'Abandoned session ended with an error');
      } else {
        options.logger.error({ err: error, mailboxId: slot.mailboxId }, 'Session crashed; retrying after a backoff');
      }
    } finally {
      limit.release();
    }

    try {
      await afterSession(slot, crashed);
    } catch (error) {
      // The next poll of the store arms the mailbox again.
      options.logger.error({ err: error, mailboxId: slot.mailboxId }, 'Could not read the schedule after a session');
    } finally {
      slot.phase = 'idle';
      slot.session = null;
      slot.settledAt = now();
    }
  };

  const afterSession = async (slot: MailboxSlot, crashed: boolean): Promise<void> => {
    if (stopping) {
      return;
    }
    // The runner left the stored time as it was, already past; waiting keeps a broken mailbox from spinning.
    slot.notBefore = crashed ? now() + CRASH_RETRY_MS : Number.NEGATIVE_INFINITY;
    if (crashed) {
      slot.queued = null;
      arm(slot, slot.notBefore, 'schedule');
      return;
    }
    if (slot.queued !== null) {
      const trigger = slot.queued;
      slot.queued = null;
      arm(slot, requestTime(slot, trigger), trigger);
      return;
    }
    const schedule = await options.store.loadSchedule(slot.mailboxId);
    if (schedule) {
      armFromSchedule(slot, schedule);
    }
  };

  const requestTime = (slot: MailboxSlot, trigger: SessionTrigger): number =>
    isCoalescedTrigger(trigger) ? Math.max(now(), slot.lastStartedAt + options.coalesceMs) : now();

  // Arms the timer from the stored schedule, unless an earlier session is already due (a coalesced request).
  const armFromSchedule = (slot: MailboxSlot, schedule: MailboxSchedule): void => {
    const due = dueOf(schedule, now());
    if (due === null) {
      disarm(slot);
      return;
    }
    const at = Math.max(due.at, slot.notBefore);
    if (slot.dueAt === null || at < slot.dueAt) {
      arm(slot, at, due.trigger);
    }
  };

  const poll = async (): Promise<void> => {
    pollTimer = null;
    if (stopping || polling) {
      return;
    }
    polling = true;
    const pollStartedAt = now();
    try {
      for (const schedule of await options.store.listDueSchedules(clock.now().toISOString(), POLL_LIMIT)) {
        const slot = slots.get(schedule.mailboxId);
        // A session that ended during the read saved a newer schedule and armed its slot from it, so this row is stale.
        if (slot && slot.phase === 'idle' && slot.settledAt < pollStartedAt && !stopping) {
          armFromSchedule(slot, schedule);
        }
      }
    } catch (error) {
      options.logger.warn({ err: error }, 'Reading the schedules failed; trying again at the next poll');
    } finally {
      polling = false;
      if (!stopping) {
        pollTimer = clock.setTimer(() => void poll(), options.pollMs ?? DEFAULT_POLL_MS);
      }
    }
  };

  return {
    async start() {
      const stored = new Map((await options.store.listSchedules()).map((schedule) => [schedule.mailboxId, schedule]));
      for (const slot of slots.values()) {
        let schedule = stored.get(slot.mailboxId);
        if (!schedule) {
          // A new mailbox gets its first session now; later ones follow its interval.
          schedule = newSchedule(slot.mailboxId, clock.now().toISOString());
          await options.store.saveSchedule(schedule);
        }
        armFromSchedule(slot, schedule);
      }
      pollTimer = clock.setTimer(() => void poll(), options.pollMs ?? DEFAULT_POLL_MS);
      options.logger.debug({ mailboxes: slots.size }, 'Scheduler started');
    },

    requestSession(mailboxId, trigger) {
      const slot = slots.get(mailboxId);
      if (!slot) {
        options.logger.warn({ mailboxId, trigger }, 'Session requested for a mailbox this scheduler does not run; ignored');
        return;
      }
      if (stopping || slot.phase === 'waiting') {
        // A waiting session has not read anything yet, so it covers this request.
        return;
      }
      if (slot.phase === 'running') {
        slot.queued = mergeTriggers(slot.queued, trigger);
        return;
      }
      const at = requestTime(slot, trigger);
      if (slot.dueAt === null || at < slot.dueAt) {
        arm(slot, at, trigger);
      }
    },

    async stop() {
      stopping = true;
      if (pollTimer !== null) {
        clock.clearTimer(pollTimer);
      }
      for (const slot of slots.values()) {
        disarm(slot);
      }
      limit.cancelWaiting();

      const running = [...slots.values()].flatMap((slot) => (slot.session ? [slot.session] : []));
      const finished = await settleWithin(Promise.all(running), options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS);
      if (finished) {
        return [];
      }
      // Each session commits in one transaction at its end, so one cut off here leaves nothing half-written.
      const abandoned = [...slots.values()].filter((slot) => slot.phase === 'running').map((slot) => slot.mailboxId);
      options.logger.warn({ sessions: abandoned.length }, 'Grace period over: abandoning the sessions still running');
      return abandoned;
    },

    // Timers and sessions live in this process only, so stop left nothing to free.
    close: () => Promise.resolve(),
  };
}

/** When the schedule wants the next session, and why; null when the mailbox is suspended by a person or disconnected. */
function dueOf(schedule: MailboxSchedule, nowMs: number): { at: number; trigger: SessionTrigger } | null {
  const at = (iso: string | null) => (iso === null ? nowMs : Date.parse(iso));
  switch (schedule.state) {
    case 'active':
    case 'syncing':
      return { at: at(schedule.nextSessionAt), trigger: 'schedule' };
    case 'suspendedByError':
      return { at: at(schedule.resumeAt), trigger: 'resume' };
    case 'suspendedByUser':
    case 'disconnected':
      return null;
  }
}

/** Two requests that merge keep the one that must not wait. */
function mergeTriggers(queued: SessionTrigger | null, incoming: SessionTrigger): SessionTrigger {
  if (queued === null || isCoalescedTrigger(queued)) {
    return incoming;
  }
  return queued;
}

/** Real time on purpose: the grace period bounds how long the process takes to exit, whatever clock schedules. */
function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    void work.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
