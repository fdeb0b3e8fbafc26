import type { JobHelpers, Task } from 'graphile-worker';
import type { ScheduleStore } from '../../domain/mailbox-state.ts';
import type { Logger } from '../../observability/logger.ts';
import { dueSessions } from './due-sessions.ts';
import { PLAN_JOB_KEY, PLAN_TASK, sessionJobKey } from './session-jobs.ts';
import { enqueueSession } from './session-queue.ts';

/** Jobs added at once while planning; enough to keep the database busy without taking every pool connection. */
const ENQUEUE_CONCURRENCY = 8;

export interface PlanTaskOptions {
  readonly store: ScheduleStore;
  /** Ids of the mailboxes this deployment syncs (the configuration's). */
  readonly mailboxIds: readonly string[];
  /** graphile-worker's schema, where the planner reads which mailboxes have a job already. */
  readonly jobSchema: string;
  /** Milliseconds between two planning rounds. */
  readonly tickMs: number;
  /** The clock the schedules are kept in (nextSessionAt, resumeAt). */
  readonly scheduleNow: () => Date;
  readonly logger: Logger;
}

/**
 * The `syncline_plan` task: enqueue a session job for every mailbox whose session or automatic resume is due, then
 * plan the next round. One plan job exists at a time (its job key). Any worker may run it, so planning goes on when
 * a worker stops. A cron entry recreates the job should it ever be lost.
 */
export function createPlanTask(options: PlanTaskOptions): Task {
  return async (_payload: unknown, helpers: JobHelpers) => {
    const started = performance.now();
    // Read the queue before the schedules: a session that ends in between then shows as not due, never as due twice.
    const queued = await queuedMailboxes(helpers, options.jobSchema);
    const schedules = await options.store.listSchedules();
    const due = dueSessions(options.mailboxIds, schedules, queued, options.scheduleNow());

    const runAt = new Date();
    for (let offset = 0; offset < due.length; offset += ENQUEUE_CONCURRENCY) {
      const chunk = due.slice(offset, offset + ENQUEUE_CONCURRENCY);
      await Promise.all(chunk.map((request) => enqueueSession(helpers.addJob, request, { mode: 'ifAbsent', runAt })));
    }

    await helpers.addJob(PLAN_TASK, {}, { jobKey: PLAN_JOB_KEY, jobKeyMode: 'replace', runAt: new Date(Date.now() + options.tickMs) });
    if (due.length > 0) {
      options.logger.debug({ enqueued: due.length, queued: queued.size, ms: Math.round(performance.now() - started) }, 'Planned the sessions that are due');
    }
  };
}

async function queuedMailboxes(helpers: JobHelpers, jobSchema: string): Promise<Set<string>> {
  const prefix = sessionJobKey('');
  // `jobs` is graphile-worker's public view of its queue; the schema name was checked to be a plain identifier.
  const result = await helpers.query<{ key: string }>(`select key from "${jobSchema}".jobs where key like $1`, [`${prefix}%`]);
  return new Set(result.rows.map((row) => row.key.slice(prefix.length)));
}
