/**
 * Benchmark of one planning round of distributed mode at N mailboxes (BENCH_MAILBOXES, default 10,000 and 100,000),
 * on SQLite and on PostgreSQL. The schedules are written straight into a fresh store: next sessions spread evenly
 * over the next 30 minutes, as a running deployment has them, so a 10-second round finds about N/180 due. Each store
 * reports the median of BENCH_ROUNDS (default 20) rounds for:
 * - everyRow: reading every schedule and picking the due ones in memory, as the planner did before migration 0008;
 * - dueRows: the indexed due-rows query with the planner's limit of 1,000;
 * - planRound (PostgreSQL only): the whole `syncline_plan` task against a real graphile-worker queue, jobs of
 *   the due mailboxes included, with the queue emptied between rounds so every round enqueues.
 * Prints one JSON line per store and N. Run with `BENCH_MODE=planner npm run bench:scheduler`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeWorkerUtils, type JobHelpers } from 'graphile-worker';
import pg from 'pg';

import { createSilentLogger } from '../src/observability/logger.ts';
import { MailboxLocks } from '../src/scheduler/distributed/mailbox-locks.ts';
import { createPlanTask, DEFAULT_PLAN_LIMIT } from '../src/scheduler/distributed/plan-task.ts';
import { openStore, type StoreOptions, type SynclineStore } from '../src/store/index.ts';

const COUNTS = (process.env.BENCH_MAILBOXES ?? '10000,100000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const DATABASE_URL = process.env.SYNCLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const INTERVAL_MS = 30 * 60_000;
const TICK_MS = 10_000;
const ORG_ID = 'bench';
/** One instant inside the run, so every store gets the same due set: next sessions lie in [NOW - tick, NOW + interval). */
const NOW = Date.parse('2030-01-07T08:00:00.000Z');
const logger = createSilentLogger();

for (const count of COUNTS) {
  await benchSqlite(count);
  await benchPostgres(count);
}

async function benchSqlite(count: number): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'syncline-bench-planner-'));
  const file = path.join(folder, 'syncline.db');
  try {
    const store = await openStore({ kind: 'sqlite', path: file }, logger);
    await store.close();
    fillSqlite(file, count);
    await measure({ kind: 'sqlite', path: file }, count);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function benchPostgres(count: number): Promise<void> {
  const schema = `syncline_bench_planner_${process.pid}`;
  const setting: StoreOptions = { kind: 'postgres', connectionString: DATABASE_URL, schema };
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const store = await openStore(setting, logger);
    await store.close();
    await fillPostgres(admin, schema, count);
    await measure(setting, count, schema);
  } finally {
    await admin.query(`drop schema if exists "${schema}_jobs" cascade`);
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}

async function measure(setting: StoreOptions, count: number, schema?: string): Promise<void> {
  const store = await openStore(setting, logger);
  try {
    const now = new Date(NOW).toISOString();
    const everyRow = await medianMs(async () => {
      const due = (await store.listSchedules()).filter((schedule) => schedule.nextSessionAt !== null && schedule.nextSessionAt <= now);
      return due.length;
    });
    const dueRows = await medianMs(async () => (await store.listDueSchedules(now, DEFAULT_PLAN_LIMIT)).length);
    const planRound = schema === undefined ? null : await measurePlanRound(store, schema, count);
    console.log(JSON.stringify({ bench: 'scheduler-planner', store: setting.kind, mailboxes: count, due: dueRows.result, everyRowMs: everyRow.ms, dueRowsMs: dueRows.ms, planRoundMs: planRound }));
  } finally {
    await store.close();
  }
}

/** Time the real plan task over a graphile-worker queue; the jobs it adds are removed after each round. */
async function measurePlanRound(store: SynclineStore, schema: string, count: number): Promise<number> {
  const jobSchema = `${schema}_jobs`;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
  const onError = (error: Error) => console.error(`A PostgreSQL connection of the benchmark failed: ${error.message}`);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  const utils = await makeWorkerUtils({ pgPool: pool, schema: jobSchema });
  const locks = new MailboxLocks(DATABASE_URL, 2, logger);
  try {
    await utils.migrate();
    const task = createPlanTask({
      store,
      mailboxIds: Array.from({ length: count }, (_, index) => mailboxId(index)),
      jobSchema,
      locks,
      tickMs: TICK_MS,
      scheduleNow: () => new Date(NOW),
      logger,
    });
    const helpers = { addJob: utils.addJob, query: (text: string, values?: unknown[]) => pool.query(text, values) } as unknown as JobHelpers;
    const round = await medianMs(async () => {
      await task({}, helpers);
      return 0;
    }, () => pool.query(`delete from "${jobSchema}"._private_jobs`).then(() => undefined));
    return round.ms;
  } finally {
    await locks.close();
    await utils.release();
    await pool.end();
  }
}

function nextSessionAt(index: number, count: number): string {
  return new Date(NOW - TICK_MS + Math.floor((index * INTERVAL_MS) / count)).toISOString();
}

function mailboxId(index: number): string {
  return `bench-${String(index).padStart(6, '0')}`;
}

// `due_at` is written the way the store writes it for an active mailbox: its next session.
function fillSqlite(file: string, count: number): void {
  const db = new Database(file);
  try {
    db.prepare('insert into orgs (id, name) values (?, ?)').run(ORG_ID, 'Bench');
    const mailbox = db.prepare("insert into mailboxes (id, org_id, kind, address, time_zone) values (?, ?, 'graph', ?, 'UTC')");
    const schedule = db.prepare("insert into mailbox_schedules (mailbox_id, state, next_session_at, due_at, failure_count) values (?, 'active', ?, ?, 0)");
    db.transaction(() => {
      for (let index = 0; index < count; index += 1) {
        const at = nextSessionAt(index, count);
        mailbox.run(mailboxId(index), ORG_ID, `${mailboxId(index)}@bench.example.com`);
        schedule.run(mailboxId(index), at, at);
      }
    })();
  } finally {
    db.close();
  }
}

async function fillPostgres(client: pg.Client, schema: string, count: number): Promise<void> {
  await client.query(`insert into "${schema}".orgs (id, name) values ($1, 'Bench')`, [ORG_ID]);
  await client.query(
    `insert into "${schema}".mailboxes (id, org_id, kind, address, time_zone)
     select 'bench-' || lpad(i::text, 6, '0'), $1, 'graph', 'bench-' || lpad(i::text, 6, '0') || '@bench.example.com', 'UTC' from generate_series(0, $2 - 1) as i`,
    [ORG_ID, count],
  );
  const rows = Array.from({ length: count }, (_, index) => nextSessionAt(index, count));
  await client.query(
    `insert into "${schema}".mailbox_schedules (mailbox_id, state, next_session_at, due_at, failure_count)
     select 'bench-' || lpad((t.ordinality - 1)::text, 6, '0'), 'active', t.at, t.at, 0 from unnest($1::text[]) with ordinality as t(at, ordinality)`,
    [rows],
  );
  await client.query(`analyze "${schema}".mailbox_schedules`);
}

async function medianMs<T>(work: () => Promise<T>, between: () => Promise<void> = async () => undefined): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result = await work();
  await between();
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    result = await work();
    times.push(performance.now() - started);
    await between();
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round((times[Math.floor(times.length / 2)] ?? 0) * 10) / 10, result };
}
