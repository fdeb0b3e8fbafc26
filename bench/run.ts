/**
 * Benchmark: the initial sync of N generated events from an Office 365 calendar into Salesforce, then a
 * session with no changes, beside a naive baseline that writes one Salesforce record per API call.
 * Then the Salesforce connector alone on N records (bench/salesforce-writes.ts): writes, look-ups, change detection.
 * Run with `npm run bench`; BENCH_EVENTS sets N (default 10,000). Prints a table and one JSON line per benchmark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore } from '../src/store/index.ts';
import { defaultSyncPolicy, runEventSession } from '../src/sync/index.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';
import { runNaiveBaseline } from './naive-baseline.ts';
import { runSalesforceWritesBench } from './salesforce-writes.ts';
import { benchGraphSource, benchSalesforceSource, meetingSeed, round, seedEvents, startEmulators } from './support.ts';

const EVENT_COUNT = Number(process.env.BENCH_EVENTS ?? 10_000);
const WINDOW = { start: '2027-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' };
const COMPOSITE_RECORDS = 1000;

const emulators = await startEmulators();
const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-bench-'));

try {
  await seedEvents(emulators.graphUrl, EVENT_COUNT, generatedSeed);
  const store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'bench.db') }, createSilentLogger());
  const mailbox: MailboxRecord = { id: 'bench-mailbox', orgId: 'bench-org', kind: 'graph', address: BENCH_ACCOUNTS.mailbox, timeZone: 'Europe/Berlin' };
  await store.upsertOrg({ id: 'bench-org', name: 'Bench' });
  await store.upsertMailbox(mailbox);

  const runSession = () => {
    const logger = createSilentLogger();
    const crmSource = benchSalesforceSource(emulators.salesforceUrl, logger);
    const mailboxSource = benchGraphSource(emulators.graphUrl, { mailboxTimeZone: 'Europe/Berlin', logger });
    return runEventSession({
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
  };

  const initial = await measure(runSession);
  const quiet = await measure(runSession);
  await store.close();
  const baseline = await runNaiveBaseline(emulators.salesforceUrl, EVENT_COUNT);

  assertComplete(initial.report, EVENT_COUNT);
  const salesforceResults = await runSalesforceWritesBench(emulators.salesforceUrl, EVENT_COUNT);
  const results = [
    {
      bench: 'initial-sync-events',
      n: EVENT_COUNT,
      crmCalls: initial.report.apiCalls.crm,
      crmWriteFloor: Math.ceil(EVENT_COUNT / COMPOSITE_RECORDS),
      mailboxCalls: initial.report.apiCalls.mailbox,
      baselineCalls: baseline.calls,
      itemsPerSecond: round(EVENT_COUNT / initial.seconds),
      baselineItemsPerSecond: round(EVENT_COUNT / baseline.seconds),
      crmCallsPerItem: round(initial.report.apiCalls.crm / EVENT_COUNT, 4),
      peakRssMb: initial.peakRssMb,
    },
    {
      bench: 'no-change-session',
      n: EVENT_COUNT,
      crmCalls: quiet.report.apiCalls.crm,
      mailboxCalls: quiet.report.apiCalls.mailbox,
      writes: quiet.report.writes.crm.created + quiet.report.writes.crm.updated + quiet.report.writes.crm.deleted,
      seconds: round(quiet.seconds),
      peakRssMb: quiet.peakRssMb,
    },
  ];

  console.table(results);
  for (const result of [...results, ...salesforceResults]) {
    console.log(JSON.stringify(result));
  }
} finally {
  emulators.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

async function measure(run: () => Promise<SessionReport>): Promise<{ report: SessionReport; seconds: number; peakRssMb: number }> {
  const started = performance.now();
  const report = await run();
  const seconds = (performance.now() - started) / 1000;
  // maxRSS is in kilobytes and covers the whole run so far; the emulators live in another process.
  const peakRssMb = round(process.resourceUsage().maxRSS / 1024, 0);
  return { report, seconds, peakRssMb };
}

function assertComplete(report: SessionReport, expected: number): void {
  if (report.status !== 'ok' || report.writes.crm.created !== expected) {
    throw new Error(`Initial sync did not create every event: status ${report.status}, created ${report.writes.crm.created} of ${expected}; notes: ${report.notes.join('; ')}`);
  }
}

/** Event number `index`: 30-minute meetings every 45 minutes through 2027. */
function generatedSeed(index: number): GraphEventSeed {
  return meetingSeed({
    index,
    keyPrefix: 'bench',
    start: new Date(Date.parse(WINDOW.start) + index * 45 * 60_000),
    subject: `Generated meeting ${index}`,
    body: `Agenda item ${index}`,
  });
}
