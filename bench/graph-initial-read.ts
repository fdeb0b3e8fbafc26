/**
 * Benchmark: the initial read of a mailbox calendar of N events (default 50,000; `BENCH_GRAPH_EVENTS` sets N)
 * through the Graph event source, from the Graph emulator on loopback, beside a naive read that pages with Graph's
 * default of 10 events. For each: delta requests made against the floor ⌈N / page size⌉, events per second, and
 * the memory the read holds. The emulator runs in a child process, so the memory figures are the reader's alone.
 * Run with `npm run bench:graph`; it prints a table and one JSON line per run.
 */
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { benchGraphSource, meetingSeed, round, sampleHeap, seedEvents, startEmulators } from './support.ts';

const EVENT_COUNT = Number(process.env.BENCH_GRAPH_EVENTS ?? 50_000);
const WINDOW = { start: '2027-01-01T00:00:00.000Z', end: '2029-01-01T00:00:00.000Z' };
/** The event source's default page size, and Graph's own default when a client asks for none. */
const RUNS = [
  { name: 'event source (odata.maxpagesize=100)', pageSize: 100 },
  { name: 'naive baseline (Graph default page size 10)', pageSize: 10 },
] as const;

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

const emulator = await startEmulators();
try {
  await seedEvents(emulator.graphUrl, EVENT_COUNT, graphReadSeed);
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
  const source = benchGraphSource(graphUrl, { mailboxTimeZone: 'Europe/Berlin', logger: createSilentLogger(), pageSize });

  const heap = sampleHeap();
  const started = performance.now();
  const result = await source.pullChanges(null, WINDOW);
  const seconds = (performance.now() - started) / 1000;
  const peakHeap = heap.stop();

  if (result.changes.length !== EVENT_COUNT) {
    throw new Error(`The read returned ${result.changes.length} events, expected ${EVENT_COUNT}; check the seeding and the window`);
  }
  const aboveStart = peakHeap - heap.startHeap;
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

/** Meeting number `index`: 30 minutes every 20 minutes from the window's start, with a short body and one attendee. */
function graphReadSeed(index: number): GraphEventSeed {
  return meetingSeed({
    index,
    keyPrefix: 'graph-read',
    start: new Date(Date.parse(WINDOW.start) + index * 20 * 60_000),
    subject: `Customer call ${index}`,
    body: `Notes for call ${index}: pricing, next steps.`,
    attendees: [{ type: 'required', status: { response: 'accepted', time: '0001-01-01T00:00:00Z' }, emailAddress: { name: `Guest ${index % 500}`, address: `guest${index % 500}@customer.example.com` } }],
  });
}
