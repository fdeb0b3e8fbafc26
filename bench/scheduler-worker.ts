/**
 * One worker process of the scheduler benchmark: the scheduler process of `syncline worker` over the configuration
 * in BENCH_CONFIG, with the store's calls timed. On SIGTERM it stops, then prints one JSON line: sessions run, store
 * milliseconds, peak RSS.
 */
import { pino } from 'pino';
import { startSchedulerProcess } from '../src/cli/scheduler-process.ts';
import { loadConfigFile } from '../src/config/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { timeStore } from './store-timing.ts';

const config = loadConfigFile(process.env.BENCH_CONFIG ?? '', process.env);
if (config.store.kind !== 'postgres') {
  throw new Error('BENCH_CONFIG must name a postgres store');
}

// Warnings and errors go to stderr, which the benchmark passes through; stdout carries the report.
const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
const running = await startSchedulerProcess({
  config,
  logger,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
  gracePeriodMs: 8_000,
  timing: { planTickMs: 200, heartbeatMs: 1_000, pollIntervalMs: 200 },
});
// Timing starts once the process runs; the benchmark measures only after every worker reported ready.
const timing = timeStore(running.engine.store);
process.once('exit', () => {
  if (timing.detail.size === 0) {
    return;
  }
  const milliseconds = Object.fromEntries([...timing.detail].map(([method, ms]) => [method, Math.round(ms)]));
  process.stderr.write(`${JSON.stringify(milliseconds)}\n`);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

process.once('SIGTERM', () => {
  void running.shutdown().then(() => {
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stdout.write(`${JSON.stringify({ sessions: timing.sessions, storeMs: Math.round(timing.ms), peakRssMb })}\n`);
    process.exit(0);
  });
});
