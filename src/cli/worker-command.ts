import type { SynclineConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { createDistributedScheduler } from '../scheduler/distributed/distributed-scheduler.ts';
import { jobSchemaFor } from '../scheduler/distributed/job-schema.ts';
import { createEngineRunner } from '../scheduler/engine-scheduler.ts';
import { openEngine } from '../scheduler/engine.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openRunContext } from './run-context.ts';
import { UsageError } from './usage-error.ts';

export interface WorkerOptions {
  readonly config?: string;
  /** `--concurrency N` as typed; default: the configuration's maxConcurrentSessions. */
  readonly concurrency?: string;
}

/** Running sessions get this long after SIGTERM; the rest of the 10 s a process manager allows is for closing. */
const SESSION_GRACE_MS = 8_000;
const DEFAULT_COALESCE_SECONDS = 60;

/**
 * `syncline worker`: run sessions from the PostgreSQL job queue that every worker process shares, until SIGINT or
 * SIGTERM. Any worker also plans the schedule, so one or many may run, on one machine or many. On the first signal
 * the running sessions get 8 s to finish; then their jobs go back to the queue for another worker. Exit code 0.
 */
export async function runWorker(options: WorkerOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  let reportFailure: () => void = () => undefined;
  const failure = new Promise<'failure'>((resolve) => {
    reportFailure = () => resolve('failure');
  });
  const context = await openRunContext({ config: options.config, command: 'worker', env: environment.env, cwd: environment.cwd, logger });
  try {
    const { connectionString, schema } = postgresStore(context.config);
    const concurrency = parseConcurrency(options.concurrency, context.config.maxConcurrentSessions);
    const engine = await openEngine({ config: context.config, logger });
    const scheduler = createDistributedScheduler({
      connectionString,
      jobSchema: jobSchemaFor(schema),
      store: engine.store,
      runner: createEngineRunner(engine, context.config, logger),
      mailboxIds: engine.mailboxes.map((mailbox) => mailbox.record.id),
      concurrency,
      coalesceMs: (context.config.instantSync?.coalesceSeconds ?? DEFAULT_COALESCE_SECONDS) * 1000,
      logger,
      timing: { shutdownGraceMs: SESSION_GRACE_MS },
      onFailure: () => reportFailure(),
    });

    await scheduler.start();
    logger.info({ mailboxes: engine.mailboxes.length, concurrency }, 'Syncline worker started');

    const reason = await Promise.race([waitForStopSignal(logger), failure]);
    logger.info({ reason }, 'Stopping: running sessions get a grace period to finish');
    await scheduler.stop();
    await engine.close();
    logger.info('Syncline worker stopped');
    // A worker whose job engine failed exits 1, so a process manager restarts it.
    return reason === 'failure' ? 1 : 0;
  } finally {
    await context.close();
  }
}

function postgresStore(config: SynclineConfig): { connectionString: string; schema: string | undefined } {
  if (config.store.kind !== 'postgres') {
    throw new UsageError('`syncline worker` needs the PostgreSQL store: set SYNCLINE_DATABASE_URL=postgres://… or store.kind "postgres" in the configuration file');
  }
  return { connectionString: config.store.connectionString, schema: config.store.schema };
}

function parseConcurrency(value: string | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 64) {
    throw new UsageError(`--concurrency is '${value}'; give a whole number of sessions from 1 to 64`);
  }
  return parsed;
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
