/**
 * Benchmark: a whole first session of a mailbox calendar of N events (default 50,000; `BENCH_SESSION_EVENTS` sets N)
 * against an empty Salesforce org: the engine reads the Graph calendar, plans, creates every Event in Salesforce and
 * commits the links to SQLite. It runs twice, once reading the listing whole and once in chunks: of
 * `BENCH_SESSION_CHUNK` events when set, else of the engine's default size (see SYNCLINE_FULL_READ_CHUNK). For each:
 * Graph and Salesforce requests against their floors, events per second, and the peak heap. The emulators run in a
 * child process, a fresh one per run, so the heap figures are the engine's alone. Run with
 * `npm run bench:graph-session`; it prints a table and one JSON line per run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore } from '../src/store/index.ts';
import { FULL_READ_CHUNK_ENV, fullReadChunkSize } from '../src/sync/chunked-full-read.ts';
import { defaultSyncPolicy, runEventSession } from '../src/sync/index.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';
import { benchGraphSource, benchSalesforceSource, meetingSeed, round, sampleHeap, seedEvents, startEmulators } from './support.ts';

const EVENT_COUNT = Number(process.env.BENCH_SESSION_EVENTS ?? 50_000);
/** Null: the engine's default, with SYNCLINE_FULL_READ_CHUNK unset. */
const CHUNK = process.env.BENCH_SESSION_CHUNK === undefined ? null : Number(process.env.BENCH_SESSION_CHUNK);
const WINDOW = { start: '2027-01-01T00:00:00.000Z', end: '2029-01-01T00:00:00.000Z' };
/** The Graph event source's delta page size, and the Event records of one Salesforce Composite write call (five collections of 200). */
const GRAPH_PAGE = 100;
const SALESFORCE_BATCH = 1_000;
const RUNS = [
  { name: 'whole listing', chunk: 0 },
  { name: CHUNK === null ? `default, chunks of ${fullReadChunkSize({}) ?? 0}` : `streamed, chunks of ${CHUNK}`, chunk: CHUNK },
] as const;

interface RunResult {
  readonly bench: string;
  readonly n: number;
  readonly graphRequests: number;
  readonly graphFloor: number;
  readonly salesforceRequests: number;
  readonly salesforceFloor: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakHeapAboveStartMb: number;
  readonly status: string;
}

const results: RunResult[] = [];
for (const run of RUNS) {
  results.push(await measure(run.name, run.chunk));
}
console.table(results);
for (const result of results) {
  console.log(JSON.stringify(result));
}

async function measure(name: string, chunk: number | null): Promise<RunResult> {
  const emulators = await startEmulators();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-bench-session-'));
  try {
    await seedEvents(emulators.graphUrl, EVENT_COUNT, graphSessionSeed);
    const store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'syncline.db') }, createSilentLogger());
    const mailbox: MailboxRecord = { id: 'mbx-bench', orgId: 'org-bench', kind: 'graph', address: BENCH_ACCOUNTS.mailbox, timeZone: 'Europe/Berlin' };
    await store.upsertOrg({ id: mailbox.orgId, name: 'Bench' });
    await store.upsertMailbox(mailbox);
    const logger = createSilentLogger();
    const mailboxSource = benchGraphSource(emulators.graphUrl, { mailboxTimeZone: mailbox.timeZone, logger, pageSize: GRAPH_PAGE });
    const crmSource = benchSalesforceSource(emulators.salesforceUrl, logger);
    if (chunk === null) {
      delete process.env[FULL_READ_CHUNK_ENV];
    } else {
      process.env[FULL_READ_CHUNK_ENV] = String(chunk);
    }

    const heap = sampleHeap();
    const started = performance.now();
    const report = await runEventSession({
      mailbox,
      mailboxSource,
      crmSource,
      crmRecordUrl: (id) => crmSource.recordUrl(id),
      store,
      mapping: defaultEventMapping,
      policy: defaultSyncPolicy,
      window: WINDOW,
      logger,
    });
    const seconds = (performance.now() - started) / 1000;
    const peakHeap = heap.stop();
    await store.close();

    if (report.writes.crm.created !== EVENT_COUNT) {
      throw new Error(`The ${name} session created ${report.writes.crm.created} Salesforce Events, expected ${EVENT_COUNT} (status ${report.status}: ${report.notes.join('; ')})`);
    }
    return {
      bench: name,
      n: EVENT_COUNT,
      graphRequests: mailboxSource.calls,
      graphFloor: Math.ceil(EVENT_COUNT / GRAPH_PAGE),
      salesforceRequests: crmSource.calls,
      salesforceFloor: Math.ceil(EVENT_COUNT / SALESFORCE_BATCH),
      seconds: round(seconds),
      eventsPerSecond: Math.round(EVENT_COUNT / seconds),
      peakHeapAboveStartMb: round((peakHeap - heap.startHeap) / 1024 / 1024),
      status: report.status,
    };
  } finally {
    emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Meeting number `index`: 30 minutes every 20 minutes from the window's start, with a short body. */
function graphSessionSeed(index: number): GraphEventSeed {
  return meetingSeed({
    index,
    keyPrefix: 'graph-session',
    start: new Date(Date.parse(WINDOW.start) + index * 20 * 60_000),
    subject: `Customer call ${index}`,
    body: `Notes for call ${index}: pricing, next steps.`,
  });
}
