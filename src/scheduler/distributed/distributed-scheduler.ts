import { EventEmitter } from 'node:events';
import { makeWorkerUtils, parseCronItems, run, type Runner, type TaskList, type WorkerEvents, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from '../../observability/logger.ts';
import type { WorkerHeartbeats } from '../../store/worker-heartbeats.ts';
import type { Scheduler } from '../scheduler.ts';
import type { SessionRunner } from '../session-runner.ts';
import { handBackSessionJobs, stopWithin } from './hand-back.ts';
import { jobEngineLogger } from './job-engine-logger.ts';
import { MailboxLocks } from './mailbox-locks.ts';
import { migrateOneAtATime } from './migration-lock.ts';
import { createPlanTask, DEFAULT_PLAN_LIMIT, type PlannerStore } from './plan-task.ts';
import { PLAN_JOB_KEY, PLAN_TASK, SESSION_TASK } from './session-jobs.ts';
import { enqueueSession } from './session-queue.ts';
import { createSessionTask, type ActiveRun } from './session-task.ts';
import { startHeartbeat, type Heartbeat } from './worker-heartbeat.ts';

/** Timings and the planner's limit of distributed mode; tests shorten them, production keeps the defaults. */
export interface DistributedTiming {
  /** Between two planning rounds. */
  readonly planTickMs: number;
  readonly heartbeatMs: number;
  /** A worker silent this long is dead and its jobs are unlocked. */
  readonly deadAfterMs: number;
  /** A job whose mailbox is busy looks again after this long. */
  readonly busyRetryMs: number;
  /** How often an idle worker looks for jobs scheduled in the future (new jobs arrive by LISTEN/NOTIFY at once). */
  readonly pollIntervalMs: number;
  /** On stop, running sessions get this long to finish before their jobs are handed back to the queue. */
  readonly shutdownGraceMs: number;
  /** Due rows the planner reads per round. */
  readonly planLimit: number;
}

/** A job engine that stops by itself more than this often within the window is given up on. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10 * 60_000;
const RESTART_EPISODE_MS = 5_000;

const DEFAULT_TIMING: DistributedTiming = {
  planTickMs: 10_000,
  heartbeatMs: 5_000,
  deadAfterMs: 30_000,
  busyRetryMs: 5_000,
  pollIntervalMs: 2_000,
  shutdownGraceMs: 8_000,
  planLimit: DEFAULT_PLAN_LIMIT,
};

export interface DistributedSchedulerOptions {
  readonly connectionString: string;
  /** graphile-worker's schema (see jobSchemaFor). */
  readonly jobSchema: string;
  readonly store: PlannerStore & WorkerHeartbeats;
  readonly runner: SessionRunner;
  /** The mailboxes the planner keeps on schedule. */
  readonly mailboxIds: readonly string[];
  /** Sessions this process runs at once. */
  readonly concurrency: number;
  /** At most one notification-triggered session per mailbox per this many milliseconds. */
  readonly coalesceMs: number;
  readonly logger: Logger;
  /** The clock the schedules are kept in; the same one the session runner uses. */
  readonly scheduleNow?: () => Date;
  /** For the backoff of a mailbox suspended because its session job keeps dying. */
  readonly random?: () => number;
  readonly timing?: Partial<DistributedTiming>;
  /**
   * Called when the job engine stops without stop() (its database went away, say). The heartbeat stops with it, so
   * other workers take this worker's jobs; the process should exit and be restarted.
   */
  readonly onFailure?: (error: Error) => void;
}

/**
 * Create a worker of distributed mode. It runs session and plan jobs from the PostgreSQL queue that every worker
 * process shares, beats into the store, and frees the jobs of workers that died. After a stop whose grace period
 * ran out, close() hands the abandoned sessions' jobs back to the queue to run at once elsewhere.
 */
export function createDistributedScheduler(options: DistributedSchedulerOptions): Scheduler {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const logger = options.logger.child({ component: 'distributed-scheduler' });
  const pending = new Set<Promise<void>>();
  const activeRuns = new Map<string, ActiveRun>();
  const workerIds = new Set<string>();
  let utils: WorkerUtils | null = null;
  let runner: Runner | null = null;
  let heartbeat: Heartbeat | null = null;
  let locks: MailboxLocks | null = null;
  let pool: pg.Pool | null = null;
  let stopping = false;
  let abandoned: readonly ActiveRun[] = [];
  let killed: Promise<void> = Promise.resolve();

  const restarts: number[] = [];

  const startRunner = async (pgPool: pg.Pool, workerUtils: WorkerUtils, mailboxLocks: MailboxLocks) => {
    const events: WorkerEvents = new EventEmitter();
    events.on('pool:create', ({ workerPool }) => {
      logger.info({ workerId: workerPool.id, concurrency: options.concurrency }, 'Worker started');
      workerIds.add(workerPool.id);
      heartbeat = startHeartbeat({
        store: options.store,
        workerId: workerPool.id,
        beatMs: timing.heartbeatMs,
        deadAfterMs: timing.deadAfterMs,
        unlockJobsOf: (ids) => workerUtils.forceUnlockWorkers(ids),
        logger,
      });
    });

    runner = await run({
      pgPool,
      schema: options.jobSchema,
      concurrency: options.concurrency,
      pollInterval: timing.pollIntervalMs,
      noHandleSignals: true,
      logger: jobEngineLogger(options.logger),
      events,
      taskList: taskList(options, timing, mailboxLocks, activeRuns, logger),
      // A safety net: should the plan job ever be lost, this queues it again within a minute.
      parsedCronItems: parseCronItems([
        { task: PLAN_TASK, match: '* * * * *', identifier: 'syncline_plan_watch', options: { jobKey: PLAN_JOB_KEY, jobKeyMode: 'preserve_run_at', backfillPeriod: 0 } },
      ]),
    });
    runner.promise.then(
      () => void engineStopped(new Error('The job engine stopped by itself'), pgPool, workerUtils, mailboxLocks),
      (error: unknown) => void engineStopped(error, pgPool, workerUtils, mailboxLocks),
    );
  };

  // graphile-worker LISTENs on database-wide channels, so installing its schema anywhere in the database (another
  // deployment, a test run) shuts down every worker pool of every schema there. Such a pool is started again; a
  // pool that keeps stopping gives up, and its heartbeat stops so that other workers take over its jobs.
  const engineStopped = async (reason: unknown, pgPool: pg.Pool, workerUtils: WorkerUtils, mailboxLocks: MailboxLocks) => {
    if (stopping) {
      return;
    }
    heartbeat?.abandon();
    heartbeat = null;

    const error = reason instanceof Error ? reason : new Error(`The job engine stopped: ${String(reason)}`);
    const now = Date.now();
    // One schema install sends a notice per breaking revision (four for 0.17) within milliseconds: one episode.
    if (now - (restarts.at(-1) ?? 0) > RESTART_EPISODE_MS) {
      restarts.push(now);
    }
    while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) {
      restarts.shift();
    }
    if (restarts.length > MAX_RESTARTS) {
      logger.error({ err: error }, 'The job engine keeps stopping by itself; this worker takes no more jobs');
      options.onFailure?.(error);
      return;
    }

    logger.warn({ err: error }, 'The job engine stopped by itself; starting it again');
    // graphile-worker sets exit code 57 when a migration stops it; the restart below supersedes that.
    process.exitCode = undefined;
    try {
      await startRunner(pgPool, workerUtils, mailboxLocks);
    } catch (restartError) {
      logger.error({ err: restartError }, 'Starting the job engine again failed; this worker takes no more jobs');
      options.onFailure?.(restartError instanceof Error ? restartError : error);
    }
  };

  return {
    async start() {
      // One pool for the job engine's own queries and for the jobs the tasks add; sessions hold their mailbox locks
      // on connections of their own. With the store's pool that makes about concurrency × 2 + 12 per process.
      pool = new pg.Pool({ connectionString: options.connectionString, max: options.concurrency + 2 });
      const onError = (error: Error) => logger.warn({ err: { message: error.message } }, 'A PostgreSQL connection of the job engine failed');
      // graphile-worker warns unless both exist: an idle client's error reaches the pool, a checked-out client's only itself.
      pool.on('error', onError);
      pool.on('connect', (client) => client.on('error', onError));
      utils = await makeWorkerUtils({ pgPool: pool, schema: options.jobSchema, logger: jobEngineLogger(options.logger) });
      const migrating = utils;
      await migrateOneAtATime(pool, options.jobSchema, () => migrating.migrate());
      // Keeps the time of a plan job another worker queued already; queues one now when there is none.
      await utils.addJob(PLAN_TASK, {}, { jobKey: PLAN_JOB_KEY, jobKeyMode: 'preserve_run_at' });

      locks = new MailboxLocks(options.connectionString, options.concurrency, options.logger);
      await startRunner(pool, utils, locks);
    },

    requestSession(mailboxId, trigger) {
      if (utils === null) {
        throw new Error(`Cannot request a session for mailbox '${mailboxId}' before the distributed scheduler has started; await start() first`);
      }

      const request = enqueueSession(utils.addJob, { mailboxId, trigger }, { mode: trigger === 'force' ? 'now' : 'keepTime', runAt: new Date() })
        .catch((error: unknown) => logger.error({ err: error, mailboxId, trigger }, 'Could not queue the requested session'))
        .finally(() => pending.delete(request));
      pending.add(request);
    },

    async stop() {
      stopping = true;
      await Promise.all(pending);
      if (runner !== null) {
        const stopped = await stopWithin(runner, timing.shutdownGraceMs);
        killed = stopped.killed;
        if (!stopped.finished) {
          abandoned = [...activeRuns.values()];
          logger.warn({ graceMs: timing.shutdownGraceMs, sessions: abandoned.length }, 'Sessions still running at the end of the grace period; their jobs go back to the queue');
        }
      }
      // The heartbeat writes to the store, which the caller closes next when sessions were abandoned.
      await heartbeat?.stop().catch((error: unknown) => logger.warn({ err: error }, 'Could not remove the heartbeat row; it goes stale and is cleaned up'));
      heartbeat = null;
      return abandoned.map((run) => run.mailboxId);
    },

    async close() {
      await killed.catch((error: unknown) => logger.warn({ err: error }, 'The forceful shutdown of the job engine failed; unlocking its jobs directly'));
      // Frees the mailbox locks of abandoned sessions before their jobs go back, so the worker that takes one runs it.
      await locks?.close();
      if (abandoned.length > 0 && utils !== null) {
        await handBackSessionJobs(utils, options.jobSchema, [...workerIds], abandoned, logger).catch((error: unknown) =>
          logger.error({ err: error }, 'Could not hand the abandoned sessions back to the queue; they run after their retry delay'),
        );
      }
      await utils?.release();
      await pool?.end();
      runner = null;
      utils = null;
      locks = null;
      pool = null;
      abandoned = [];
    },
  };
}

function taskList(options: DistributedSchedulerOptions, timing: DistributedTiming, locks: MailboxLocks, activeRuns: Map<string, ActiveRun>, logger: Logger): TaskList {
  const scheduleNow = options.scheduleNow ?? (() => new Date());
  return {
    [SESSION_TASK]: createSessionTask({
      runner: options.runner,
      store: options.store,
      locks,
      coalesceMs: options.coalesceMs,
      busyRetryMs: timing.busyRetryMs,
      logger,
      scheduleNow,
      activeRuns,
      ...(options.random ? { random: options.random } : {}),
    }),
    [PLAN_TASK]: createPlanTask({
      store: options.store,
      mailboxIds: options.mailboxIds,
      jobSchema: options.jobSchema,
      locks,
      tickMs: timing.planTickMs,
      limit: timing.planLimit,
      scheduleNow,
      logger,
      ...(options.random ? { random: options.random } : {}),
    }),
  };
}
