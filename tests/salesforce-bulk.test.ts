import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrmRecord, Write, WriteResult } from '../src/domain/connector.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createSalesforceEventSource, type SalesforceConnectorOptions } from '../src/crm/salesforce/index.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';

const CLIENT = { clientId: 'bulk-test', clientSecret: 'bulk-test-secret', refreshTokens: ['bulk-test-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const OWNER_EMAIL = 'ada@example.com';
const JOB_ROUTES = {
  create: 'POST /jobs/ingest',
  upload: 'PUT /jobs/ingest/{jobId}/batches',
  state: 'PATCH /jobs/ingest/{jobId}',
  poll: 'GET /jobs/ingest/{jobId}',
  results: 'GET /jobs/ingest/{jobId}/{resultKind}',
  composite: 'POST /composite',
};

let emulator: RunningSalesforceEmulator;

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    syncIdField: SYNC_ID_FIELD,
    users: [{ Username: OWNER_EMAIL, Email: OWNER_EMAIL, Name: 'Ada Lovelace', TimeZoneSidKey: 'GMT' }],
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  await admin('POST', 'reset');
  await admin('POST', 'bulk', { processingDelayMs: 5, recordsPerTick: 500 });
});

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`admin ${method} ${path} failed with ${response.status}: ${text}`);
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function events(): Promise<Record<string, unknown>[]> {
  return ((await admin('GET', 'records/Event')) as { records: Record<string, unknown>[] }).records;
}

async function routeCounts(): Promise<Record<string, number>> {
  return ((await admin('GET', 'stats')) as { byRoute: Record<string, number> }).byRoute;
}

function connector(bulk: SalesforceConnectorOptions['bulk']) {
  return createSalesforceEventSource({
    loginUrl: emulator.url,
    auth: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'bulk-test-refresh' },
    apiVersion: '62.0',
    owner: { email: OWNER_EMAIL },
    syncIdField: SYNC_ID_FIELD,
    fields: ['Subject', 'StartDateTime', 'EndDateTime', 'Location', 'Description'],
    logger: createSilentLogger(),
    retry: { delayScale: 0.01 },
    bulk,
  });
}

const FAST_POLLS = { firstPollMs: 10, maxPollMs: 50 };

function creates(count: number, subject: (index: number) => string = (index) => `Meeting ${index}`): Write<CrmRecord>[] {
  return Array.from({ length: count }, (_, index) => ({
    op: 'create' as const,
    ref: `r${index}`,
    syncId: `sync-${index}`,
    item: {
      Subject: subject(index),
      StartDateTime: new Date(Date.UTC(2027, 0, 1) + index * 3_600_000).toISOString(),
      EndDateTime: new Date(Date.UTC(2027, 0, 1) + index * 3_600_000 + 1_800_000).toISOString(),
      Location: `Room, "${index % 7}"`,
    },
  }));
}

function bySyncId(records: Record<string, unknown>[]): Map<string, Record<string, unknown>[]> {
  const found = new Map<string, Record<string, unknown>[]>();
  for (const record of records) {
    const key = String(record[SYNC_ID_FIELD]);
    found.set(key, [...(found.get(key) ?? []), record]);
  }
  return found;
}

describe('Salesforce connector over Bulk API 2.0', () => {
  it('5,000 upserts take one job', async () => {
    await admin('POST', 'faults', { faults: [{ type: 'validationRule', sobject: 'Event', field: 'Subject', pattern: '^Blocked', message: 'Subject must not start with Blocked' }] });
    const source = connector({ minRecords: 1, ...FAST_POLLS });
    await source.findBySyncIds(['warm-up']);
    await admin('POST', 'stats/reset');
    const callsBefore = source.calls;

    const writes = creates(5000, (index) => (index % 100 === 7 ? `Blocked ${index}` : `Meeting ${index}`));
    const results = await source.applyWrites(writes);

    const routes = await routeCounts();
    const polls = routes[JOB_ROUTES.poll] ?? 0;
    expect(polls).toBeGreaterThan(0);
    expect([routes[JOB_ROUTES.create], routes[JOB_ROUTES.upload], routes[JOB_ROUTES.state], routes[JOB_ROUTES.results]]).toEqual([1, 1, 1, 2]);
    expect(routes[JOB_ROUTES.composite]).toBeUndefined();
    expect(source.calls - callsBefore).toBe(5 + polls);

    expect(results).toHaveLength(5000);
    const failed = results.filter((result): result is Extract<WriteResult, { ok: false }> => !result.ok);
    expect(failed.map((result) => result.ref).sort()).toEqual(writes.filter((_, index) => index % 100 === 7).map((write) => write.ref).sort());
    expect(failed[0]!.failure).toMatchObject({ kind: 'itemError', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: ['Subject'] });
    const stored = await events();
    expect(stored).toHaveLength(4950);
    const ids = new Map(results.flatMap((result) => (result.ok ? [[result.ref, result.id] as const] : [])));
    const sample = stored.find((record) => record[SYNC_ID_FIELD] === 'sync-42')!;
    expect(ids.get('r42')).toBe(sample.Id);
    expect(sample.Location).toBe('Room, "0"');
  });

  it('update job clears and keeps fields', async () => {
    const setup = await connector({ minRecords: Number.POSITIVE_INFINITY }).applyWrites(creates(20));
    const updates: Write<CrmRecord>[] = setup.map((result, index) => ({
      op: 'update',
      ref: `u${index}`,
      id: result.ok ? result.id : '',
      patch: index % 2 === 0 ? { Subject: `Renamed ${index}` } : { Location: null },
      expectedVersion: null,
    }));
    await admin('POST', 'stats/reset');

    const results = await connector({ minRecords: 10, ...FAST_POLLS }).applyWrites(updates);
    expect(results.every((result) => result.ok)).toBe(true);
    expect((await routeCounts())[JOB_ROUTES.create]).toBe(1);
    const stored = bySyncId(await events());
    expect(stored.get('sync-0')![0]).toMatchObject({ Subject: 'Renamed 0', Location: 'Room, "0"' });
    expect(stored.get('sync-1')![0]).toMatchObject({ Subject: 'Meeting 1', Location: null });
  });

  it('failed job falls back to Composite', async () => {
    await admin('POST', 'bulk', { failJobs: 1, failAfterRecords: 300 });
    const results = await connector({ minRecords: 1, ...FAST_POLLS }).applyWrites(creates(1000));

    expect(results.filter((result) => result.ok)).toHaveLength(1000);
    expect(new Set(results.map((result) => result.ref)).size).toBe(1000);
    const stored = bySyncId(await events());
    expect(stored.size).toBe(1000);
    expect([...stored.values()].every((copies) => copies.length === 1)).toBe(true);
    const routes = await routeCounts();
    expect(routes[JOB_ROUTES.results]).toBe(1);
    expect(routes[JOB_ROUTES.composite]).toBe(1);
    const jobs = ((await admin('GET', 'bulk')) as { jobs: { state: string }[] }).jobs;
    expect(jobs.map((job) => job.state)).toEqual(['Failed']);
  });

  it('slow job is aborted after timeout', async () => {
    await admin('POST', 'bulk', { processingDelayMs: 60_000 });
    const results = await connector({ minRecords: 1, firstPollMs: 10, maxPollMs: 10, timeoutMs: 40 }).applyWrites(creates(30));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(await events()).toHaveLength(30);
    const jobs = ((await admin('GET', 'bulk')) as { jobs: { state: string }[] }).jobs;
    expect(jobs.map((job) => job.state)).toEqual(['Aborted']);
    expect((await routeCounts())[JOB_ROUTES.composite]).toBe(1);
  });

  it('rejected job create uses Composite', async () => {
    const source = connector({ minRecords: 1, ...FAST_POLLS });
    await source.findBySyncIds(['warm-up']);
    await admin('POST', 'faults', { faults: [{ type: 'failNth', n: 1, status: 400, errorCode: 'BULK_API_ERROR' }] });
    await admin('POST', 'stats/reset');

    const results = await source.applyWrites(creates(15));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(await events()).toHaveLength(15);
    expect(await routeCounts()).toMatchObject({ [JOB_ROUTES.create]: 1, [JOB_ROUTES.composite]: 1 });
  });

  it('small batches stay on Composite', async () => {
    await connector(undefined).applyWrites(creates(1200));
    const routes = await routeCounts();
    expect(routes[JOB_ROUTES.create]).toBeUndefined();
    expect(routes[JOB_ROUTES.composite]).toBe(2);
  });
});
