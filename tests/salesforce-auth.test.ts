import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { OrgApiBudget, createSalesforceEventSource, type SalesforceConnectorOptions } from '../src/crm/salesforce/index.ts';
import { isConnectorError, type ConnectorError } from '../src/domain/errors.ts';
import { createSilentLogger } from '../src/observability/logger.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const CLIENT = {
  clientId: 'syncline-auth', clientSecret: 'syncline-auth-secret', refreshTokens: ['syncline-auth-refresh'],
  jwtPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), jwtApprovedUsernames: ['integration@example.com'],
};
const OWNER = 'ada@example.com';

const JWT_AUTH = { kind: 'jwtBearer', clientId: CLIENT.clientId, username: 'integration@example.com', privateKeyPem: PRIVATE_KEY_PEM } as const;
type AuthKind = SalesforceConnectorOptions['auth']['kind'];
const AUTH: Record<AuthKind, SalesforceConnectorOptions['auth']> = {
  refreshToken: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'syncline-auth-refresh' },
  clientCredentials: { kind: 'clientCredentials', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret },
  jwtBearer: JWT_AUTH,
};

let emulator: RunningSalesforceEmulator;
let tokenRequests: URLSearchParams[] = [];
let stripAuthorization = false;

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    dailyApiLimit: 1000,
    users: [
      { Username: 'integration@example.com', Email: 'integration@example.com', Name: 'Integration' },
      { Username: OWNER, Email: OWNER, Name: 'Ada Lovelace' },
    ],
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  await admin('POST', 'reset');
  tokenRequests = [];
  stripAuthorization = false;
});

function admin(method: string, path: string, body?: unknown): Promise<void> {
  return adminOf(emulator.url, method, path, body);
}

async function adminOf(origin: string, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${origin}/_admin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`admin ${method} ${path} failed with ${response.status}`);
}

/** Passes requests through, noting token requests and, when asked, dropping the bearer token of REST calls. */
const observingFetch: typeof fetch = async (input, init) => {
  const url = String(input);
  if (url.endsWith('/services/oauth2/token')) {
    tokenRequests.push(new URLSearchParams(String(init?.body)));
  } else if (stripAuthorization) {
    const headers = new Headers(init?.headers);
    headers.delete('authorization');
    return fetch(input, { ...init, headers });
  }
  return fetch(input, init);
};

function connector(overrides: Partial<SalesforceConnectorOptions> = {}) {
  return createSalesforceEventSource({
    loginUrl: emulator.url,
    auth: AUTH.refreshToken,
    apiVersion: '62.0',
    owner: { email: OWNER },
    syncIdField: 'Syncline_Sync_Id__c',
    fields: ['Subject', 'StartDateTime', 'EndDateTime'],
    logger: createSilentLogger(),
    fetch: observingFetch,
    retry: { delayScale: 0.01 },
    sleep: async () => {},
    ...overrides,
  });
}

async function failureOf(work: Promise<unknown>): Promise<ConnectorError> {
  const error = await work.then(() => null, (caught: unknown) => caught);
  if (!isConnectorError(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

describe('Salesforce authentication against the emulator', () => {
  it('JWT bearer signs a new assertion for each token', async () => {
    const source = connector({ auth: AUTH.jwtBearer });
    await source.findBySyncIds(['s-1']);
    await admin('POST', 'faults', { faults: [{ type: 'expireTokens' }] });
    await source.findBySyncIds(['s-1']);

    expect(tokenRequests.map((form) => form.get('grant_type'))).toEqual([
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    expect(tokenRequests.every((form) => (form.get('assertion') ?? '').split('.').length === 3)).toBe(true);
    expect(tokenRequests[0]?.has('client_secret')).toBe(false);
    expect(source.recordUrl('00U1')).toBe(`${emulator.url}/lightning/r/Event/00U1/view`);
  });

  it.each(Object.keys(AUTH) as AuthKind[])('%s gets one new token on an expired session', async (kind) => {
    const source = connector({ auth: AUTH[kind] });
    await source.findBySyncIds(['s-1']);
    await admin('POST', 'faults', { faults: [{ type: 'expireTokens' }] });

    const found = await source.findBySyncIds(['s-1']);
    expect(found.size).toBe(0);
    expect(tokenRequests).toHaveLength(2);
  });

  it.each(Object.keys(AUTH) as AuthKind[])('%s re-authenticates only once on a lasting 401', async (kind) => {
    const source = connector({ auth: AUTH[kind] });
    stripAuthorization = true;

    const error = await failureOf(source.findBySyncIds(['s-1']));
    expect(error.failure).toMatchObject({ kind: 'reauthenticate', code: 'INVALID_SESSION_ID' });
    expect(tokenRequests).toHaveLength(2);
  });

  it('revoked refresh token suspends with a plain reason', async () => {
    // Revocation outlives an emulator reset, so this test has an emulator of its own.
    const own = await startSalesforceEmulator({ clients: [CLIENT], users: [{ Username: OWNER, Email: OWNER, Name: 'Ada Lovelace' }] });
    try {
      const source = connector({ loginUrl: own.url });
      await source.findBySyncIds(['s-1']);
      await adminOf(own.url, 'POST', 'faults', { faults: [{ type: 'revokeRefreshTokens' }, { type: 'expireTokens' }] });

      const error = await failureOf(source.findBySyncIds(['s-1']));
      expect(error.failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
      expect(error.message).toBe('Salesforce refused the refresh token: reconnect Salesforce for this org');
    } finally {
      await own.close();
    }
  });

  it('JWT for a user not pre-authorized suspends with the reason', async () => {
    const source = connector({ auth: { ...JWT_AUTH, username: OWNER } });
    const error = await failureOf(source.findBySyncIds(['s-1']));
    expect(error.failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
    expect(error.message).toContain("user hasn't approved this consumer");
    expect(error.message).toContain('pre-authorize the integration user');
  });

  it('JWT signed by another key suspends', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const error = await failureOf(connector({ auth: { ...JWT_AUTH, privateKeyPem: other } }).findBySyncIds(['s-1']));
    expect(error.failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
    expect(error.message).toContain('invalid assertion');
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('unreadable JWT key suspends before any request', async () => {
    const error = await failureOf(connector({ auth: { ...JWT_AUTH, privateKeyPem: 'not a key' } }).findBySyncIds(['s-1']));
    expect(error.failure).toMatchObject({ kind: 'suspend', code: 'INVALID_PRIVATE_KEY' });
    expect(tokenRequests).toHaveLength(0);
  });
});

describe('Salesforce API budget against the emulator', () => {
  it('stops calling once the share is spent', async () => {
    await admin('POST', 'limits', { dailyApiCalls: 499 });
    const budget = new OrgApiBudget({ share: 0.5 });
    const source = connector({ apiBudget: budget, owner: { id: '005000000000000AAA' } });

    const error = await failureOf(source.findBySyncIds(['s-1']));
    expect(error.failure).toMatchObject({ kind: 'suspend', code: 'API_BUDGET_REACHED' });
    expect(Date.parse(error.failure.resumeAt ?? '')).toBeGreaterThan(Date.now());
    expect(budget.calls).toBe(1);
    expect(source.calls).toBe(1);
  });

  it('a second connector of the org shares the budget', async () => {
    await admin('POST', 'limits', { dailyApiCalls: 498 });
    const budget = new OrgApiBudget({ share: 0.5 });
    await connector({ apiBudget: budget, owner: { id: '005000000000000AAA' } }).findBySyncIds(['s-1']).catch(() => undefined);

    const second = connector({ apiBudget: budget, owner: { id: '005000000000000AAA' } });
    const error = await failureOf(second.findBySyncIds(['s-2']));
    expect(error.failure.code).toBe('API_BUDGET_REACHED');
    expect(second.calls).toBe(0);
  });

  it('slows down near the share', async () => {
    await admin('POST', 'limits', { dailyApiCalls: 450 });
    const waits: number[] = [];
    const source = connector({
      apiBudget: new OrgApiBudget({ share: 0.5 }),
      owner: { id: '005000000000000AAA' },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    await source.findBySyncIds(['s-1']);
    // describe (451 used, no wait yet: usage unknown), then the query waits (451 - 400) / 100 of 10 s.
    expect(waits).toEqual([5100]);
  });
});
