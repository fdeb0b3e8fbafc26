/**
 * Benchmark of the Salesforce connector alone on N records: writes through Composite and through Bulk API 2.0
 * (both measured), look-ups by record id and by sync id, and change detection after 500 edits and 100 deletes
 * made by a Salesforce user. Each beside the floor of its batched API and a one-record-per-call baseline.
 */
import type { CrmRecord, Write, WriteResult } from '../src/domain/connector.ts';
import { bulkSavesCalls } from '../src/crm/salesforce/bulk/break-even.ts';
import { WATERMARK_OVERLAP_MS } from '../src/crm/salesforce/pull-queries.ts';
import { createSalesforceEventSource, type SalesforceConnectorOptions } from '../src/crm/salesforce/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';
import { runNaiveBaseline } from './naive-baseline.ts';

const API = '/services/data/v62.0';
const FIELDS = ['Subject', 'StartDateTime', 'EndDateTime', 'Location', 'Description'];
const WINDOW = { start: '2027-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' };
/** Records per Composite write call (five collections of 200) and per SOQL result page. */
const WRITE_BATCH = 1000;
const QUERY_PAGE = 2000;
const CHANGED = 500;
const DELETED = 100;

type Source = ReturnType<typeof createSalesforceEventSource>;
interface Timed<T> {
  readonly value: T;
  readonly calls: number;
  readonly seconds: number;
}

export async function runSalesforceWritesBench(salesforceUrl: string, n: number): Promise<Record<string, unknown>[]> {
  await post(`${salesforceUrl}/_admin/reset`, {});
  const composite = await warmSource(salesforceUrl, { minRecords: Number.POSITIVE_INFINITY });
  const bulk = await warmSource(salesforceUrl, { minRecords: 1 });

  const viaComposite = await timed(composite, () => composite.applyWrites(generatedWrites(n, 'c', WINDOW.start)));
  const viaBulk = await timed(bulk, () => bulk.applyWrites(generatedWrites(n, 'b', '2029-01-01T00:00:00Z')));
  assertAllWritten(viaComposite.value, n, 'Composite');
  assertAllWritten(viaBulk.value, n, 'Bulk API');
  const writeBaseline = await runNaiveBaseline(salesforceUrl, n);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

  const ids = viaComposite.value.flatMap((result) => (result.ok ? [result.id] : []));
  const reads = await timed(composite, () => composite.readItems(ids));
  const finds = await timed(composite, () => composite.findBySyncIds(Array.from({ length: n }, (_, index) => `c-${index}`)));
  const readBaseline = await readOneByOne(salesforceUrl, ids);

  const fullListing = await timed(composite, () => composite.pullChanges(null, WINDOW));
  const cursor = settledCursor(fullListing.value.nextCursor, await quietSecond(salesforceUrl));
  await editAsUser(salesforceUrl, ids.slice(0, CHANGED), ids.slice(CHANGED, CHANGED + DELETED));
  const pull = await timed(composite, () => composite.pullChanges(cursor, WINDOW));

  const bulkChosen = bulkSavesCalls(n);
  const perSecond = (seconds: number) => Math.round(n / seconds);
  return [
    {
      bench: 'salesforce-writes', n, crmCalls: bulkChosen ? viaBulk.calls : viaComposite.calls, crmWriteFloor: Math.ceil(n / WRITE_BATCH),
      baselineCalls: writeBaseline.calls, path: bulkChosen ? 'bulk' : 'composite', compositeCalls: viaComposite.calls, bulkCalls: viaBulk.calls,
      compositeItemsPerSecond: perSecond(viaComposite.seconds), bulkItemsPerSecond: perSecond(viaBulk.seconds),
      baselineItemsPerSecond: perSecond(writeBaseline.seconds), peakRssMb,
    },
    {
      bench: 'salesforce-lookups', n, crmCalls: reads.calls, findBySyncIdsCalls: finds.calls, crmReadFloor: Math.ceil(n / QUERY_PAGE),
      baselineCalls: readBaseline.calls, found: reads.value.size, itemsPerSecond: perSecond(reads.seconds),
      baselineItemsPerSecond: perSecond(readBaseline.seconds), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    {
      bench: 'salesforce-change-detection', n, changed: CHANGED, deleted: DELETED, crmCalls: pull.calls, changesSeen: pull.value.changes.length,
      deletesSeen: pull.value.changes.filter((change) => change.kind === 'delete').length, uniqueIdsSeen: new Set(pull.value.changes.map((change) => change.id)).size,
      crmReadFloor: Math.ceil((CHANGED + DELETED) / QUERY_PAGE), fullListingCalls: fullListing.calls, baselineCalls: readBaseline.calls,
      seconds: Math.round(pull.seconds * 1000) / 1000, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    },
  ];
}

/**
 * Returns the cursor a quiet session would store five minutes after `quietSince`, when nothing else changed. A
 * pull re-reads the five minutes before its watermark to catch late commits, and the benchmark's own writes of a
 * moment ago would fill that overlap, so it moves the watermark instead of waiting.
 */
function settledCursor(cursor: string, quietSince: number): string {
  const parsed = JSON.parse(cursor) as { watermark?: unknown };
  if (typeof parsed.watermark !== 'string') {
    throw new Error('The Salesforce cursor has no watermark; update the change-detection benchmark to the new cursor format');
  }
  return JSON.stringify({ ...parsed, watermark: new Date(quietSince + WATERMARK_OVERLAP_MS).toISOString() });
}

/**
 * Returns the first whole second after the org's newest SystemModstamp, once the wall clock has passed it. SOQL
 * datetime literals have whole seconds, so a watermark inside a second re-reads all of it. The emulator stamps a
 * burst of writes at least a millisecond apart, so after 30,000 quick writes its stamps run ahead of the wall clock.
 */
async function quietSecond(salesforceUrl: string): Promise<number> {
  const token = await userToken(salesforceUrl);
  const soql = encodeURIComponent('SELECT SystemModstamp FROM Event ORDER BY SystemModstamp DESC LIMIT 1');
  const response = await fetch(`${token.instanceUrl}${API}/query?q=${soql}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
  const body = (await response.json()) as { records?: { SystemModstamp?: string }[] };
  const stamp = body.records?.[0]?.SystemModstamp;
  const latest = stamp === undefined ? Date.now() : Date.parse(stamp.replace('+0000', 'Z'));
  const second = Math.ceil((latest + 1) / 1000) * 1000;
  const waitMs = Math.min(60_000, second - Date.now() + 10);
  if (waitMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return second;
}

/** A connector that has read the describe and the owner already, so measured calls are the operation's own. */
async function warmSource(salesforceUrl: string, bulk: SalesforceConnectorOptions['bulk']): Promise<Source> {
  const source = createSalesforceEventSource({
    loginUrl: salesforceUrl,
    auth: { kind: 'refreshToken', clientId: BENCH_ACCOUNTS.salesforce.clientId, clientSecret: BENCH_ACCOUNTS.salesforce.clientSecret, refreshToken: 'bench-refresh' },
    apiVersion: '62.0',
    owner: { email: BENCH_ACCOUNTS.mailbox },
    syncIdField: BENCH_ACCOUNTS.syncIdField,
    fields: FIELDS,
    logger: createSilentLogger(),
    ...(bulk === undefined ? {} : { bulk }),
  });
  await source.findBySyncIds(['warm-up']);
  return source;
}

async function timed<T>(source: Source, run: () => Promise<T>): Promise<Timed<T>> {
  const calls = source.calls;
  const started = performance.now();
  const value = await run();
  return { value, calls: source.calls - calls, seconds: (performance.now() - started) / 1000 };
}

function generatedWrites(n: number, prefix: string, from: string): Write<CrmRecord>[] {
  return Array.from({ length: n }, (_, index) => {
    const start = Date.parse(from) + index * 45 * 60_000;
    return {
      op: 'create' as const,
      ref: `${prefix}-${index}`,
      syncId: `${prefix}-${index}`,
      item: {
        Subject: `Generated meeting ${index}`,
        StartDateTime: new Date(start).toISOString(),
        EndDateTime: new Date(start + 30 * 60_000).toISOString(),
        Location: `Room ${index % 40}, floor ${index % 5}`,
        Description: `Agenda item ${index}`,
      },
    };
  });
}

function assertAllWritten(results: readonly WriteResult[], n: number, path: string): void {
  const written = results.filter((result) => result.ok).length;
  if (written !== n) {
    throw new Error(`${path} wrote ${written} of ${n} records; the benchmark needs every write to succeed`);
  }
}

/** The naive look-up: one `GET sobjects/Event/{id}` per record. */
async function readOneByOne(salesforceUrl: string, ids: readonly string[]): Promise<{ calls: number; seconds: number }> {
  const token = await userToken(salesforceUrl);
  const started = performance.now();
  for (const id of ids) {
    const response = await fetch(`${token.instanceUrl}${API}/sobjects/Event/${id}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    if (!response.ok) {
      throw new Error(`Baseline read of ${id} failed with HTTP ${response.status}`);
    }
    await response.arrayBuffer();
  }
  return { calls: ids.length, seconds: (performance.now() - started) / 1000 };
}

/** A Salesforce user edits and deletes records, through sObject Collections, outside the connector. */
async function editAsUser(salesforceUrl: string, changeIds: readonly string[], deleteIds: readonly string[]): Promise<void> {
  const token = await userToken(salesforceUrl);
  const headers = { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' };
  for (let start = 0; start < changeIds.length; start += 200) {
    const records = changeIds.slice(start, start + 200).map((id) => ({ attributes: { type: 'Event' }, Id: id, Subject: 'Changed by a user' }));
    await expectOk(fetch(`${token.instanceUrl}${API}/composite/sobjects`, { method: 'PATCH', headers, body: JSON.stringify({ allOrNone: true, records }) }));
  }
  for (let start = 0; start < deleteIds.length; start += 200) {
    const ids = deleteIds.slice(start, start + 200).join(',');
    await expectOk(fetch(`${token.instanceUrl}${API}/composite/sobjects?ids=${ids}&allOrNone=true`, { method: 'DELETE', headers }));
  }
}

async function userToken(salesforceUrl: string): Promise<{ accessToken: string; instanceUrl: string }> {
  const response = await fetch(`${salesforceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: BENCH_ACCOUNTS.salesforce.clientId,
      client_secret: BENCH_ACCOUNTS.salesforce.clientSecret,
      refresh_token: 'bench-refresh',
    }),
  });
  const body = (await response.json()) as { access_token: string; instance_url: string };
  return { accessToken: body.access_token, instanceUrl: body.instance_url };
}

async function post(url: string, body: unknown): Promise<void> {
  await expectOk(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

async function expectOk(pending: Promise<Response>): Promise<void> {
  const response = await pending;
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`Benchmark request ${response.url} failed with HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}
