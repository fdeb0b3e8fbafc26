/**
 * Benchmark: distributed mode on PostgreSQL. N mailboxes have one event each, and both emulators run in this
 * process on loopback. An untimed first round links the events. Then each configuration makes every mailbox due at
 * once and measures until all N no-change sessions are recorded. It reports sessions per second (planning
 * included), store time per session (summed over concurrent calls, heartbeats included) and the largest peak RSS
 * of a worker process. Configurations: 1, 2 and 4 workers with
 * BENCH_CONCURRENCY (default 4) sessions each (BENCH_WORKERS=1,2,4 picks the worker counts). BENCH_MAILBOXES sets N (default 1,000; 10,000 and 100,000 take
 * minutes to hours, mostly in the emulators). Run with `npm run bench:scheduler`; prints one JSON line per configuration.
 * `BENCH_MODE=planner` runs bench/scheduler-planner.ts instead.
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

// BENCH_MODE=planner times one planning round instead, at 10,000 and 100,000 mailboxes on both stores.
if (process.env.BENCH_MODE === 'planner') {
  await import('./scheduler-planner.ts');
  process.exit(0);
}

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 1_000);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(",").map(Number);
const DATABASE_URL = process.env.SYNCLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `syncline_bench_${process.pid}`;
const TENANT = 'bench-tenant';
const GRAPH_APP = { tenantId: TENANT, clientId: 'bench-graph-app', clientSecret: 'bench-graph-secret' };
const SF_APP = { clientId: 'bench-sf-app', clientSecret: 'bench-sf-secret', refreshTokens: ['bench-refresh'] };
const WORKER_ENTRY = fileURLToPath(new URL('./scheduler-worker.ts', import.meta.url));

/** Every worker process started, so a failed run can stop them all before it drops the schemas. */
const started: ChildProcess[] = [];
const addresses = Array.from({ length: MAILBOXES }, (_, index) => `user${index}@bench.example.com`);
const graph = await startGraphEmulator({ clients: [GRAPH_APP], users: addresses.map((address) => ({ userPrincipalName: address, displayName: address, mailboxTimeZone: 'UTC' })) });
const salesforce = await startSalesforceEmulator({ clients: [SF_APP], users: addresses.map((address) => ({ Username: address, Email: address, Name: address })), syncIdField: 'Syncline_Sync_Id__c' });
const folder = mkdtempSync(path.join(tmpdir(), 'syncline-bench-scheduler-'));
const configPath = path.join(folder, 'config.json');
const db = new pg.Client({ connectionString: DATABASE_URL });
await db.connect();

try {
  writeFileSync(configPath, JSON.stringify(benchConfig(graph.url, salesforce.url, folder)));
  await seedOneEventEach(graph.url);

  // The first round reads every mailbox in full and creates each event in Salesforce; it is not measured.
  const warmUp = await startWorkers(4);
  await waitForSessions(0, MAILBOXES);
  await stopWorkers(warmUp);

  for (const workers of WORKER_COUNTS) {
    const children = await startWorkers(workers);
    const before = await countSessions();
    const started = performance.now();
    // due_at follows next_session_at for an active mailbox, as the store keeps it.
    await db.query(`update "${SCHEMA}".mailbox_schedules set next_session_at = $1, due_at = $1`, [new Date().toISOString()]);
    await waitForSessions(before, MAILBOXES);
    const seconds = (performance.now() - started) / 1000;
    const reports = await stopWorkers(children);

    const sessions = reports.reduce((sum, report) => sum + report.sessions, 0);
    const storeMs = reports.reduce((sum, report) => sum + report.storeMs, 0);
    console.log(JSON.stringify({
      bench: 'scheduler',
      mailboxes: MAILBOXES,
      workers,
      sessionsPerSecond: round(MAILBOXES / seconds),
      storeMsPerSession: round(storeMs / Math.max(1, sessions), 2),
      peakRssMb: Math.max(...reports.map((report) => report.peakRssMb)),
    }));
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
  const env = { ...process.env, BENCH_CONFIG: configPath };
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

async function waitForSessions(before: number, expected: number): Promise<void> {
  const deadline = Date.now() + Math.max(120_000, expected * 200);
  while ((await countSessions()) - before < expected) {
    if (Date.now() > deadline) {
      throw new Error(`Only ${(await countSessions()) - before} of ${expected} sessions were recorded in time; see the workers' errors above`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function seedOneEventEach(graphUrl: string): Promise<void> {
  for (const [index, address] of addresses.entries()) {
    const start = new Date(Date.parse('2027-03-01T09:00:00Z') + (index % 100) * 3_600_000);
    const local = (instant: Date) => `${instant.toISOString().slice(0, 19)}.0000000`;
    const seed = {
      seedKey: `bench-${index}`,
      iCalUId: `bench-${index}@bench.example.com`,
      subject: `Bench meeting ${index}`,
      body: { contentType: 'text', content: '' },
      start: { dateTime: local(start), timeZone: 'UTC' },
      end: { dateTime: local(new Date(start.getTime() + 1_800_000)), timeZone: 'UTC' },
      originalStartTimeZone: 'UTC',
      originalEndTimeZone: 'UTC',
      isAllDay: false,
      isCancelled: false,
      location: { displayName: '' },
      showAs: 'busy',
      sensitivity: 'normal',
      organizer: null,
      attendees: [],
      type: 'singleInstance',
      seriesMasterSeedKey: null,
      originalStart: null,
      recurrence: null,
    };
    const response = await fetch(`${graphUrl}/_admin/users/${encodeURIComponent(address)}/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [seed] }),
    });
    if (!response.ok) {
      throw new Error(`Seeding ${address} failed with HTTP ${response.status}: ${await response.text()}`);
    }
  }
}

function benchConfig(graphUrl: string, salesforceUrl: string, dataDir: string): Record<string, unknown> {
  return {
    dataDir,
    store: { kind: 'postgres', connectionString: DATABASE_URL, schema: SCHEMA },
    syncWindow: { start: '2027-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' },
    // A week, so that during a measurement no mailbox becomes due but the ones the benchmark makes due.
    sessionIntervalMinutes: 10_080,
    jitter: 0,
    orgs: [
      {
        id: 'bench',
        name: 'Bench',
        salesforce: { loginUrl: salesforceUrl, auth: { kind: 'refreshToken', clientId: SF_APP.clientId, clientSecret: SF_APP.clientSecret, refreshToken: 'bench-refresh' } },
        graph: { tenantId: TENANT, clientId: GRAPH_APP.clientId, clientSecret: GRAPH_APP.clientSecret, authorityUrl: graphUrl, graphBaseUrl: `${graphUrl}/v1.0` },
        mailboxes: addresses.map((address, index) => ({ id: `bench-${index}`, address, timeZone: 'UTC', salesforceUser: { email: address } })),
      },
    ],
  };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
