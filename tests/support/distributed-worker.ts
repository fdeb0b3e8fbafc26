/**
 * One worker process of the distributed tests: the scheduler process `syncline worker` runs, with test hooks. The
 * schedule's clock does not move until the test sets it with a stdin line `clock <ms>`. The process confirms with
 * `{"clock":<ms>}` on stdout, so the test decides when simulated time passes. Every timing of the job engine is
 * shortened. Logs are JSON lines on stdout. A stdin line `request <mailboxId> <trigger>` requests a session through
 * the scheduler, as a notification would. SIGTERM stops it the way it stops `syncline worker`.
 */
import { createInterface } from 'node:readline';
import { runUntilStopped, startSchedulerProcess } from '../../src/cli/scheduler-process.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import type { SessionTrigger } from '../../src/domain/mailbox-state.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Clock } from '../../src/scheduler/clock.ts';

let simulated = Number(required('DW_CLOCK_START'));
const clock: Clock = {
  now: () => new Date(simulated),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const config = loadConfigFile(required('DW_CONFIG'), process.env);
const logger = createLogger({ level: process.env.DW_LOG_LEVEL ?? 'info' });
const running = await startSchedulerProcess({
  config,
  logger,
  concurrency: Number(process.env.DW_CONCURRENCY ?? 4),
  gracePeriodMs: 3_000,
  clock,
  coalesceMs: Number(process.env.DW_COALESCE_MS ?? 3_000),
  timing: { planTickMs: 100, heartbeatMs: 250, deadAfterMs: Number(process.env.DW_DEAD_AFTER_MS ?? 3_000), busyRetryMs: 300, pollIntervalMs: 200 },
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, first, second] = line.trim().split(/\s+/);
  if (verb === 'clock' && first !== undefined) {
    simulated = Number(first);
    process.stdout.write(`${JSON.stringify({ clock: simulated })}\n`);
  }
  if (verb === 'request' && first !== undefined && second !== undefined) {
    running.scheduler.requestSession(first, second as SessionTrigger);
  }
});

process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

const reason = await runUntilStopped(running, logger);
process.exit(reason === 'failure' ? 1 : 0);

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Set ${name} for the distributed test worker`);
  }
  return value;
}
