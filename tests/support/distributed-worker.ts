/**
 * One worker process of the distributed tests: `syncline worker` as the CLI builds it, with two test hooks. The
 * schedule's clock runs DW_CLOCK_SCALE times faster than real time from DW_CLOCK_T0, so two hours of 30-minute
 * intervals pass in seconds, and every timing of the job engine is shortened. Logs are JSON lines on stdout.
 * A stdin line `request <mailboxId> <trigger>` requests a session through the scheduler, as a notification would.
 */
import { createInterface } from 'node:readline';
import { loadConfigFile } from '../../src/config/index.ts';
import type { SessionTrigger } from '../../src/domain/mailbox-state.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Clock } from '../../src/scheduler/clock.ts';
import { createDistributedScheduler } from '../../src/scheduler/distributed/distributed-scheduler.ts';
import { jobSchemaFor } from '../../src/scheduler/distributed/job-schema.ts';
import { createEngineRunner } from '../../src/scheduler/engine-scheduler.ts';
import { openEngine } from '../../src/scheduler/engine.ts';

const configPath = required('DW_CONFIG');
const t0 = Number(required('DW_CLOCK_T0'));
const scale = Number(required('DW_CLOCK_SCALE'));
const concurrency = Number(process.env.DW_CONCURRENCY ?? 4);
const coalesceMs = Number(process.env.DW_COALESCE_MS ?? 3_000);

const clock: Clock = {
  now: () => new Date(t0 + (Date.now() - t0) * scale),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs / scale),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const config = loadConfigFile(configPath, process.env);
if (config.store.kind !== 'postgres') {
  throw new Error(`${configPath} must name a postgres store`);
}
const logger = createLogger({ level: process.env.DW_LOG_LEVEL ?? 'info' });
const engine = await openEngine({ config, logger });
const scheduler = createDistributedScheduler({
  connectionString: config.store.connectionString,
  jobSchema: jobSchemaFor(config.store.schema),
  store: engine.store,
  runner: createEngineRunner(engine, config, logger, { clock }),
  mailboxIds: engine.mailboxes.map((mailbox) => mailbox.record.id),
  concurrency,
  coalesceMs,
  logger,
  scheduleNow: clock.now,
  timing: { planTickMs: 200, heartbeatMs: 250, deadAfterMs: 1_500, busyRetryMs: 300, pollIntervalMs: 200, shutdownGraceMs: 3_000 },
});
await scheduler.start();
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, mailboxId, trigger] = line.trim().split(/\s+/);
  if (verb === 'request' && mailboxId !== undefined && trigger !== undefined) {
    scheduler.requestSession(mailboxId, trigger as SessionTrigger);
  }
});

process.once('SIGTERM', () => {
  void scheduler
    .stop()
    .then(() => engine.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Stopping the worker failed');
        process.exit(1);
      },
    );
});

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Set ${name} for the distributed test worker`);
  }
  return value;
}
