import type { SynclineConfig } from '../config/index.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openRunContext } from './run-context.ts';
import { runUntilStopped, startSchedulerProcess } from './scheduler-process.ts';
import { UsageError } from './usage-error.ts';

export interface WorkerOptions {
  readonly config?: string;
  /** `--concurrency N` as typed; default: the configuration's maxConcurrentSessions. */
  readonly concurrency?: string;
}

/** Running sessions get this long after SIGTERM; the rest of the 10 s a process manager allows is for closing. */
const SESSION_GRACE_MS = 8_000;

/**
 * `syncline worker`: run sessions from the PostgreSQL job queue that every worker process (and `syncline start` on
 * the same store) shares, until SIGINT or SIGTERM. Any worker also plans the schedule, so one or many may run, on
 * one machine or many. On the first signal the running sessions get 8 s to finish; then their jobs go back to the
 * queue for another worker. Exit code 0, or 1 when the job queue stopped by itself.
 */
export async function runWorker(options: WorkerOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openRunContext({ config: options.config, command: 'worker', env: environment.env, cwd: environment.cwd, logger });
  try {
    assertPostgresStore(context.config);
    const concurrency = parseConcurrency(options.concurrency, context.config.maxConcurrentSessions);
    const running = await startSchedulerProcess({ config: context.config, logger, concurrency, gracePeriodMs: SESSION_GRACE_MS });
    logger.info({ mailboxes: running.engine.mailboxes.length, concurrency }, 'Syncline worker started');

    const reason = await runUntilStopped(running, logger);
    logger.info('Syncline worker stopped');
    // A worker whose job engine failed exits 1, so a process manager restarts it.
    return reason === 'failure' ? 1 : 0;
  } finally {
    await context.close();
  }
}

function assertPostgresStore(config: SynclineConfig): void {
  if (config.store.kind !== 'postgres') {
    throw new UsageError('`syncline worker` needs the PostgreSQL store: set SYNCLINE_DATABASE_URL=postgres://… or store.kind "postgres" in the configuration file; on SQLite, `syncline start` runs every session itself');
  }
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
