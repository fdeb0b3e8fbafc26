import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_CLIENT, startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { createSalesforceConnection } from '../src/crm/salesforce/connection.ts';
import { SalesforceOrgCache } from '../src/crm/salesforce/org-cache.ts';
import { SalesforceRestClient } from '../src/crm/salesforce/rest-client.ts';
import type { SalesforceAuth } from '../src/crm/salesforce/auth.ts';
import { createSilentLogger } from '../src/observability/logger.ts';

/**
 * The sessions of one org share a token, describes and owner ids through SalesforceOrgCache. Each test counts what
 * reached the Salesforce emulator: token requests through the fetch the clients use, REST calls by the emulator's
 * own per-route statistics.
 */
let emulator: RunningSalesforceEmulator;
let tokenRequests = 0;
const AUTH: SalesforceAuth = { kind: 'refreshToken', clientId: DEFAULT_CLIENT.clientId, clientSecret: DEFAULT_CLIENT.clientSecret, refreshToken: DEFAULT_CLIENT.refreshTokens![0]! };
const DESCRIBE_EVENT = '/services/data/v62.0/sobjects/Event/describe';

const countingFetch: typeof fetch = (input, init) => {
  if (String(input).endsWith('/services/oauth2/token')) {
    tokenRequests += 1;
  }
  return fetch(input, init);
};

function client(cache: SalesforceOrgCache | undefined): SalesforceRestClient {
  return new SalesforceRestClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger(), fetch: countingFetch, ...(cache === undefined ? {} : { orgCache: cache }) });
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin/${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return response.status === 204 ? null : response.json();
}

async function routeCount(route: string): Promise<number> {
  const stats = (await admin('GET', 'stats')) as { byRoute: Record<string, number> };
  return stats.byRoute[route] ?? 0;
}

beforeAll(async () => {
  emulator = await startSalesforceEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  tokenRequests = 0;
  await admin('POST', 'stats/reset');
});

describe('an org cache shared by two sessions', () => {
  it('asks for one token and one describe', async () => {
    const cache = new SalesforceOrgCache();
    const first = client(cache);
    const second = client(cache);

    const [a, b] = await Promise.all([first.request('GET', DESCRIBE_EVENT), second.request('GET', DESCRIBE_EVENT)]);
    await second.request('GET', DESCRIBE_EVENT);

    expect((a.body as { name: string }).name).toBe('Event');
    expect(b.body).toEqual(a.body);
    expect(tokenRequests).toBe(1);
    expect(await routeCount('GET /sobjects/{sobject}/describe')).toBe(1);
    expect(first.calls + second.calls).toBe(1);
  });

  it('without a cache, each client asks again', async () => {
    await client(undefined).request('GET', DESCRIBE_EVENT);
    await client(undefined).request('GET', DESCRIBE_EVENT);

    expect(tokenRequests).toBe(2);
    expect(await routeCount('GET /sobjects/{sobject}/describe')).toBe(2);
  });

  it('describes again once the answer is older than its time to live', async () => {
    let now = 1_000_000;
    const cache = new SalesforceOrgCache({ metadataTtlMs: 60_000, now: () => now });
    await client(cache).request('GET', DESCRIBE_EVENT);
    now += 59_000;
    await client(cache).request('GET', DESCRIBE_EVENT);
    now += 2_000;
    await client(cache).request('GET', DESCRIBE_EVENT);

    expect(await routeCount('GET /sobjects/{sobject}/describe')).toBe(2);
  });

  it('forgets the describes when Salesforce says a field is gone', async () => {
    const cache = new SalesforceOrgCache();
    const rest = client(cache);
    await rest.request('GET', DESCRIBE_EVENT);
    await expect(rest.request('GET', `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Gone__c FROM Event')}`)).rejects.toMatchObject({ failure: { code: 'INVALID_FIELD' } });
    await rest.request('GET', DESCRIBE_EVENT);

    expect(await routeCount('GET /sobjects/{sobject}/describe')).toBe(2);
  });

  it('replaces a token Salesforce expired, once for every client', async () => {
    const cache = new SalesforceOrgCache();
    const first = client(cache);
    const second = client(cache);
    await first.request('GET', '/services/data/v62.0/limits');
    await second.request('GET', '/services/data/v62.0/limits');
    expect(tokenRequests).toBe(1);

    await admin('POST', 'faults', { faults: [{ type: 'expireTokens' }] });
    await first.request('GET', '/services/data/v62.0/limits');
    // The second client still has the expired token. It is rejected once, then the client takes the one the first fetched.
    await second.request('GET', '/services/data/v62.0/limits');

    expect(tokenRequests).toBe(2);
  });

  it("looks a mailbox owner's User up once", async () => {
    const cache = new SalesforceOrgCache();
    const connection = (email: string) =>
      createSalesforceConnection({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', owner: { email }, logger: createSilentLogger(), fetch: countingFetch, orgCache: cache });
    // The second session names the same address in other letter case.
    const ids = [await connection('owner@syncline.example').ownerId(), await connection('Owner@Syncline.example').ownerId()];

    expect(ids[0]).toMatch(/^005/);
    expect(ids[1]).toBe(ids[0]);
    expect(await routeCount('GET /query')).toBe(1);
  });
});
