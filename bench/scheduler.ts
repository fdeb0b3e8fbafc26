/**
 * Benchmark: distributed mode on PostgreSQL. N mailboxes have one event each, and both emulators run in this
 * process on loopback. A first round runs each mailbox's first session, which reads the mailbox in full and creates
 * the event in Salesforce. It is reported, but it is not a no-change session. Then the mailboxes whose first session
 * succeeded are made due at once, the others a week later, and each configuration measures until their no-change
 * sessions are all recorded or its time budget (BENCH_BUDGET_SECONDS, default 1,800) is spent. It reports sessions per
 * second (planning included), store time per session (summed over concurrent calls, heartbeats included) and the
 * largest peak RSS of a worker process. Configurations: 1, 2 and 4 workers with BENCH_CONCURRENCY (default 4)
 * sessions each (BENCH_WORKERS=1,2,4 picks the worker counts). BENCH_MAILBOXES sets N (default 1,000). Run with
 * `npm run bench:scheduler`; prints one JSON line per round.
 * `BENCH_MODE=planner` runs bench/scheduler-planner.ts instead, and `BENCH_MODE=embedded` bench/scheduler-embedded.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

import { startGraphEmulator } from '../emulators/graph/server.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';
import { benchAddresses, benchConfig, seedOneEventEach } from './scheduler-seed.ts';

// BENCH_MODE=planner times one planning round instead, at 10,000 and 100,000 mailboxes on both stores.
if (process.env.BENCH_MODE === 'planner') {
  await import('./scheduler-planner.ts');
  process.exit(0);
}
// BENCH_MODE=embedded runs N mailboxes' sessions in one `syncline start` process on SQLite, beside a naive baseline.
if (process.env.BENCH_MODE === 'embedded') {
  await import('./scheduler-embedded.ts');
  process.exit(0);
}

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(",").map(Number);
const DATABASE_URL = process.env.SYNCLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `syncline_bench_${process.pid}`;
const BUDGET_MS = Number(process.env.BENCH_BUDGET_SECONDS ?? 1_800) * 1000;
const WEEK_MS = 7 * 24 * 3_600_000;
/** Above the calls of every round (about 7 per no-change session), so the emulated org's daily limit never suspends a mailbox. */
const DAILY_API_LIMIT = 1_000_000_000;
const WORKER_ENTRY = fileURLToPath(new URL('./scheduler-worker.ts', import.meta.url));

/** Every worker process started, so a failed run can stop them all before it drops the schemas. */
const started: ChildProcess[] = [];
const addresses = benchAddresses(MAILBOXES);
const graph = await startGraphEmulator({ clients: [BENCH_ACCOUNTS.graph], users: addresses.map((address) => ({ userPrincipalName: address, displayName: address, mailboxTimeZone: 'UTC' })) });
const salesforce = await startSalesforceEmulator({
  clients: [{ ...BENCH_ACCOUNTS.salesforce, refreshTokens: [...BENCH_ACCOUNTS.salesforce.refreshTokens] }],
  users: addresses.map((address) => ({ Username: address, Email: address, Name: address })),
  syncIdField: BENCH_ACCOUNTS.syncIdField,
  dailyApiLimit: DAILY_API_LIMIT,
});
const folder = mkdtempSync(path.join(tmpdir(), 'syncline-bench-scheduler-'));
const configPath = path.join(folder, 'config.json');
const db = new pg.Client({ connectionString: DATABASE_URL });
await db.connect();

try {
  writeFileSync(configPath, JSON.stringify(benchConfig({ graphUrl: graph.url, salesforceUrl: salesforce.url, dataDir: folder, store: { kind: 'postgres', connectionString: DATABASE_URL, schema: SCHEMA }, addresses })));
  await seedOneEventEach(graph.url, addresses);

  // The first round reads every mailbox in full and creates each event in Salesforce: not a no-change session.
  const warmUp = await startWorkers(4);
  const firstStarted = performance.now();
  const first = await waitForSessions(0, MAILBOXES);
  const firstSeconds = (performance.now() - firstStarted) / 1000;
  const firstReports = await stopWorkers(warmUp);
  printRound('first sessions', 4, first, MAILBOXES, firstSeconds, firstReports);

  for (const workers of WORKER_COUNTS) {
    const children = await startWorkers(workers);
    const before = await countSessions();
    const started = performance.now();
    const expected = await makeDue();
    const sessions = await waitForSessions(before, expected);
    const seconds = (performance.now() - started) / 1000;
    printRound('no-change sessions', workers, sessions, expected, seconds, await stopWorkers(children));
  }
} finally {
  // Workers still running after a failure would hold locks that the schema drop waits for.
  for (const child of started) {
    child.kill('SIGKILL');
  }
  await db.query(`drop schema if exists "${SCHEMA}_jobs" cascade`);
  await db.query(`drop schema if exists "${SCHEMA}" cascade`);
  await db.end();
  await graph.close();
  await salesforce.close();
  rmSync(folder, { recursive: true, force: true });
}

interface WorkerReport {
  readonly sessions: number;
  readonly storeMs: number;
  readonly peakRssMb: number;
}

async function startWorkers(count: number): Promise<ChildProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startWorker()));
}

function startWorker(): Promise<ChildProcess> {
  const env = { ...process.env, BENCH_CONFIG: configPath, BENCH_CONCURRENCY: String(CONCURRENCY) };
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`A benchmark worker exited with code ${code} before it was ready`)));
  });
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<WorkerReport[]> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<WorkerReport>((resolve) => {
          let last = '';
          createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
            last = line;
          });
          const report = () => JSON.parse(last || '{"sessions":0,"storeMs":0,"peakRssMb":0}') as WorkerReport;
          // A worker that died during the run (its jobs went to the others) has nothing to report.
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve(report());
            return;
          }
          child.once('exit', () => resolve(report()));
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function countSessions(): Promise<number> {
  const result = await db.query<{ count: string }>(`select count(*) as count from "${SCHEMA}".sessions`);
  return Number(result.rows[0]?.count ?? 0);
}

/** Wait until `expected` more sessions are recorded or the budget is spent; returns how many were recorded. */
async function waitForSessions(before: number, expected: number): Promise<number> {
  const started = performance.now();
  let recorded = (await countSessions()) - before;
  while (recorded < expected && performance.now() - started < BUDGET_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    recorded = (await countSessions()) - before;
  }
  return recorded;
}

/**
 * Make every mailbox whose last session succeeded due now and every other a week later, straight in the store as a
 * running deployment has them (due_at follows next_session_at for an active mailbox). Returns how many are due.
 */
async function makeDue(): Promise<number> {
  const now = new Date().toISOString();
  const later = new Date(Date.now() + WEEK_MS).toISOString();
  const ready = "state = 'active' and last_status = 'ok'";
  await db.query(`update "${SCHEMA}".mailbox_schedules set next_session_at = $1, due_at = $1 where not (${ready})`, [later]);
  const due = await db.query(`update "${SCHEMA}".mailbox_schedules set next_session_at = $1, due_at = $1 where ${ready}`, [now]);
  return due.rowCount ?? 0;
}

function printRound(round: string, workers: number, sessions: number, expected: number, seconds: number, reports: readonly WorkerReport[]): void {
  const recorded = reports.reduce((sum, report) => sum + report.sessions, 0);
  const storeMs = reports.reduce((sum, report) => sum + report.storeMs, 0);
  console.log(JSON.stringify({
    bench: 'scheduler',
    round,
    mailboxes: MAILBOXES,
    workers,
    concurrency: CONCURRENCY,
    sessions,
    expected,
    complete: sessions >= expected,
    seconds: round1(seconds),
    sessionsPerSecond: round1(sessions / seconds),
    storeMsPerSession: round1(storeMs / Math.max(1, recorded), 2),
    peakRssMb: Math.max(...reports.map((report) => report.peakRssMb)),
  }));
}

function round1(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
