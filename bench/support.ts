/**
 * Shared parts of the Graph benchmarks: the emulator child process, calendar seeding, connector set-up, heap
 * sampling and rounding.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { createSalesforceEventSource } from '../src/crm/salesforce/index.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { defaultEventMapping, eventCrmFields } from '../src/mapping/index.ts';
import type { Logger } from '../src/observability/logger.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';

/** Events sent to the Graph emulator in one seeding request. */
const SEED_BATCH = 1_000;
const SAMPLE_EVERY_MS = 25;

/** Base URLs of the emulator child process and the function that stops it. */
export interface BenchEmulators {
  readonly graphUrl: string;
  readonly salesforceUrl: string;
  readonly stop: () => void;
}

/** Starts the Graph and Salesforce emulators in a child process, so the heap figures are the engine's alone. */
export async function startEmulators(): Promise<BenchEmulators> {
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

/** Seeds `count` events, built by `seedFor`, into the benchmark mailbox of the Graph emulator. */
export async function seedEvents(graphUrl: string, count: number, seedFor: (index: number) => GraphEventSeed): Promise<void> {
  for (let offset = 0; offset < count; offset += SEED_BATCH) {
    const seeds = Array.from({ length: Math.min(SEED_BATCH, count - offset) }, (_, index) => seedFor(offset + index));
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

/** Parts of one generated meeting that differ between benchmarks. */
export interface MeetingShape {
  readonly index: number;
  /** Prefix of the seed key and iCalUId, followed by the index. */
  readonly keyPrefix: string;
  readonly start: Date;
  readonly subject: string;
  readonly body: string;
  readonly attendees?: GraphEventSeed['attendees'];
}

/** Builds a 30-minute single-instance UTC meeting organised by the benchmark user. */
export function meetingSeed(shape: MeetingShape): GraphEventSeed {
  const key = `${shape.keyPrefix}-${shape.index}`;
  const end = new Date(shape.start.getTime() + 30 * 60_000);
  const local = (instant: Date) => `${instant.toISOString().slice(0, 19)}.0000000`;
  return {
    seedKey: key,
    iCalUId: `${key}@bench.example.com`,
    subject: shape.subject,
    body: { contentType: 'text', content: shape.body },
    start: { dateTime: local(shape.start), timeZone: 'UTC' },
    end: { dateTime: local(end), timeZone: 'UTC' },
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: `Room ${shape.index % 40}` },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { emailAddress: { name: 'Bench User', address: BENCH_ACCOUNTS.mailbox } },
    attendees: shape.attendees ?? [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
}

/** Creates a Graph event source for the benchmark mailbox on the emulator. */
export function benchGraphSource(graphUrl: string, options: { mailboxTimeZone: string; logger: Logger; pageSize?: number }) {
  return createGraphEventSource({
    graphBaseUrl: `${graphUrl}/v1.0`,
    tokenUrl: `${graphUrl}/${BENCH_ACCOUNTS.tenant}/oauth2/v2.0/token`,
    clientId: BENCH_ACCOUNTS.graph.clientId,
    clientSecret: BENCH_ACCOUNTS.graph.clientSecret,
    userId: BENCH_ACCOUNTS.mailbox,
    ...options,
  });
}

/** Creates a Salesforce event source for the benchmark user on the emulator, with the default event mapping. */
export function benchSalesforceSource(salesforceUrl: string, logger: Logger) {
  return createSalesforceEventSource({
    loginUrl: salesforceUrl,
    auth: { kind: 'refreshToken', clientId: BENCH_ACCOUNTS.salesforce.clientId, clientSecret: BENCH_ACCOUNTS.salesforce.clientSecret, refreshToken: BENCH_ACCOUNTS.salesforce.refreshTokens[0] },
    apiVersion: '62.0',
    owner: { email: BENCH_ACCOUNTS.mailbox },
    syncIdField: BENCH_ACCOUNTS.syncIdField,
    fields: eventCrmFields(defaultEventMapping),
    logger,
  });
}

/** Heap sampler started by `sampleHeap`. */
export interface HeapSampler {
  readonly startHeap: number;
  /** Stops sampling and returns the peak heap in use, in bytes. */
  readonly stop: () => number;
}

/** Collects garbage, then samples the heap in use until stopped. */
export function sampleHeap(): HeapSampler {
  collectGarbage();
  const startHeap = process.memoryUsage().heapUsed;
  let peakHeap = startHeap;
  const timer = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, SAMPLE_EVERY_MS);
  return {
    startHeap,
    stop: () => {
      clearInterval(timer);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      return peakHeap;
    },
  };
}

/** Starts from a collected heap when the process runs with `--expose-gc` (the npm scripts do), so runs compare. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Rounds `value` to `digits` decimal places. */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
