/**
 * Benchmark: the initial read of a mailbox calendar of N events (default 50,000; `BENCH_GRAPH_EVENTS` sets N)
 * through the Graph event source, from the Graph emulator on loopback, beside a naive read that pages with Graph's
 * default of 10 events. For each: delta requests made against the floor ⌈N / page size⌉, events per second, and
 * the memory the read holds. The emulator runs in a child process, so the memory figures are the reader's alone.
 * Run with `npm run bench:graph`; it prints a table and one JSON line per run.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';

const EVENT_COUNT = Number(process.env.BENCH_GRAPH_EVENTS ?? 50_000);
const WINDOW = { start: '2027-01-01T00:00:00.000Z', end: '2029-01-01T00:00:00.000Z' };
/** The event source's default page size, and Graph's own default when a client asks for none. */
const RUNS = [
  { name: 'event source (odata.maxpagesize=100)', pageSize: 100 },
  { name: 'naive baseline (Graph default page size 10)', pageSize: 10 },
] as const;
const SEED_CHUNK = 1_000;
const SAMPLE_EVERY_MS = 25;

interface RunResult {
  readonly bench: string;
  readonly n: number;
  readonly pageSize: number;
  readonly requests: number;
  readonly floor: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Heap in use at the peak of the read, above the heap before it. */
  readonly peakHeapAboveStartMb: number;
  /** The same per thousand events: flat for a read streamed page by page, growing with N for one held whole. */
  readonly peakHeapPerThousandEventsKb: number;
}

const emulator = await startEmulator();
try {
  await seedEvents(emulator.graphUrl, EVENT_COUNT);
  const results: RunResult[] = [];
  for (const run of RUNS) {
    results.push(await measure(emulator.graphUrl, run.name, run.pageSize));
  }

  console.table(results);
  for (const result of results) {
    console.log(JSON.stringify(result));
  }
  // maxRSS is in kilobytes and covers the whole process: both reads, the seeding requests and Node itself.
  console.log(JSON.stringify({ bench: 'graph-initial-read-process', peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} finally {
  emulator.stop();
}

async function measure(graphUrl: string, name: string, pageSize: number): Promise<RunResult> {
  const source = createGraphEventSource({
    graphBaseUrl: `${graphUrl}/v1.0`,
    tokenUrl: `${graphUrl}/${BENCH_ACCOUNTS.tenant}/oauth2/v2.0/token`,
    clientId: BENCH_ACCOUNTS.graph.clientId,
    clientSecret: BENCH_ACCOUNTS.graph.clientSecret,
    userId: BENCH_ACCOUNTS.mailbox,
    mailboxTimeZone: 'Europe/Berlin',
    logger: createSilentLogger(),
    pageSize,
  });

  collectGarbage();
  const startHeap = process.memoryUsage().heapUsed;
  let peakHeap = startHeap;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, SAMPLE_EVERY_MS);

  const started = performance.now();
  const result = await source.pullChanges(null, WINDOW);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

  if (result.changes.length !== EVENT_COUNT) {
    throw new Error(`The read returned ${result.changes.length} events, expected ${EVENT_COUNT}; check the seeding and the window`);
  }
  const aboveStart = peakHeap - startHeap;
  return {
    bench: name,
    n: EVENT_COUNT,
    pageSize,
    requests: source.calls,
    floor: Math.ceil(EVENT_COUNT / pageSize),
    seconds: round(seconds),
    eventsPerSecond: Math.round(EVENT_COUNT / seconds),
    peakHeapAboveStartMb: round(aboveStart / 1024 / 1024),
    peakHeapPerThousandEventsKb: Math.round(aboveStart / 1024 / (EVENT_COUNT / 1000)),
  };
}

/** Start from a collected heap when the process runs with `--expose-gc` (the npm script does), so runs compare. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function seedEvents(graphUrl: string, count: number): Promise<void> {
  for (let offset = 0; offset < count; offset += SEED_CHUNK) {
    const seeds = Array.from({ length: Math.min(SEED_CHUNK, count - offset) }, (_, index) => meetingSeed(offset + index));
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

/** Meeting number `index`: 30 minutes every 20 minutes from the window's start, with a short body and one attendee. */
function meetingSeed(index: number): GraphEventSeed {
  const start = new Date(Date.parse(WINDOW.start) + index * 20 * 60_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const local = (instant: Date) => `${instant.toISOString().slice(0, 19)}.0000000`;
  return {
    seedKey: `graph-read-${index}`,
    iCalUId: `graph-read-${index}@bench.example.com`,
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
    attendees: [{ type: 'required', status: { response: 'accepted', time: '0001-01-01T00:00:00Z' }, emailAddress: { name: `Guest ${index % 500}`, address: `guest${index % 500}@customer.example.com` } }],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
}

async function startEmulator(): Promise<{ graphUrl: string; stop: () => void }> {
  const script = fileURLToPath(new URL('./emulators-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`The emulator process exited with code ${code} before it was ready`)));
  });
  const { graphUrl } = JSON.parse(first) as { graphUrl: string };
  return { graphUrl, stop: () => child.stdin.end() };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
