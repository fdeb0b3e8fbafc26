import type { JobHelpers, Task } from 'graphile-worker';
import type { MailboxSchedule, ScheduleStore, SessionTrigger } from '../../domain/mailbox-state.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SessionRunner } from '../session-runner.ts';
import { CUT_SESSIONS_BEFORE_SUSPEND, suspendAfterRepeatedDeaths } from './dead-session-jobs.ts';
import type { MailboxLock, MailboxLocks } from './mailbox-locks.ts';
import { isCoalescedTrigger } from '../scheduler.ts';
import { readSessionPayload } from './session-jobs.ts';
import { enqueueSession } from './session-queue.ts';

/** A session whose run threw (a bug, a store that went away) is tried again after this wait. */
const ERROR_RETRY_MS = 60_000;

/** A session job this process runs now. */
export interface ActiveRun {
  readonly jobId: string;
  readonly mailboxId: string;
  readonly attempts: number;
}

export interface SessionTaskOptions {
  readonly runner: SessionRunner;
  readonly store: ScheduleStore & { breakSessionLease(mailboxId: string): Promise<void> };
  readonly locks: MailboxLocks;
  /** At most one notification-triggered session per mailbox per this many milliseconds. */
  readonly coalesceMs: number;
  /** A job whose mailbox is busy with another session waits this long before it looks again. */
  readonly busyRetryMs: number;
  readonly logger: Logger;
  /** Real time, for the coalescing interval and for putting jobs back. */
  readonly now?: () => Date;
  /** The clock the schedules are kept in (nextSessionAt). */
  readonly scheduleNow?: () => Date;
  readonly random?: () => number;
  /** The jobs this process runs, by job id; the task adds each while it holds the mailbox lock. */
  readonly activeRuns: Map<string, ActiveRun>;
}

/**
 * Create the `syncline_session` task, which runs one session for the job's mailbox. While another session of the
 * mailbox runs, the job comes back after `busyRetryMs`. A notification inside the coalescing interval of the last
 * session comes back when the interval ends, merged with every request that arrives meanwhile. Failures put the job
 * back instead of throwing, so graphile-worker attempts a job again only when its worker died or the database failed.
 */
export function createSessionTask(options: SessionTaskOptions): Task {
  const now = options.now ?? (() => new Date());

  return async (payload: unknown, helpers: JobHelpers) => {
    let request: ReturnType<typeof readSessionPayload>;
    try {
      request = readSessionPayload(payload);
    } catch (error) {
      // Another version of Syncline wrote this job; running it again would fail the same way.
      options.logger.error({ err: error, jobId: helpers.job.id }, 'Session job has an invalid payload; dropping it');
      return;
    }

    const { mailboxId, trigger, triggers } = request;
    const logger = options.logger.child({ mailboxId, trigger, jobId: helpers.job.id });
    const putBack = (delayMs: number) =>
      enqueueSession(helpers.addJob, { mailboxId, trigger }, { mode: 'keepTime', runAt: new Date(now().getTime() + delayMs), alsoTriggers: triggers });

    let lock: MailboxLock | null;
    try {
      lock = await options.locks.tryLock(mailboxId);
    } catch (error) {
      logger.error({ err: error, retryInMs: ERROR_RETRY_MS }, 'Taking the mailbox lock failed; the session runs later');
      await putBack(ERROR_RETRY_MS);
      return;
    }

    if (lock === null) {
      logger.debug({ delayMs: options.busyRetryMs }, 'Another session of this mailbox is running; the request waits for it');
      await putBack(options.busyRetryMs);
      return;
    }

    const jobId = String(helpers.job.id);
    options.activeRuns.set(jobId, { jobId, mailboxId, attempts: helpers.job.attempts });
    try {
      await runLocked(options, { mailboxId, trigger, attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts, logger, now: now(), putBack });
    } catch (error) {
      logger.error({ err: error, retryInMs: ERROR_RETRY_MS }, 'Session job failed outside the session; it runs again later');
      await putBack(ERROR_RETRY_MS);
    } finally {
      options.activeRuns.delete(jobId);
      await lock.release();
    }
  };
}

interface LockedRun {
  readonly mailboxId: string;
  readonly trigger: SessionTrigger;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly logger: Logger;
  readonly now: Date;
  readonly putBack: (delayMs: number) => Promise<void>;
}

async function runLocked(options: SessionTaskOptions, run: LockedRun): Promise<void> {
  const scheduleNow = options.scheduleNow?.() ?? new Date();
  // The last attempt runs no session: every earlier run of this job died with its worker, and so may this one.
  if (run.attempts >= run.maxAttempts) {
    await suspendAfterRepeatedDeaths(options.store, { mailboxId: run.mailboxId, cutRuns: run.attempts - 1, now: scheduleNow, ...(options.random ? { random: options.random } : {}) }, run.logger);
    return;
  }

  const schedule = await options.store.loadSchedule(run.mailboxId);

  // A second attempt means the first was cut short: its worker died, or the database failed before its session
  // began. A mailbox still marked syncing while this job holds its lock had its session die the same way. Either
  // dead session's lease would keep this one skipped until it expires (30 minutes in the sync core). Every session on
  // PostgreSQL holds this lock (worker jobs, `syncline force` through the queue, `sync --once`), so the lock held
  // here shows that no live session owns the lease.
  if (run.attempts > 1 || schedule?.state === 'syncing') {
    run.logger.warn({ attempts: run.attempts, state: schedule?.state }, 'Taking over the session of a worker that died; this session repairs what it left');
    await options.store.breakSessionLease(run.mailboxId);
  }

  // The cut session counts as a failure, so a mailbox whose sessions keep killing their workers stops being retried.
  if (schedule?.state === 'syncing') {
    const cutRuns = schedule.failureCount + 1;
    if (cutRuns >= CUT_SESSIONS_BEFORE_SUSPEND) {
      await suspendAfterRepeatedDeaths(options.store, { mailboxId: run.mailboxId, cutRuns, now: scheduleNow, ...(options.random ? { random: options.random } : {}) }, run.logger);
      return;
    }
    await options.store.saveSchedule({ ...schedule, failureCount: cutRuns });
  }

  // A scheduled job whose session already ran is done: a worker died after the session but before it could mark
  // the job complete, or two planning rounds overlapped.
  if (run.trigger === 'schedule' && isNotDue(schedule, scheduleNow)) {
    run.logger.debug('The scheduled session already ran; nothing to do');
    return;
  }

  const waitMs = isCoalescedTrigger(run.trigger) ? coalescingWaitMs(schedule, options.coalesceMs, run.now) : 0;
  if (waitMs > 0) {
    run.logger.debug({ waitMs }, 'Notification inside the coalescing interval; merged into one later session');
    await run.putBack(waitMs);
    return;
  }

  await options.runner.runSession(run.mailboxId, run.trigger);
}

/** Milliseconds until the coalescing interval that began with the mailbox's last session ends; 0 when it has. */
function coalescingWaitMs(schedule: MailboxSchedule | null, coalesceMs: number, now: Date): number {
  if (schedule?.lastSessionAt == null) {
    return 0;
  }
  return Math.max(0, Date.parse(schedule.lastSessionAt) + coalesceMs - now.getTime());
}

function isNotDue(schedule: MailboxSchedule | null, now: Date): boolean {
  if (schedule?.state !== 'active' || schedule.nextSessionAt === null) {
    return false;
  }
  return Date.parse(schedule.nextSessionAt) > now.getTime();
}
