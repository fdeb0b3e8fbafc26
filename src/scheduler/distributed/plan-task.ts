import type { JobHelpers, Task } from 'graphile-worker';
import type { Logger } from '../../observability/logger.ts';
import type { ScheduleQueries } from '../../store/mailbox-schedules.ts';
import { suspendAfterRepeatedDeaths, type DeadJobStore } from './dead-session-jobs.ts';
import { planDueSessions, type DeadSessionJob, type QueuedSessionJob } from './due-sessions.ts';
import type { MailboxLocks } from './mailbox-locks.ts';
import { PLAN_JOB_KEY, PLAN_TASK, sessionJobKey } from './session-jobs.ts';
import { enqueueSession } from './session-queue.ts';

/** Jobs added at once while planning; enough to keep the database busy without taking every pool connection. */
const ENQUEUE_CONCURRENCY = 8;

/**
 * Due rows read per planning round. Rows come oldest due first, and a mailbox whose job waits in the queue is read
 * again each round until its session ran. So after a long outage the queue contains about this many pending jobs
 * while the workers catch up, instead of one per mailbox.
 */
export const DEFAULT_PLAN_LIMIT = 1_000;

export type PlannerStore = DeadJobStore & Pick<ScheduleQueries, 'listDueSchedules'>;

export interface PlanTaskOptions {
  readonly store: PlannerStore;
  /** Ids of the mailboxes this deployment syncs (the configuration's); due rows of others are left alone. */
  readonly mailboxIds: readonly string[];
  /** graphile-worker's schema, where the planner reads which mailboxes have a job already. */
  readonly jobSchema: string;
  /** Lock a mailbox before the planner suspends it, so no session of it runs meanwhile. */
  readonly locks: MailboxLocks;
  /** Milliseconds between two planning rounds. */
  readonly tickMs: number;
  /** Due rows read per round. */
  readonly limit?: number;
  /** The clock the schedules are kept in (nextSessionAt, resumeAt). */
  readonly scheduleNow: () => Date;
  readonly random?: () => number;
  readonly logger: Logger;
}

/**
 * The `syncline_plan` task: read the due schedules with the store's indexed due-rows query, enqueue a session job
 * for each that has none, suspend the mailboxes whose job died for good, then plan the next round. One plan job
 * exists at a time (its job key). Any worker may run it, so planning goes on when a worker stops. A cron entry
 * recreates the job should it ever be lost.
 */
export function createPlanTask(options: PlanTaskOptions): Task {
  const configured = new Set(options.mailboxIds);

  return async (_payload: unknown, helpers: JobHelpers) => {
    const started = performance.now();
    const now = options.scheduleNow();
    const due = await options.store.listDueSchedules(now.toISOString(), options.limit ?? DEFAULT_PLAN_LIMIT);
    const known = due.filter((schedule) => configured.has(schedule.mailboxId));
    // A job added after this read is found by the enqueue below (its dedupe mode), so no mailbox gets two.
    const jobs = await sessionJobsOf(helpers, options.jobSchema, known.map((schedule) => schedule.mailboxId));
    const plan = planDueSessions(known, jobs);

    for (const dead of plan.dead) {
      await suspendDead(options, helpers, dead, now);
    }

    const runAt = new Date();
    for (let offset = 0; offset < plan.enqueue.length; offset += ENQUEUE_CONCURRENCY) {
      const chunk = plan.enqueue.slice(offset, offset + ENQUEUE_CONCURRENCY);
      await Promise.all(chunk.map((request) => enqueueSession(helpers.addJob, request, { mode: 'ifAbsent', runAt })));
    }

    await helpers.addJob(PLAN_TASK, {}, { jobKey: PLAN_JOB_KEY, jobKeyMode: 'replace', runAt: new Date(Date.now() + options.tickMs) });
    if (plan.enqueue.length > 0 || due.length > known.length) {
      options.logger.debug({ due: due.length, unconfigured: due.length - known.length, enqueued: plan.enqueue.length, ms: Math.round(performance.now() - started) }, 'Planned the sessions that are due');
    }
  };
}

/** Read the session job of each mailbox by its job key, which graphile-worker keeps unique and indexed. */
async function sessionJobsOf(helpers: JobHelpers, jobSchema: string, mailboxIds: readonly string[]): Promise<Map<string, QueuedSessionJob>> {
  if (mailboxIds.length === 0) {
    return new Map();
  }
  const prefix = sessionJobKey('');
  // `jobs` is graphile-worker's public view of its queue; the schema name was checked to be a plain identifier.
  const result = await helpers.query<{ id: string; key: string; attempts: number; max_attempts: number; locked: boolean }>(
    `select id, key, attempts, max_attempts, locked_at is not null as locked from "${jobSchema}".jobs where key = any($1::text[])`,
    [mailboxIds.map(sessionJobKey)],
  );
  return new Map(result.rows.map((row) => [row.key.slice(prefix.length), { jobId: String(row.id), attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts), locked: row.locked }]));
}

async function suspendDead(options: PlanTaskOptions, helpers: JobHelpers, dead: DeadSessionJob, now: Date): Promise<void> {
  const lock = await options.locks.tryLock(dead.mailboxId);
  if (lock === null) {
    // A session of the mailbox runs after all (a forced one); the next round looks again.
    return;
  }
  try {
    await suspendAfterRepeatedDeaths(options.store, { mailboxId: dead.mailboxId, cutRuns: dead.attempts, now, ...(options.random ? { random: options.random } : {}) }, options.logger);
    // Deleting the dead job frees its job key, so the automatic resume can queue a job of its own.
    await helpers.query(`select id from "${options.jobSchema}".complete_jobs(array[$1::bigint])`, [dead.jobId]);
  } finally {
    await lock.release();
  }
}
