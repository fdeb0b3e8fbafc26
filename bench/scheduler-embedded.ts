/**
 * Benchmark: embedded mode (`syncline start` on SQLite) at N mailboxes of no-change sessions, on one machine. The
 * Graph and Salesforce emulators run in a child process on loopback (bench/scheduler-emulators.ts), with one event
 * per mailbox, so the peak RSS is the engine's alone. Three rounds, each a real session per mailbox:
 * 1. first sessions: the scheduler process starts with every mailbox new, so all are due. Each first session reads
 *    its mailbox in full and creates its event in Salesforce, so it is not a no-change session. It prepares round 2.
 * 2. scheduler: the mailboxes whose first session succeeded are made due at once, the others a week later, and a new
 *    scheduler process runs their no-change sessions with BENCH_CONCURRENCY (default 8) at once.
 * 3. baseline: the naive way, one `engine.runSession` per mailbox after another, with no scheduler.
 * BENCH_SEED_EVENTS=0 leaves the mailboxes empty, for N where seeding one event each through the emulator's admin
 * API takes too long; a no-change session reads the same (nothing changed on either side) either way.
 * Each round stops at its time budget (BENCH_BUDGET_SECONDS, default 1,800; BENCH_BASELINE_SECONDS, default 120)
 * and reports how many sessions it ran. A round that ran every mailbox reports `complete: true`. Run with
 * `BENCH_MODE=embedded BENCH_MAILBOXES=10000 npm run bench:scheduler`; prints one JSON line per round.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';

import { startSchedulerProcess } from '../src/cli/scheduler-process.ts';
import { loadConfigFile } from '../src/config/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openEngine } from '../src/scheduler/engine.ts';
import { benchAddresses, benchConfig } from './scheduler-seed.ts';
import { timeStore, type StoreTiming } from './store-timing.ts';

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_SECONDS ?? 1_800) * 1000;
const BASELINE_BUDGET_MS = Number(process.env.BENCH_BASELINE_SECONDS ?? 120) * 1000;
const WEEK_MS = 7 * 24 * 3_600_000;
const EMULATORS_ENTRY = fileURLToPath(new URL('./scheduler-emulators.ts', import.meta.url));

// Warnings and errors go to stderr; stdout carries one JSON line per round.
const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
const folder = mkdtempSync(path.join(tmpdir(), 'syncline-bench-embedded-'));
const databasePath = path.join(folder, 'syncline.db');
const seedStarted = performance.now();
const emulators = spawn(process.execPath, ['--import', 'tsx', EMULATORS_ENTRY], { env: { ...process.env, BENCH_MAILBOXES: String(MAILBOXES) }, stdio: ['pipe', 'pipe', 'inherit'] });

try {
  const urls = await new Promise<{ graphUrl: string; salesforceUrl: string }>((resolve, reject) => {
    createInterface({ input: emulators.stdout }).once('line', (line) => resolve(JSON.parse(line) as { graphUrl: string; salesforceUrl: string }));
    emulators.once('exit', (code) => reject(new Error(`The emulator process exited with code ${code} before it was ready`)));
  });
  process.stderr.write(`Emulators seeded with ${MAILBOXES} mailboxes in ${seconds(performance.now() - seedStarted)} s\n`);
  const configPath = path.join(folder, 'config.json');
  writeFileSync(configPath, JSON.stringify(benchConfig({ ...urls, dataDir: folder, store: { kind: 'sqlite', path: databasePath }, addresses: benchAddresses(MAILBOXES), maxConcurrentSessions: CONCURRENCY })));
  const config = loadConfigFile(configPath, process.env);
  const stats = emulatorStats(urls);

  // Round 1: every mailbox is new, so the scheduler makes all of them due at once.
  const first = await schedulerRound(MAILBOXES);
  report('first sessions', first, MAILBOXES);

  const target = makeDue(databasePath);
  await stats.reset();
  const measured = await schedulerRound(target);
  report('scheduler', measured, target, await stats.perSession(measured.timing.sessions));

  await stats.reset();
  const baseline = await baselineRound();
  report('baseline', baseline, target, await stats.perSession(baseline.timing.sessions));

  async function schedulerRound(expected: number): Promise<Round> {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const running = await startSchedulerProcess({ config, logger, concurrency: CONCURRENCY, gracePeriodMs: 8_000 });
    const startMs = performance.now() - started;
    // No session has been recorded yet, because the scheduler's timers fire only after this continuation.
    const timing = timeStore(running.engine.store);
    const heapMb = Math.round(process.memoryUsage().heapUsed / 1_048_576);
    const runMs = await waitForSessions(timing, expected, started, BUDGET_MS);
    await running.shutdown();
    return { timing, startMs, runMs, heapMb, statuses: statusesSince(databasePath, startedAt) };
  }

  async function baselineRound(): Promise<Round> {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const engine = await openEngine({ config, logger });
    const startMs = performance.now() - started;
    const timing = timeStore(engine.store);
    const heapMb = Math.round(process.memoryUsage().heapUsed / 1_048_576);
    const ids = readyIds(databasePath);
    try {
      for (const mailboxId of ids) {
        if (performance.now() - started > BASELINE_BUDGET_MS) break;
        await engine.runSession(mailboxId);
      }
    } finally {
      await engine.close();
    }
    return { timing, startMs, runMs: performance.now() - started - startMs, heapMb, statuses: statusesSince(databasePath, startedAt) };
  }
} finally {
  emulators.stdin?.end();
  emulators.kill('SIGTERM');
  rmSync(folder, { recursive: true, force: true });
}

interface Round {
  readonly timing: StoreTiming;
  readonly startMs: number;
  readonly runMs: number;
  readonly heapMb: number;
  readonly statuses: Record<string, number>;
}

function report(round: string, result: Round, expected: number, calls: Record<string, number> = {}): void {
  const sessions = result.timing.sessions;
  console.log(JSON.stringify({
    bench: 'scheduler-embedded',
    round,
    mailboxes: MAILBOXES,
    concurrency: round === 'baseline' ? 1 : CONCURRENCY,
    sessions,
    expected,
    complete: sessions >= expected,
    statuses: result.statuses,
    startSeconds: seconds(result.startMs),
    runSeconds: seconds(result.runMs),
    sessionsPerSecond: Math.round((sessions / (result.runMs / 1000)) * 10) / 10,
    storeMsPerSession: Math.round((result.timing.ms / Math.max(1, sessions)) * 100) / 100,
    heapAfterStartMb: result.heapMb,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...calls,
  }));
  if (result.timing.detail.size > 0) {
    const perSession = Object.fromEntries([...result.timing.detail].map(([method, ms]) => [method, Math.round((ms / Math.max(1, sessions)) * 100) / 100]));
    process.stderr.write(`${JSON.stringify(perSession)}\n`);
  }
}

/** Wait until `expected` sessions are recorded or the budget is spent; returns the milliseconds since the start ended. */
async function waitForSessions(timing: StoreTiming, expected: number, started: number, budgetMs: number): Promise<number> {
  const runStarted = performance.now();
  while (timing.sessions < expected && performance.now() - started < budgetMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - runStarted;
}

/**
 * Make every mailbox whose first session succeeded due now, and every other a week later, straight in the store as a
 * running deployment has them. Returns how many are due.
 */
function makeDue(file: string): number {
  const database = new Database(file);
  try {
    const now = new Date().toISOString();
    const later = new Date(Date.now() + WEEK_MS).toISOString();
    const ready = "state = 'active' and last_status = 'ok'";
    return database.transaction(() => {
      database.prepare(`update mailbox_schedules set next_session_at = ?, due_at = ? where not (${ready})`).run(later, later);
      return database.prepare(`update mailbox_schedules set next_session_at = ?, due_at = ? where ${ready}`).run(now, now).changes;
    })();
  } finally {
    database.close();
  }
}

/** Return the mailboxes whose last session succeeded, in id order: those of the measured round, no-change again. */
function readyIds(file: string): string[] {
  const database = new Database(file, { readonly: true });
  try {
    const rows = database.prepare("select mailbox_id as id from mailbox_schedules where state = 'active' and last_status = 'ok' order by mailbox_id").all() as { id: string }[];
    return rows.map((row) => row.id);
  } finally {
    database.close();
  }
}

function statusesSince(file: string, since: string): Record<string, number> {
  const database = new Database(file, { readonly: true });
  try {
    const rows = database.prepare('select status, count(*) as count from sessions where started_at >= ? group by status').all(since) as { status: string; count: number }[];
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  } finally {
    database.close();
  }
}

/** Count the requests the emulators served, per session of a round. */
function emulatorStats(urls: { graphUrl: string; salesforceUrl: string }): { reset(): Promise<void>; perSession(sessions: number): Promise<Record<string, number>> } {
  return {
    async reset() {
      await fetch(`${urls.graphUrl}/_admin/stats/reset`, { method: 'POST' });
      await fetch(`${urls.salesforceUrl}/_admin/stats/reset`, { method: 'POST' });
    },
    async perSession(sessions) {
      const graph = (await (await fetch(`${urls.graphUrl}/_admin/stats`)).json()) as { requests: number; tokenRequests: number };
      const salesforce = (await (await fetch(`${urls.salesforceUrl}/_admin/stats`)).json()) as { apiCalls: number };
      const per = (count: number) => Math.round((count / Math.max(1, sessions)) * 100) / 100;
      return { graphRequestsPerSession: per(graph.requests), graphTokenRequestsPerSession: per(graph.tokenRequests), salesforceCallsPerSession: per(salesforce.apiCalls) };
    },
  };
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
