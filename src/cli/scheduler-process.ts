import type { SynclineConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { releaseAbandonedSessions } from '../scheduler/abandoned-sessions.ts';
import type { Clock } from '../scheduler/clock.ts';
import { reconcileSchedules } from '../scheduler/configured-mailboxes.ts';
import { createDistributedScheduler, type DistributedTiming } from '../scheduler/distributed/distributed-scheduler.ts';
import { jobSchemaFor } from '../scheduler/distributed/job-schema.ts';
import { coalesceMsOf, createEngineRunner, createEngineScheduler } from '../scheduler/engine-scheduler.ts';
import { openEngine, type Engine } from '../scheduler/engine.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { openStore } from '../store/index.ts';

/** A process manager waits about 10 s after SIGTERM before it kills; exit before that on our own terms. */
const SHUTDOWN_DEADLINE_MS = 9_500;

export interface SchedulerProcessOptions {
  readonly config: SynclineConfig;
  readonly logger: Logger;
  /** Sessions this process runs at once (distributed mode; the embedded scheduler takes maxConcurrentSessions). */
  readonly concurrency: number;
  /** How long running sessions may go on after a stop signal before they are abandoned. */
  readonly gracePeriodMs: number;
  /** Tests only: the clock the schedules are kept in, and the shorter timings of distributed mode. */
  readonly clock?: Clock;
  readonly timing?: Partial<DistributedTiming>;
  readonly coalesceMs?: number;
}

export interface SchedulerProcess {
  /** `embedded` on SQLite (timers in this process), `distributed` on PostgreSQL (the shared job queue). */
  readonly mode: 'embedded' | 'distributed';
  readonly engine: Engine;
  readonly scheduler: Scheduler;
  /** Resolves when the job engine stopped by itself and gave up; never in embedded mode. */
  readonly failed: Promise<Error>;
  /** Stop scheduling, let running sessions finish within the grace period, hand abandoned ones back, close all. */
  shutdown(): Promise<void>;
}

/**
 * Open the engine and run the scheduler that fits its store: on SQLite the embedded scheduler, on PostgreSQL a
 * planner and worker of the job queue that `syncline worker` processes share. `start` and `worker` both run this.
 */
export async function startSchedulerProcess(options: SchedulerProcessOptions): Promise<SchedulerProcess> {
  const { config, logger } = options;
  const engine = await openEngine({ config, logger });
  try {
    const mailboxIds = engine.mailboxes.map((mailbox) => mailbox.record.id);
    await reconcileSchedules(engine.store, mailboxIds, options.clock?.now() ?? new Date(), logger);

    let reportFailure: (error: Error) => void = () => undefined;
    const failed = new Promise<Error>((resolve) => {
      reportFailure = resolve;
    });
    const scheduler = createScheduler(engine, options, (error) => reportFailure(error));
    await scheduler.start();

    return {
      mode: config.store.kind === 'postgres' ? 'distributed' : 'embedded',
      engine,
      scheduler,
      failed,
      shutdown: () => shutdown(engine, scheduler, options),
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

function createScheduler(engine: Engine, options: SchedulerProcessOptions, onFailure: (error: Error) => void): Scheduler {
  const { config, logger, clock } = options;
  const coalesceMs = options.coalesceMs ?? coalesceMsOf(config);
  if (config.store.kind !== 'postgres') {
    return createEngineScheduler(engine, config, logger, { gracePeriodMs: options.gracePeriodMs, coalesceMs, ...(clock ? { clock } : {}) });
  }

  return createDistributedScheduler({
    connectionString: config.store.connectionString,
    jobSchema: jobSchemaFor(config.store.schema),
    store: engine.store,
    runner: createEngineRunner(engine, config, logger, clock ? { clock } : {}),
    mailboxIds: engine.mailboxes.map((mailbox) => mailbox.record.id),
    concurrency: options.concurrency,
    coalesceMs,
    logger,
    ...(clock ? { scheduleNow: () => clock.now() } : {}),
    timing: { ...options.timing, shutdownGraceMs: options.gracePeriodMs },
    onFailure,
  });
}

async function shutdown(engine: Engine, scheduler: Scheduler, options: SchedulerProcessOptions): Promise<void> {
  const abandoned = await scheduler.stop();
  // With the store closed, an abandoned session can commit nothing more, so its lease may go.
  await engine.close();
  if (abandoned.length > 0) {
    await releaseWithFreshStore(abandoned, options).catch((error: unknown) =>
      options.logger.error({ err: error, mailboxes: abandoned }, 'Could not release the leases of the abandoned sessions; they expire by themselves within 30 minutes'),
    );
  }
  await scheduler.close();
}

async function releaseWithFreshStore(mailboxIds: readonly string[], options: SchedulerProcessOptions): Promise<void> {
  const setting = options.config.store;
  if (setting.kind === 'sqlite' && setting.path === ':memory:') {
    return;
  }
  const store = await openStore(setting, options.logger);
  try {
    await releaseAbandonedSessions(store, mailboxIds, options.clock?.now() ?? new Date(), options.logger);
  } finally {
    await store.close();
  }
}

/**
 * Wait for SIGINT or SIGTERM, or for the job engine to give up, then shut the process down. Returns why it stopped.
 * A second signal exits at once. A process still alive 9.5 s after the stop began exits then, with code 0 (1 after
 * a failure), because every session commits in one transaction and nothing is half-written.
 */
export async function runUntilStopped(running: SchedulerProcess, logger: Logger, beforeShutdown: () => Promise<void> = async () => undefined): Promise<'signal' | 'failure'> {
  const outcome = await Promise.race([waitForStopSignal(logger).then((signal) => ({ reason: 'signal' as const, signal })), running.failed.then((error) => ({ reason: 'failure' as const, error }))]);
  logger.info(outcome.reason === 'signal' ? { signal: outcome.signal } : { err: outcome.error }, 'Stopping: running sessions get a grace period to finish');

  // Left armed after the shutdown: an abandoned session still waiting on the network would keep the process alive.
  const watchdog = setTimeout(() => {
    logger.warn('Shutdown deadline reached; exiting now (every session commits in one transaction, so nothing is half-written)');
    process.exit(outcome.reason === 'failure' ? 1 : 0);
  }, SHUTDOWN_DEADLINE_MS);
  watchdog.unref();
  await beforeShutdown();
  await running.shutdown();
  return outcome.reason;
}

function waitForStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, 'Second stop signal: exiting without waiting for running sessions');
        process.exit(130);
      }
      received = true;
      resolve(signal);
    };

    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
