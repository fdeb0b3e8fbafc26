import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrmRecord, Write, WriteResult } from '../src/domain/connector.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createSalesforceEventSource, type SalesforceConnectorOptions } from '../src/crm/salesforce/index.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';

const CLIENT = { clientId: 'syncline-test', clientSecret: 'syncline-test-secret', refreshTokens: ['syncline-test-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const WINDOW = { start: '2026-05-01T00:00:00Z', end: '2026-06-01T00:00:00Z' };
const OWNER_EMAIL = 'ada@example.com';

let emulator: RunningSalesforceEmulator;

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    syncIdField: SYNC_ID_FIELD,
    users: [
      { Username: 'integration@example.com', Email: 'integration@example.com', Name: 'Integration', TimeZoneSidKey: 'GMT' },
      { Username: OWNER_EMAIL, Email: OWNER_EMAIL, Name: 'Ada Lovelace', TimeZoneSidKey: 'Europe/Berlin' },
    ],
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  await admin('POST', 'reset');
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

async function records(sobject: string): Promise<Record<string, unknown>[]> {
  return ((await admin('GET', `records/${sobject}`)) as { records: Record<string, unknown>[] }).records;
}

async function apiCalls(): Promise<number> {
  return ((await admin('GET', 'stats')) as { apiCalls: number }).apiCalls;
}

function connector(overrides: Partial<SalesforceConnectorOptions> = {}) {
  return createSalesforceEventSource({
    loginUrl: emulator.url,
    auth: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'syncline-test-refresh' },
    apiVersion: '62.0',
    owner: { email: OWNER_EMAIL },
    syncIdField: SYNC_ID_FIELD,
    fields: ['Subject', 'StartDateTime', 'EndDateTime', 'Location', 'ShowAs', 'Description'],
    logger: createSilentLogger(),
    retry: { delayScale: 0.01 },
    ...overrides,
  });
}

function create(ref: string, extra: Record<string, unknown> = {}): Write<CrmRecord> {
  return {
    op: 'create',
    ref,
    syncId: `sync-${ref}`,
    item: { Subject: `Meeting ${ref}`, StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z', ...extra },
  };
}

function okId(result: WriteResult | undefined): string {
  if (result === undefined || !result.ok) {
    throw new Error(`expected a successful write, got ${JSON.stringify(result)}`);
  }
  return result.id;
}

describe('Salesforce connector against the emulator', () => {
  it('full pull lists only the owner events in the window', async () => {
    const source = connector();
    await source.applyWrites([create('a'), create('b', { StartDateTime: '2026-07-01T09:00:00Z', EndDateTime: '2026-07-01T10:00:00Z' })]);
    await admin('POST', 'records', {
      sobject: 'Event',
      records: [{ Subject: 'Not Ada', StartDateTime: '2026-05-05T09:00:00Z', EndDateTime: '2026-05-05T10:00:00Z' }],
    });

    const result = await source.pullChanges(null, WINDOW);
    expect(result.isFullListing).toBe(true);
    expect(result.changes.map((change) => change.kind === 'upsert' && change.syncId)).toEqual(['sync-a']);
    const [change] = result.changes;
    expect(change).toMatchObject({ kind: 'upsert', item: { Subject: 'Meeting a', StartDateTime: '2026-05-04T13:00:00.000+0000' } });
    expect(change?.kind).toBe('upsert');
    expect(Object.keys(change?.kind === 'upsert' ? change.item : {})).not.toContain('attributes');
  });

  it('incremental pull reports changes and deletions in one call', async () => {
    const source = connector();
    const [first, second, third] = await source.applyWrites([create('a'), create('b'), create('c')]);
    const full = await source.pullChanges(null, WINDOW);

    const patch: Write<CrmRecord> = { op: 'update', ref: 'u', id: okId(first), patch: { Subject: 'Moved' }, expectedVersion: null };
    const updateThenDelete: Write<CrmRecord> = { op: 'update', ref: 'u2', id: okId(third), patch: { Subject: 'Soon gone' }, expectedVersion: null };
    await source.applyWrites([patch, updateThenDelete]);
    await source.applyWrites([
      { op: 'delete', ref: 'd', id: okId(second) },
      { op: 'delete', ref: 'd2', id: okId(third) },
    ]);

    const before = source.calls;
    const next = await source.pullChanges(full.nextCursor, WINDOW);
    expect(source.calls - before).toBe(1);
    expect(next.isFullListing).toBe(false);
    const byId = new Map(next.changes.map((change) => [change.id, change]));
    expect(byId.get(okId(first))).toMatchObject({ kind: 'upsert', item: { Subject: 'Moved' } });
    expect(byId.get(okId(second))).toEqual({ kind: 'delete', id: okId(second), mayStillExist: false });
    expect(byId.get(okId(third))).toEqual({ kind: 'delete', id: okId(third), mayStillExist: false });
    expect(JSON.parse(next.nextCursor).watermark > JSON.parse(full.nextCursor).watermark).toBe(true);
  });

  it('upsert by sync id never doubles a record', async () => {
    const source = connector();
    const [once] = await source.applyWrites([create('same')]);
    const [again] = await source.applyWrites([create('same', { Subject: 'Second try' })]);

    expect(okId(again)).toBe(okId(once));
    const events = await records('Event');
    expect(events).toHaveLength(1);
    const found = await source.findBySyncIds(['sync-same', 'sync-unknown']);
    expect([...found.keys()]).toEqual(['sync-same']);
    expect(found.get('sync-same')?.item.Subject).toBe('Second try');
  });

  it('validation rule fails one record only', async () => {
    await admin('POST', 'faults', {
      faults: [{ type: 'validationRule', sobject: 'Event', field: 'Subject', pattern: '^Forbidden', message: 'Subject may not start with Forbidden' }],
    });
    const source = connector();
    const results = await source.applyWrites([create('good'), create('bad', { Subject: 'Forbidden topic' })]);

    const byRef = new Map(results.map((result) => [result.ref, result]));
    expect(byRef.get('good')?.ok).toBe(true);
    expect(byRef.get('bad')).toMatchObject({
      ok: false,
      failure: { kind: 'itemError', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: ['Subject'] },
    });
    expect(await records('Event')).toHaveLength(1);
  });

  it('expired session gets one new token', async () => {
    const source = connector();
    await source.pullChanges(null, WINDOW);
    await admin('POST', 'faults', { faults: [{ type: 'expireTokens' }] });

    const before = source.calls;
    const result = await source.pullChanges(null, WINDOW);
    expect(result.isFullListing).toBe(true);
    expect(source.calls - before).toBe(2);
  });

  it('revoked refresh token suspends', async () => {
    // Revocation outlives the admin reset, so this test uses an emulator of its own.
    const own = await startSalesforceEmulator({ clients: [CLIENT], syncIdField: SYNC_ID_FIELD, users: [{ Username: OWNER_EMAIL, Email: OWNER_EMAIL, Name: 'Ada', TimeZoneSidKey: 'GMT' }] });
    try {
      const source = connector({ loginUrl: own.url });
      await source.pullChanges(null, WINDOW);
      await fetch(`${own.url}/_admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: [{ type: 'revokeRefreshTokens' }, { type: 'expireTokens' }] }),
      });

      const error = await source.pullChanges(null, WINDOW).catch((caught: unknown) => caught);
      expect(isConnectorError(error, 'suspend')).toBe(true);
      expect((error as Error).message).toBe('Salesforce refused the refresh token: reconnect Salesforce for this org');
    } finally {
      await own.close();
    }
  });

  it('throttled request is retried', async () => {
    const source = connector();
    await source.pullChanges(null, WINDOW);
    await admin('POST', 'faults', { faults: [{ type: 'throttle', count: 2, retryAfterSeconds: 0 }] });

    const before = source.calls;
    const result = await source.applyWrites([create('late')]);
    expect(result[0]?.ok).toBe(true);
    expect(source.calls - before).toBe(3);
  });

  it('daily limit suspends without retrying', async () => {
    const source = connector();
    await source.pullChanges(null, WINDOW);
    await admin('POST', 'faults', {
      faults: [{ type: 'failNth', n: 1, status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
    });

    const before = source.calls;
    const error = await source.pullChanges(null, WINDOW).catch((caught: unknown) => caught);
    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect(source.calls - before).toBe(1);
  });

  it('1,000 creates take one REST call', async () => {
    const source = connector();
    await source.pullChanges(null, WINDOW);
    await admin('POST', 'stats/reset');

    const writes = Array.from({ length: 1000 }, (_, index) => create(`bulk-${index}`));
    const before = source.calls;
    const results = await source.applyWrites(writes);
    expect(results.filter((result) => result.ok)).toHaveLength(1000);
    expect(source.calls - before).toBe(1);
    expect(await apiCalls()).toBe(1);
  });

  it('writes fit values, reads skip missing ids', async () => {
    const source = connector();
    const [result, gone] = await source.applyWrites([create('fit', { Location: 'x'.repeat(300), ShowAs: 'Tentative' }), create('gone')]);
    await source.applyWrites([{ op: 'delete', ref: 'd', id: okId(gone) }]);
    const items = await source.readItems([okId(result), okId(gone), 'not-an-id']);

    expect([...items.keys()]).toEqual([okId(result)]);
    const item = items.get(okId(result))?.item;
    expect(item?.ShowAs).toBe('Busy');
    expect(item?.Location).toBe(`${'x'.repeat(254)}…`);
  });

  it('unknown mapped field suspends with advice', async () => {
    const source = connector({ fields: ['Subject', 'Mood__c'] });
    const error = await source.pullChanges(null, WINDOW).catch((caught: unknown) => caught);
    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toMatch(/no field Mood__c/);
  });
});
