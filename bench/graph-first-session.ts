/**
 * Benchmark: a whole first session of a mailbox calendar of N events (default 50,000; `BENCH_SESSION_EVENTS` sets N)
 * against an empty Salesforce org: the engine reads the Graph calendar, plans, creates every Event in Salesforce and
 * commits the links to SQLite. It runs twice, once reading the listing whole and once in chunks of
 * `BENCH_SESSION_CHUNK` events (default 1,000; see SYNCLINE_FULL_READ_CHUNK). For each: Graph and Salesforce requests
 * against their floors, events per second, and the peak heap. The emulators run in a child process, a fresh one per
 * run, so the heap figures are the engine's alone. Run with `npm run bench:graph-session`; it prints a table and one
 * JSON line per run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { createSalesforceEventSource } from '../src/crm/salesforce/index.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { defaultEventMapping, eventCrmFields } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore } from '../src/store/index.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { defaultSyncPolicy, runEventSession } from '../src/sync/index.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';

const EVENT_COUNT = Number(process.env.BENCH_SESSION_EVENTS ?? 50_000);
const CHUNK = Number(process.env.BENCH_SESSION_CHUNK ?? 1_000);
const WINDOW = { start: '2027-01-01T00:00:00.000Z', end: '2029-01-01T00:00:00.000Z' };
/** The Graph event source's delta page size, and the Event records of one Salesforce Composite write call (five collections of 200). */
const GRAPH_PAGE = 100;
const SALESFORCE_BATCH = 1_000;
const SEED_BATCH = 1_000;
const SAMPLE_EVERY_MS = 25;
const RUNS = [
  { name: 'whole listing', chunk: 0 },
  { name: `streamed, chunks of ${CHUNK}`, chunk: CHUNK },
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

async function measure(name: string, chunk: number): Promise<RunResult> {
  const emulators = await startEmulators();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-bench-session-'));
  try {
    await seedEvents(emulators.graphUrl, EVENT_COUNT);
    const store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'syncline.db') }, createSilentLogger());
    const mailbox: MailboxRecord = { id: 'mbx-bench', orgId: 'org-bench', kind: 'graph', address: BENCH_ACCOUNTS.mailbox, timeZone: 'Europe/Berlin' };
    await store.upsertOrg({ id: mailbox.orgId, name: 'Bench' });
    await store.upsertMailbox(mailbox);
    const logger = createSilentLogger();
    const mailboxSource = createGraphEventSource({
      graphBaseUrl: `${emulators.graphUrl}/v1.0`,
      tokenUrl: `${emulators.graphUrl}/${BENCH_ACCOUNTS.tenant}/oauth2/v2.0/token`,
      clientId: BENCH_ACCOUNTS.graph.clientId,
      clientSecret: BENCH_ACCOUNTS.graph.clientSecret,
      userId: BENCH_ACCOUNTS.mailbox,
      mailboxTimeZone: mailbox.timeZone,
      logger,
      pageSize: GRAPH_PAGE,
    });
    const crmSource = createSalesforceEventSource({
      loginUrl: emulators.salesforceUrl,
      auth: { kind: 'refreshToken', clientId: BENCH_ACCOUNTS.salesforce.clientId, clientSecret: BENCH_ACCOUNTS.salesforce.clientSecret, refreshToken: BENCH_ACCOUNTS.salesforce.refreshTokens[0] },
      apiVersion: '62.0',
      owner: { email: BENCH_ACCOUNTS.mailbox },
      syncIdField: BENCH_ACCOUNTS.syncIdField,
      fields: eventCrmFields(defaultEventMapping),
      logger,
    });
    process.env[FULL_READ_CHUNK_ENV] = String(chunk);

    collectGarbage();
    const startHeap = process.memoryUsage().heapUsed;
    let peakHeap = startHeap;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }, SAMPLE_EVERY_MS);
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
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
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
      peakHeapAboveStartMb: round((peakHeap - startHeap) / 1024 / 1024),
      status: report.status,
    };
  } finally {
    emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Start from a collected heap when the process runs with `--expose-gc` (the npm script does), so runs compare. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function seedEvents(graphUrl: string, count: number): Promise<void> {
  for (let offset = 0; offset < count; offset += SEED_BATCH) {
    const seeds = Array.from({ length: Math.min(SEED_BATCH, count - offset) }, (_, index) => meetingSeed(offset + index));
    const response = await fetch(`${graphUrl}/_admin/users/${encodeURIComponent(BENCH_ACCOUNTS.mailbox)}/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: seeds }),
    });
    if (!response.ok) {
      throw new Error(`Seeding the Graph emulator failed with HTTP ${response.status}: ${await response.text()}`);
    }
  }
}

/** Meeting number `index`: 30 minutes every 20 minutes from the window's start, with a short body. */
function meetingSeed(index: number): GraphEventSeed {
  const start = new Date(Date.parse(WINDOW.start) + index * 20 * 60_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const local = (instant: Date) => `${instant.toISOString().slice(0, 19)}.0000000`;
  return {
    seedKey: `graph-session-${index}`,
    iCalUId: `graph-session-${index}@bench.example.com`,
    subject: `Customer call ${index}`,
    body: { contentType: 'text', content: `Notes for call ${index}: pricing, next steps.` },
    start: { dateTime: local(start), timeZone: 'UTC' },
    end: { dateTime: local(end), timeZone: 'UTC' },
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: `Room ${index % 40}` },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { emailAddress: { name: 'Bench User', address: BENCH_ACCOUNTS.mailbox } },
    attendees: [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
}

async function startEmulators(): Promise<{ graphUrl: string; salesforceUrl: string; stop: () => void }> {
  const script = fileURLToPath(new URL('./emulators-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`The emulator process exited with code ${code} before it was ready`)));
  });
  const urls = JSON.parse(first) as { graphUrl: string; salesforceUrl: string };
  return { ...urls, stop: () => child.stdin.end() };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
