import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrmRecord, Write } from '../src/domain/connector.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createLogger, createSilentLogger } from '../src/observability/logger.ts';
import { OrgApiBudget, createSalesforceEventSource, type SalesforceConnectorOptions } from '../src/crm/salesforce/index.ts';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import type { RecordWrite } from '../src/crm/salesforce/write-batches.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';

const CLIENT = { clientId: 'safety-test', clientSecret: 'safety-test-secret', refreshTokens: ['safety-test-refresh'] };
const AUTH = { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'safety-test-refresh' } as const;
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const OWNER_EMAIL = 'owner@example.com';

let emulator: RunningSalesforceEmulator;
let ownerId = '';

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    syncIdField: SYNC_ID_FIELD,
    dailyApiLimit: 1000,
    users: [{ Username: OWNER_EMAIL, Email: OWNER_EMAIL, Name: 'Owner', TimeZoneSidKey: 'GMT' }],
  });
  ownerId = String((await records('User'))[0]?.Id);
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
  if (!response.ok) throw new Error(`admin ${method} ${path} failed with ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function records(sobject: string): Promise<Record<string, unknown>[]> {
  return ((await admin('GET', `records/${sobject}`)) as { records: Record<string, unknown>[] }).records;
}

/** A fetch that loses the response of the first Composite POST after Salesforce committed it, and counts those POSTs. */
function losingFirstComposite(): { fetch: typeof fetch; composites: () => number } {
  let composites = 0;
  const losing: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).endsWith('/composite') && init?.method === 'POST' && ++composites === 1) {
      await response.text();
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    }
    return response;
  };
  return { fetch: losing, composites: () => composites };
}

function recordClient(extra: { fetch?: typeof fetch; timeoutMs?: number } = {}) {
  return createSalesforceRecordClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger(), retry: { delayScale: 0.001 }, sleep: async () => {}, ...extra });
}

function eventSource(extra: Partial<SalesforceConnectorOptions> = {}) {
  return createSalesforceEventSource({
    loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', owner: { id: ownerId }, syncIdField: SYNC_ID_FIELD,
    fields: ['Subject', 'StartDateTime', 'EndDateTime', 'Location'], logger: createSilentLogger(),
    retry: { delayScale: 0.001 }, sleep: async () => {}, ...extra,
  });
}

function eventItem(i: number, extra: Record<string, unknown> = {}): CrmRecord {
  const start = Date.UTC(2026, 5, 1, 9) + i * 3_600_000;
  return { Subject: `E${i}`, StartDateTime: new Date(start).toISOString(), EndDateTime: new Date(start + 1_800_000).toISOString(), ...extra };
}

const creates = (count: number, prefix: string): Write<CrmRecord>[] =>
  Array.from({ length: count }, (_, i) => ({ op: 'create', ref: `${prefix}${i}`, syncId: `${prefix}-${i}`, item: eventItem(i) }));

const contactInserts = (count: number, prefix: string): RecordWrite[] =>
  Array.from({ length: count }, (_, i) => ({ op: 'insert', ref: `${prefix}${i}`, sobject: 'Contact', values: { LastName: `${prefix}${i}` } }));

describe('Salesforce writes whose answer is lost', () => {
  it('insert call with lost response is not resent', async () => {
    const losing = losingFirstComposite();
    const results = await recordClient({ fetch: losing.fetch }).write(contactInserts(3, 'Lost'));

    expect(losing.composites()).toBe(1);
    expect(await records('Contact')).toHaveLength(3);
    expect(results.map((result) => (result.ok ? 'ok' : `${result.failure.kind}/${result.failure.code}`))).toEqual(Array(3).fill('retryLater/NETWORK_ERROR'));
  });

  it('timed-out insert call is sent once', async () => {
    const client = recordClient({ timeoutMs: 150 });
    await client.describe('Contact');
    await admin('POST', 'faults', { faults: [{ type: 'latency', ms: 300 }] });
    const [result] = await client.write(contactInserts(1, 'Slow'));
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(result).toMatchObject({ ok: false, failure: { kind: 'retryLater', code: 'REQUEST_TIMEOUT' } });
    expect(await records('Contact')).toHaveLength(1);
  });

  it('5xx resends upserts, not inserts', async () => {
    const client = recordClient();
    await client.describe('Contact');
    await admin('POST', 'faults', { faults: [{ type: 'failNth', n: 1, status: 500, errorCode: 'UNKNOWN_EXCEPTION' }] });
    const inserts = await client.write(contactInserts(2, 'Five'));
    expect(inserts.map((result) => (result.ok ? 'ok' : `${result.failure.kind}/${result.failure.code}`))).toEqual(['retryLater/UNKNOWN_EXCEPTION', 'retryLater/UNKNOWN_EXCEPTION']);

    const source = eventSource();
    await source.findBySyncIds(['warm-up']);
    await admin('POST', 'faults', { faults: [{ type: 'failNth', n: 1, status: 500, errorCode: 'UNKNOWN_EXCEPTION' }] });
    const upserts = await source.applyWrites(creates(2, 'FIVE'));
    expect(upserts.every((result) => result.ok)).toBe(true);
  });

  it('throttled insert call is resent', async () => {
    const client = recordClient();
    await client.describe('Contact');
    await admin('POST', 'faults', { faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 0 }] });
    const results = await client.write(contactInserts(3, 'Throttled'));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(await records('Contact')).toHaveLength(3);
  });

  it('upsert call with lost response is resent', async () => {
    const losing = losingFirstComposite();
    const results = await eventSource({ fetch: losing.fetch }).applyWrites(creates(3, 'UP'));

    expect(losing.composites()).toBe(2);
    expect(results.every((result) => result.ok)).toBe(true);
    expect((await records('Event')).filter((event) => event.IsDeleted !== true)).toHaveLength(3);
  });

  it('linked inserts with lost response are not resent', async () => {
    const client = recordClient();
    const [contact] = await client.write(contactInserts(1, 'Guest'));
    if (!contact?.ok) throw new Error('contact not created');
    const losing = losingFirstComposite();
    const group = {
      parent: { op: 'upsert' as const, ref: 'p', sobject: 'Event', externalIdField: SYNC_ID_FIELD, values: { [SYNC_ID_FIELD]: 'LNK-1', OwnerId: ownerId, ...eventItem(1) } },
      children: [{ field: 'EventId', write: { op: 'insert' as const, ref: 'r', sobject: 'EventRelation', values: { RelationId: contact.id } } }],
    };
    const results = await recordClient({ fetch: losing.fetch }).writeLinked([group]);

    expect(losing.composites()).toBe(1);
    expect(results.map((result) => result.ok || result.failure.kind)).toEqual(['retryLater', 'retryLater']);
    expect((await records('EventRelation')).filter((relation) => relation.IsDeleted !== true)).toHaveLength(1);
  });
});

describe('Salesforce writes stopped part-way', () => {
  it('record client keeps completed calls', async () => {
    const client = recordClient();
    await client.describe('Contact');
    await admin('POST', 'faults', { faults: [{ type: 'failNth', n: 2, status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
    const writes = contactInserts(1500, 'P');
    const results = await client.write(writes);

    expect(results.filter((result) => result.ok)).toHaveLength(1000);
    const failed = results.filter((result) => !result.ok);
    expect(failed).toHaveLength(500);
    expect(failed.every((result) => !result.ok && result.failure.kind === 'suspend' && result.failure.code === 'REQUEST_LIMIT_EXCEEDED')).toBe(true);

    // A caller that sends again only the writes that failed ends with each record once.
    const again = await client.write(writes.filter((write) => failed.some((result) => result.ref === write.ref)));
    expect(again.every((result) => result.ok)).toBe(true);
    expect(await records('Contact')).toHaveLength(1500);
  });

  it('stop before any call throws', async () => {
    const client = recordClient();
    await client.describe('Contact');
    await admin('POST', 'faults', { faults: [{ type: 'failNth', n: 1, status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
    const error = await client.write(contactInserts(10, 'N')).then(() => null, (caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect(await records('Contact')).toHaveLength(0);
  });

  it('budget stop keeps written events', async () => {
    const budget = new OrgApiBudget({ share: 0.5 });
    const source = eventSource({ apiBudget: budget });
    await source.findBySyncIds(['warm-up']);
    await admin('POST', 'limits', { dailyApiCalls: 497 });
    const results = await source.applyWrites(creates(4500, 'BG'));

    expect(results).toHaveLength(4500);
    expect(results.filter((result) => result.ok)).toHaveLength(3000);
    const stopped = results.filter((result) => !result.ok);
    expect(stopped.every((result) => !result.ok && result.failure.kind === 'suspend' && result.failure.code === 'API_BUDGET_REACHED')).toBe(true);
    expect((await records('Event')).filter((event) => event.IsDeleted !== true)).toHaveLength(3000);
  });

  it('budget stop before any write throws', async () => {
    const source = eventSource({ apiBudget: new OrgApiBudget({ share: 0.5 }) });
    await source.findBySyncIds(['warm-up']);
    await admin('POST', 'limits', { dailyApiCalls: 499 });
    // This answer reports 500 of 1,000 calls used: the share is spent.
    await source.findBySyncIds(['read usage']);
    const error = await source.applyWrites(creates(10, 'NB')).then(() => null, (caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect(await records('Event')).toHaveLength(0);
  });

  it('concurrent callers stay within share', async () => {
    const budget = new OrgApiBudget({ share: 0.5 });
    const sources = Array.from({ length: 20 }, () => eventSource({ apiBudget: budget }));
    await Promise.all(sources.map((source) => source.findBySyncIds(['warm-up'])));
    await admin('POST', 'limits', { dailyApiCalls: 495 });
    await sources[0]!.findBySyncIds(['read usage']);
    const before = ((await admin('GET', 'stats')) as { apiCalls: number }).apiCalls;

    const outcomes = await Promise.allSettled(sources.map((source, i) => source.findBySyncIds([`v${i}`])));
    const sent = ((await admin('GET', 'stats')) as { apiCalls: number }).apiCalls - before;

    expect(sent).toBe(4);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(16);
  });
});

describe('Salesforce connector checks and messages', () => {
  it('bulk keeps literal #N/A text', async () => {
    const source = eventSource({ bulk: { minRecords: 5, firstPollMs: 10, maxPollMs: 20, timeoutMs: 10_000 }, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const writes: Write<CrmRecord>[] = Array.from({ length: 8 }, (_, i) => ({ op: 'create', ref: `h${i}`, syncId: `NA-${i}`, item: eventItem(i, { Location: i < 2 ? '#N/A' : 'Room 1' }) }));
    const results = await source.applyWrites(writes);

    expect(results.every((result) => result.ok)).toBe(true);
    const bySyncId = new Map((await records('Event')).map((event) => [event[SYNC_ID_FIELD], event]));
    expect(bySyncId.get('NA-0')?.Location).toBe('#N/A');
    expect(bySyncId.get('NA-1')?.Location).toBe('#N/A');
    expect(bySyncId.get('NA-2')?.Location).toBe('Room 1');
    expect(((await admin('GET', 'bulk')) as { jobs: unknown[] }).jobs).toHaveLength(1);
  });

  it('non-External ID sync field suspends', async () => {
    const source = eventSource({ syncIdField: 'Location', fields: ['Subject', 'StartDateTime', 'EndDateTime'] });
    const error = await source.applyWrites(creates(2, 'X')).then(() => null, (caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    if (!isConnectorError(error)) return;
    expect(error.failure).toMatchObject({ code: 'SYNC_ID_FIELD_NOT_EXTERNAL_ID', fields: ['Location'] });
    expect(error.failure.message).toContain("mark the field External ID (and Unique), or set the org's salesforce.syncIdField");
  });

  it('missing sync field names Activity', async () => {
    const source = eventSource({ syncIdField: 'Missing_Sync_Id__c' });
    const error = await source.findBySyncIds(['x']).then(() => null, (caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    if (!isConnectorError(error)) return;
    expect(error.failure.code).toBe('FIELD_NOT_IN_ORG');
    expect(error.failure.message).toContain("create it on the Activity object (Event and Task custom fields live there) as a Text field marked External ID and Unique, with read and edit access for the integration user, or set the org's salesforce.syncIdField");
  });

  it('unknown owner names email and key', async () => {
    const source = eventSource({ owner: { email: 'nobody@example.com' } });
    const error = await source.applyWrites(creates(1, 'O')).then(() => null, (caught: unknown) => caught);

    expect(isConnectorError(error)).toBe(true);
    if (!isConnectorError(error)) return;
    expect(error.failure).toMatchObject({ kind: 'suspend', code: 'OWNER_NOT_FOUND' });
    expect(error.failure.message).toBe(
      "No active Salesforce User has the email nobody@example.com: activate that User, or name the mailbox's User in mailboxes[].salesforceUser (its id, or the email it has in Salesforce)",
    );
  });

  it('token failure message logged once', async () => {
    // The token endpoint refuses the refresh token, as after the grant was revoked.
    const revoked: typeof fetch = async (input, init) =>
      String(input).endsWith('/services/oauth2/token')
        ? new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'expired access/refresh token' }), { status: 400, headers: { 'content-type': 'application/json' } })
        : fetch(input, init);
    const error = await eventSource({ fetch: revoked }).findBySyncIds(['x']).then(() => null, (caught: unknown) => caught);
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _encoding, done) => { lines.push(String(chunk)); done(); } }) });
    logger.error({ err: error }, 'Session failed');

    expect(isConnectorError(error, 'suspend')).toBe(true);
    const logged = (JSON.parse(lines[0] ?? '{}') as { err?: { message?: string } }).err?.message ?? '';
    expect(logged).toBe('Salesforce refused the refresh token: reconnect Salesforce for this org');
  });

  it('expired query locator reruns query', async () => {
    const seeded = Array.from({ length: 2100 }, (_, i) => ({ OwnerId: ownerId, ...eventItem(i) }));
    await admin('POST', 'records', { sobject: 'Event', records: seeded });
    let spoiled = 0;
    // The first follow-up page asks for a locator Salesforce does not know, as after a cursor expired.
    const expiring: typeof fetch = async (input, init) => {
      const url = String(input);
      if (/\/query\/01g/.test(url) && spoiled++ === 0) {
        return fetch(url.replace(/\/query\/01g[^-]+/, '/query/01gexpired0000'), init);
      }
      return fetch(input, init);
    };
    const source = eventSource({ fetch: expiring });
    const pull = await source.pullChanges(null, { start: '2026-01-01T00:00:00Z', end: '2027-12-31T00:00:00Z' });

    expect(spoiled).toBe(2);
    expect(pull.changes).toHaveLength(2100);
    expect(new Set(pull.changes.map((change) => change.id)).size).toBe(2100);
  });
});
