import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import { createCredentialStore } from '../src/auth/credential-store.ts';
import { keyringFromEnvironment } from '../src/auth/encryption-keys.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { configuredRefreshTokens } from '../src/mailbox/graph/auth/configured-refresh-tokens.ts';
import { credentialRefreshTokens } from '../src/mailbox/graph/auth/credential-refresh-tokens.ts';
import type { RefreshTokenStore } from '../src/mailbox/graph/auth/refresh-token-store.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine } from '../src/scheduler/engine.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { configuredSignIn, graphSignInRoutes, signInUrlOf } from '../src/server/webhooks/graph-sign-in.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { timedSeed } from './support/graph-seeds.ts';

const TENANT = 'contoso-tenant';
const CLIENT = { tenantId: TENANT, clientId: 'delegated-app', clientSecret: 'delegated-secret' };
const OWNER = 'nora@contoso.example';
const STRANGER = 'mallory@contoso.example';
const MAILBOX_ID = 'mbx-nora';
const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };

let emulator: RunningGraphEmulator;
let store: SynclineStore;
let server: RunningServer;
let refreshTokens: RefreshTokenStore;
let dataDir: string;
let encryptionKey: string;

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-delegated-'));
  emulator = await startGraphEmulator({
    clients: [CLIENT],
    users: [
      { userPrincipalName: OWNER, displayName: 'Nora', mailboxTimeZone: 'Europe/Berlin' },
      { userPrincipalName: STRANGER, displayName: 'Mallory', mailboxTimeZone: 'Europe/Berlin' },
    ],
  });
  store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'syncline.db') }, createSilentLogger());
  encryptionKey = randomBytes(32).toString('base64');
  const keyring = keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: encryptionKey });
  refreshTokens = credentialRefreshTokens(createCredentialStore(store, keyring));

  let baseUrl = '';
  const signIn = configuredSignIn(config(), { refreshTokens, logger: createSilentLogger(), baseUrl: () => baseUrl });
  if (signIn === null) {
    throw new Error('the configuration has no delegated mailbox');
  }
  server = await createServer({ logger: createSilentLogger(), routes: [graphSignInRoutes(signIn)] }).listen(0, '127.0.0.1');
  baseUrl = server.url;
});

afterEach(async () => {
  await server.close();
  await store.close();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function config(): SynclineConfig {
  return {
    dataDir,
    store: { kind: 'sqlite', path: path.join(dataDir, 'syncline.db') },
    window: { kind: 'fixed', ...WINDOW },
    jitter: 0,
    maxConcurrentSessions: 1,
    orgs: [
      {
        id: 'contoso',
        name: 'Contoso',
        policy: {},
        salesforce: {
          loginUrl: 'https://login.salesforce.com',
          apiVersion: '62.0',
          auth: { kind: 'clientCredentials', clientId: 'sf', clientSecret: 'sf' },
          syncIdField: 'Syncline_Sync_Id__c',
          apiBudgetShare: 1,
        },
        graph: {
          graphBaseUrl: `${emulator.url}/v1.0`,
          tokenUrl: `${emulator.url}/${TENANT}/oauth2/v2.0/token`,
          authorizeUrl: `${emulator.url}/${TENANT}/oauth2/v2.0/authorize`,
          clientId: CLIENT.clientId,
          clientSecret: CLIENT.clientSecret,
        },
        mailboxes: [{ id: MAILBOX_ID, address: OWNER, timeZone: 'Europe/Berlin', salesforceUser: { email: OWNER }, sessionIntervalMinutes: 30, graphAuth: 'delegated' }],
      },
    ],
  };
}

/** Follow the sign-in as a browser would: Syncline's page, Microsoft's sign-in (as `account`), the callback. */
async function signInAs(account = OWNER): Promise<{ status: number; text: string }> {
  const start = await fetch(signInUrlOf(server.url, MAILBOX_ID), { redirect: 'manual' });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location') ?? '');
  authorize.searchParams.set('login_hint', account);

  const microsoft = await fetch(authorize, { redirect: 'manual' });
  expect(microsoft.status).toBe(302);
  const callback = await fetch(microsoft.headers.get('location') ?? '');
  return { status: callback.status, text: await callback.text() };
}

function delegatedSource() {
  return createGraphEventSource({
    graphBaseUrl: `${emulator.url}/v1.0`,
    tokenUrl: `${emulator.url}/${TENANT}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    auth: { kind: 'delegated', mailboxId: MAILBOX_ID, refreshTokens, signInUrl: signInUrlOf(server.url, MAILBOX_ID) },
    userId: OWNER,
    mailboxTimeZone: 'Europe/Berlin',
    logger: createSilentLogger(),
  });
}

async function admin(route: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}/_admin${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.ok).toBe(true);
}

describe('delegated Graph sign-in', () => {
  it('owner signs in and token is kept encrypted', async () => {
    const outcome = await signInAs();
    const stored = await refreshTokens.loadRefreshToken(MAILBOX_ID);
    const row = await store.loadCredentialRow(`mailbox:${MAILBOX_ID}`, 'graphRefreshToken');

    expect(outcome).toEqual({ status: 200, text: 'Signed in. Syncline now syncs this mailbox; you can close this page.' });
    expect(stored?.startsWith('1.A')).toBe(true);
    expect(row?.ciphertext).not.toContain(stored ?? '-');
  });

  it('another account is not stored', async () => {
    const outcome = await signInAs(STRANGER);

    expect(outcome.status).toBe(403);
    expect(outcome.text).toContain(`Sign in as ${OWNER}`);
    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).toBeNull();
  });

  it('callback link works once', async () => {
    const start = await fetch(signInUrlOf(server.url, MAILBOX_ID), { redirect: 'manual' });
    const microsoft = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    const callbackUrl = microsoft.headers.get('location') ?? '';

    const first = await fetch(callbackUrl);
    const second = await fetch(callbackUrl);

    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
    expect(await second.text()).toContain('unknown or expired');
  });

  it('unknown mailbox has no sign-in', async () => {
    const response = await fetch(signInUrlOf(server.url, 'mbx-other'), { redirect: 'manual' });

    expect(response.status).toBe(404);
  });
});

describe('delegated Graph access', () => {
  it('source reads the mailbox and rotates the token', async () => {
    await signInAs();
    const first = await refreshTokens.loadRefreshToken(MAILBOX_ID);
    await fetch(`${emulator.url}/_admin/users/${OWNER}/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [timedSeed('Planning', '2026-05-06', '09:00', '10:00')] }) });

    const result = await delegatedSource().pullChanges(null, WINDOW);

    expect(result.changes.map((change) => change.kind)).toEqual(['upsert']);
    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).not.toBe(first);
  });

  it('missing sign-in suspends with the link', async () => {
    const error = await delegatedSource()
      .pullChanges(null, WINDOW)
      .catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toContain(`must sign in at ${signInUrlOf(server.url, MAILBOX_ID)}`);
  });

  it('revoked consent suspends with the reason', async () => {
    await signInAs();
    const source = delegatedSource();
    await source.pullChanges(null, WINDOW);
    await admin('/auth/revoke-consent', { user: OWNER });

    const error = await source.pullChanges(null, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toContain('AADSTS65001');
    expect((error as Error).message).toContain(`The mailbox owner must sign in again at ${signInUrlOf(server.url, MAILBOX_ID)}`);
  });

  it('signing in again restores access', async () => {
    await signInAs();
    await admin('/auth/revoke-sessions', { user: OWNER });
    const refused = await delegatedSource()
      .pullChanges(null, WINDOW)
      .catch((caught: unknown) => caught);

    await signInAs();

    expect((refused as Error).message).toContain('AADSTS50173');
    expect((await delegatedSource().pullChanges(null, WINDOW)).changes).toEqual([]);
  });
});

describe('delegated Graph access in a dry run', () => {
  let salesforce: net.Server;
  let salesforceUrl: string;

  beforeEach(async () => {
    // A loopback Salesforce that drops every connection: the plan fails there, after it has read the mailbox.
    salesforce = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => salesforce.listen(0, '127.0.0.1', resolve));
    salesforceUrl = `http://127.0.0.1:${(salesforce.address() as net.AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => salesforce.close(resolve));
  });

  it('plan keeps stored token', async () => {
    await signInAs();
    const before = await refreshTokens.loadRefreshToken(MAILBOX_ID);
    expect(before).not.toBeNull();
    await fetch(`${emulator.url}/_admin/users/${OWNER}/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [timedSeed('Planning', '2026-05-06', '09:00', '10:00')] }) });
    const base = config();
    const withLocalSalesforce = { ...base, orgs: base.orgs.map((org) => ({ ...org, salesforce: { ...org.salesforce, loginUrl: salesforceUrl } })) };

    // `syncline start` opens its engine without readOnly, and POST /api/v1/org/settings/dry-run plans with it.
    const engine = await openEngine({ config: withLocalSalesforce, logger: createSilentLogger(), env: { SYNCLINE_ENCRYPTION_KEY: encryptionKey } });
    try {
      const plan = await engine.planSession(MAILBOX_ID, { policy: { conflict: 'crmWins' } } as never);
      expect(plan.failures.join('\n')).toContain('Salesforce token endpoint unreachable');
    } finally {
      await engine.close();
    }

    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).toBe(before);
    // The token the provider rotated during the plan was dropped; the saved one still works for the next session.
    expect((await delegatedSource().pullChanges(null, WINDOW)).changes.map((change) => change.kind)).toEqual(['upsert']);
  });
});

describe('configured refresh tokens', () => {
  it('app-only needs no encryption key', () => {
    const appOnly = config();
    const mailboxes = appOnly.orgs[0]?.mailboxes.map((mailbox) => ({ ...mailbox, graphAuth: 'appOnly' as const })) ?? [];
    const orgs = appOnly.orgs.map((org) => ({ ...org, mailboxes }));

    expect(configuredRefreshTokens({ ...appOnly, orgs }, store, {})).toBeNull();
  });

  it('delegated without a key names the variable', () => {
    expect(() => configuredRefreshTokens(config(), store, {})).toThrow('SYNCLINE_ENCRYPTION_KEY');
  });

  it('delegated with a key keeps tokens', async () => {
    const tokens = configuredRefreshTokens(config(), store, { SYNCLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    await tokens?.saveRefreshToken(MAILBOX_ID, 'refresh-1');

    expect(await tokens?.loadRefreshToken(MAILBOX_ID)).toBe('refresh-1');
  });
});
