import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../emulators/google/server.ts';
import type { MailboxSetting, OrgSetting, SynclineConfig } from '../src/config/resolved-config.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { GOOGLE_REFRESH_TOKEN_KIND, sessionGoogleRefreshTokens } from '../src/mailbox/google/auth/google-refresh-tokens.ts';
import { createGoogleConnector, googleConnectorOptions } from '../src/mailbox/google/index.ts';
import type { RefreshTokenStore } from '../src/mailbox/graph/auth/refresh-token-store.ts';
import { createPendingSignIns, MAX_PENDING, MAX_PENDING_PER_MAILBOX } from '../src/auth/sign-in-state.ts';
import { createLogger, createSilentLogger } from '../src/observability/logger.ts';
import { openEngine } from '../src/scheduler/engine.ts';
import { startInstantSync } from '../src/scheduler/instant-sync.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { configuredGoogleSignIn, GOOGLE_CALLBACK_PATH, GOOGLE_SIGN_IN_SCOPES, googleSignInRoutes, googleSignInUrlOf } from '../src/server/webhooks/google-sign-in.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { InstantSyncWorld } from './support/instant-sync-world.ts';

/**
 * The Google sign-in of a mailbox under user OAuth, through Syncline's routes and the emulator's authorization and
 * token endpoints. The refresh token lands encrypted in the store and the connector reads it from there. A missing,
 * forged or revoked grant is rejected, or suspends the mailbox with the sign-in link.
 */

const CORPUS_ICS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'ics');
const CLIENT = { clientId: 'syncline-web.apps.googleusercontent.com', clientSecret: 'web-client-secret' };
const OWNER = 'olivia@example.com';
const STRANGER = 'mallory@example.com';
const MAILBOX_ID = 'mbx-olivia';
const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };

let emulator: RunningGoogleEmulator;
let store: SynclineStore;
let server: RunningServer;
let refreshTokens: RefreshTokenStore;
let dataDir: string;
let resumed: string[];
let encryptionKey: string;

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-google-sign-in-'));
  emulator = await startGoogleEmulator({
    users: [{ email: OWNER, timeZone: 'Europe/Berlin' }, { email: STRANGER, timeZone: 'Europe/Berlin' }],
    oauthClients: [{ ...CLIENT, redirectUris: [`http://127.0.0.1${GOOGLE_CALLBACK_PATH}`, 'http://127.0.0.1:9/callback'] }],
  });
  store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'syncline.db') }, createSilentLogger());
  encryptionKey = randomBytes(32).toString('base64');
  const tokens = sessionGoogleRefreshTokens(config(), store, { SYNCLINE_ENCRYPTION_KEY: encryptionKey });
  if (tokens === undefined) {
    throw new Error('the configuration has no Google mailbox under user OAuth');
  }
  refreshTokens = tokens;

  resumed = [];
  let baseUrl = '';
  const signIn = configuredGoogleSignIn(config(), { refreshTokens, logger: createSilentLogger(), baseUrl: () => baseUrl, onSignedIn: (mailboxId) => resumed.push(mailboxId) });
  if (signIn === null) {
    throw new Error('the configuration has no Google mailbox under user OAuth');
  }
  server = await createServer({ logger: createSilentLogger(), routes: [googleSignInRoutes(signIn)] }).listen(0, '127.0.0.1');
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
        id: 'acme',
        name: 'Acme',
        policy: {},
        salesforce: {
          loginUrl: 'https://login.salesforce.com',
          apiVersion: '62.0',
          auth: { kind: 'clientCredentials', clientId: 'sf', clientSecret: 'sf' },
          syncIdField: 'Syncline_Sync_Id__c',
          apiBudgetShare: 1,
        },
        google: {
          auth: { kind: 'userOAuth', ...CLIENT, authorizeUrl: emulator.authorizeUrl },
          tokenUrl: emulator.tokenUrl,
          apiBaseUrl: emulator.url,
          peopleBaseUrl: emulator.url,
          sendUpdates: 'none',
        },
        mailboxes: [{ id: MAILBOX_ID, address: OWNER, timeZone: 'Europe/Berlin', salesforceUser: { email: OWNER }, sessionIntervalMinutes: 30, kind: 'google' }],
      },
    ],
  };
}

function orgAndMailbox(): { org: OrgSetting; setting: MailboxSetting } {
  const org = config().orgs[0];
  const setting = org?.mailboxes[0];
  if (org === undefined || setting === undefined) {
    throw new Error('the test configuration has no mailbox');
  }
  return { org, setting };
}

/** Build the connector a session of the mailbox uses, with the token store and sign-in link the engine passes. */
function connector() {
  const { org, setting } = orgAndMailbox();
  return createGoogleConnector({
    ...googleConnectorOptions(org, setting, createSilentLogger(), { refreshTokens, signInUrl: googleSignInUrlOf(server.url, MAILBOX_ID) }),
    sleep: async () => undefined,
  });
}

/** Open Syncline's sign-in page and return the emulator's authorization URL it redirects to. */
async function authorizeUrl(): Promise<URL> {
  const start = await fetch(googleSignInUrlOf(server.url, MAILBOX_ID), { redirect: 'manual' });
  expect(start.status).toBe(302);
  return new URL(start.headers.get('location') ?? '');
}

/** Follow the sign-in as a browser would: Syncline's page, Google's consent (as `account`), the callback. */
async function signInAs(account = OWNER): Promise<{ status: number; text: string }> {
  const authorize = await authorizeUrl();
  authorize.searchParams.set('login_hint', account);
  const google = await fetch(authorize, { redirect: 'manual' });
  expect(google.status).toBe(302);
  const callback = await fetch(google.headers.get('location') ?? '', { redirect: 'manual' });
  return { status: callback.status, text: await callback.text() };
}

async function suspension(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(isConnectorError(error, 'suspend')).toBe(true);
  return error as Error;
}

/** Read every byte of the SQLite database and its journal files. */
function databaseBytes(): Buffer {
  return Buffer.concat(readdirSync(dataDir).filter((name) => name.startsWith('syncline.db')).map((name) => readFileSync(path.join(dataDir, name))));
}

describe('Google sign-in', () => {
  it('authorize URL asks offline consent', async () => {
    const authorize = await authorizeUrl();

    expect(`${authorize.origin}${authorize.pathname}`).toBe(emulator.authorizeUrl);
    expect(authorize.searchParams.get('access_type')).toBe('offline');
    expect(authorize.searchParams.get('prompt')).toBe('consent');
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${server.url}${GOOGLE_CALLBACK_PATH}`);
    expect(authorize.searchParams.get('scope')?.split(' ').sort()).toEqual([...GOOGLE_SIGN_IN_SCOPES].sort());
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThanOrEqual(40);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('login_hint')).toBe(OWNER);
  });

  it('stores the token encrypted, then syncs', async () => {
    const ics = readFileSync(path.join(CORPUS_ICS, 'exchange-allday-moved-occurrence.ics'), 'utf8');
    const seeded = await fetch(`${emulator.url}/_admin/users/${OWNER}/calendar/seed-ics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ics, fileName: 'exchange-allday-moved-occurrence.ics', horizon: WINDOW }),
    });
    expect(seeded.ok).toBe(true);

    const signedIn = await signInAs();

    expect(signedIn).toEqual({ status: 200, text: 'Signed in. Syncline now syncs this mailbox; you can close this page.' });
    expect(resumed).toEqual([MAILBOX_ID]);
    const token = await refreshTokens.loadRefreshToken(MAILBOX_ID);
    expect(token).toMatch(/^1\/\//);
    const row = await store.loadCredentialRow(`mailbox:${MAILBOX_ID}`, GOOGLE_REFRESH_TOKEN_KIND);
    expect(row?.ciphertext).not.toContain(token);
    expect(databaseBytes().includes(Buffer.from(token ?? ''))).toBe(false);

    const pull = await connector().events.pullChanges(null, WINDOW);
    expect(pull.isFullListing).toBe(true);
    expect(pull.changes.map((change) => (change.kind === 'upsert' ? change.item.subject : null))).toContain('Exchange Recurring Test');
  });

  it('rejects a callback with a wrong state', async () => {
    const authorize = await authorizeUrl();
    const google = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(google.headers.get('location') ?? '');
    callback.searchParams.set('state', randomBytes(32).toString('base64url'));

    const response = await fetch(callback, { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('unknown or expired');
    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).toBeNull();
  });

  it('refuses a callback link the second time', async () => {
    const google = await fetch(await authorizeUrl(), { redirect: 'manual' });
    const callback = google.headers.get('location') ?? '';

    expect((await fetch(callback)).status).toBe(200);
    expect((await fetch(callback)).status).toBe(400);
  });

  it('refuses the sign-in of another account', async () => {
    const signedIn = await signInAs(STRANGER);

    expect(signedIn.status).toBe(403);
    expect(signedIn.text).toContain(`Sign in as ${OWNER}`);
    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).toBeNull();
    expect(resumed).toEqual([]);
  });

  it('missing sign-in suspends with the link', async () => {
    const error = await suspension(connector().events.pullChanges(null, WINDOW));

    expect(error.message).toContain(`must sign in at ${googleSignInUrlOf(server.url, MAILBOX_ID)}`);
  });

  it('revoked consent suspends until signed in again', async () => {
    await signInAs();
    const source = connector().events;
    await source.pullChanges(null, WINDOW);
    const revoked = await fetch(`${emulator.url}/_admin/users/${OWNER}/revoke`, { method: 'POST' });
    expect(revoked.ok).toBe(true);

    const error = await suspension(source.pullChanges(null, WINDOW));
    expect(error.message).toContain('invalid_grant');
    expect(error.message).toContain(`connect Google again by signing in at ${googleSignInUrlOf(server.url, MAILBOX_ID)}`);

    // The same source reads the new token, as a long-lived push watch does.
    await signInAs();
    expect((await source.pullChanges(null, WINDOW)).isFullListing).toBe(true);
  });

  it('engine gets token store and link', async () => {
    await signInAs();
    const engine = await openEngine({ config: config(), logger: createSilentLogger(), readOnly: true, env: { SYNCLINE_ENCRYPTION_KEY: encryptionKey } });
    try {
      const mailbox = engine.mailboxes.find((candidate) => candidate.record.id === MAILBOX_ID);
      expect(mailbox?.signInUrl).toBe(googleSignInUrlOf('http://127.0.0.1:8787', MAILBOX_ID));
      expect(await mailbox?.refreshTokens?.loadRefreshToken(MAILBOX_ID)).toBe(await refreshTokens.loadRefreshToken(MAILBOX_ID));
    } finally {
      await engine.close();
    }
  });

  it('floods never evict another mailbox', async () => {
    const google = await fetch(await authorizeUrl(), { redirect: 'manual' });
    const pending = createPendingSignIns<{ mailboxId: string }>();
    const victim = pending.begin({ mailboxId: 'victim' });
    const floodStates: string[] = [];
    // 300 mailboxes with up to MAX_PENDING_PER_MAILBOX each exceed MAX_PENDING, so the global cap evicts too.
    for (let index = 0; index < MAX_PENDING + 600; index++) {
      floodStates.push(pending.begin({ mailboxId: `flood-${index % 300}` }));
    }

    expect(300 * MAX_PENDING_PER_MAILBOX).toBeGreaterThan(MAX_PENDING);
    expect(pending.take(victim)).toEqual({ mailboxId: 'victim' });
    expect(pending.take(floodStates[0])).toBeNull();
    expect(pending.take(floodStates.at(-1))).toEqual({ mailboxId: `flood-${(MAX_PENDING + 599) % 300}` });
    // The owner's own earlier sign-in still completes after others opened the page.
    const callback = await fetch(google.headers.get('location') ?? '', { redirect: 'manual' });
    expect(callback.status).toBe(200);
  });

  it('a mailbox keeps only its newest pending sign-ins', async () => {
    const first = await fetch(await authorizeUrl(), { redirect: 'manual' });
    for (let index = 0; index < MAX_PENDING_PER_MAILBOX; index++) {
      await authorizeUrl();
    }

    const callback = await fetch(first.headers.get('location') ?? '', { redirect: 'manual' });
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('unknown or expired');
  });

  it('rejects consent missing scopes', async () => {
    const authorize = await authorizeUrl();
    authorize.searchParams.set('scope', 'https://www.googleapis.com/auth/calendar.events');
    const google = await fetch(authorize, { redirect: 'manual' });
    const callback = await fetch(google.headers.get('location') ?? '', { redirect: 'manual' });
    const text = await callback.text();

    expect(callback.status).toBe(403);
    expect(text).toContain('https://www.googleapis.com/auth/gmail.readonly');
    expect(text).toContain('https://www.googleapis.com/auth/tasks');
    expect(text).not.toContain('https://www.googleapis.com/auth/calendar.events');
    expect(text).not.toContain('another account');
    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).toBeNull();
    expect(resumed).toEqual([]);
  });

  it('missing key shown before Google', async () => {
    const failing = sessionGoogleRefreshTokens(config(), store, {});
    if (failing === undefined) {
      throw new Error('the configuration has no Google mailbox under user OAuth');
    }
    let baseUrl = '';
    const signIn = configuredGoogleSignIn(config(), { refreshTokens: failing, logger: createSilentLogger(), baseUrl: () => baseUrl });
    if (signIn === null) {
      throw new Error('the configuration has no Google mailbox under user OAuth');
    }
    const keyless = await createServer({ logger: createSilentLogger(), routes: [googleSignInRoutes(signIn)] }).listen(0, '127.0.0.1');
    baseUrl = keyless.url;
    try {
      const start = await fetch(googleSignInUrlOf(keyless.url, MAILBOX_ID), { redirect: 'manual' });
      const text = await start.text();

      expect(start.status).toBe(503);
      expect(start.headers.get('location')).toBeNull();
      expect(start.headers.get('content-type')).toContain('text/plain');
      expect(text).toContain('SYNCLINE_ENCRYPTION_KEY');
      expect(text).toContain('docs/security.md');
    } finally {
      await keyless.close();
    }
  });

  it('shows only known OAuth error codes', async () => {
    const lines: string[] = [];
    let baseUrl = '';
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const signIn = configuredGoogleSignIn(config(), { refreshTokens, logger, baseUrl: () => baseUrl });
    if (signIn === null) {
      throw new Error('the configuration has no Google mailbox under user OAuth');
    }
    const logged = await createServer({ logger: createSilentLogger(), routes: [googleSignInRoutes(signIn)] }).listen(0, '127.0.0.1');
    baseUrl = logged.url;
    const callbackWith = async (error: string) => {
      const start = await fetch(googleSignInUrlOf(logged.url, MAILBOX_ID), { redirect: 'manual' });
      const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
      const response = await fetch(`${logged.url}${GOOGLE_CALLBACK_PATH}?state=${encodeURIComponent(state)}&error=${encodeURIComponent(error)}`);
      return { status: response.status, text: await response.text() };
    };
    try {
      const forged = await callbackWith('x) Your account is compromised. Call +1 555 0100 now (');
      const denied = await callbackWith('access_denied');

      expect(forged.status).toBe(400);
      expect(forged.text).toContain('(unknown)');
      expect(forged.text).not.toContain('compromised');
      expect(denied.text).toContain('(access_denied): The access Syncline asks for was declined.');
      expect(lines.join('\n')).not.toContain('compromised');
      expect(lines.join('\n')).toContain('"error":"unknown"');
    } finally {
      await logged.close();
    }
  });

  it('rejects a repeated code', async () => {
    const google = await fetch(await authorizeUrl(), { redirect: 'manual' });
    const callback = new URL(google.headers.get('location') ?? '');
    callback.searchParams.append('code', 'another-code');

    const response = await fetch(callback, { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('code more than once');
    expect(await refreshTokens.loadRefreshToken(MAILBOX_ID)).toBeNull();
  });

  it('answers 404 for a mailbox without Google user OAuth', async () => {
    const response = await fetch(googleSignInUrlOf(server.url, 'mbx-unknown'), { redirect: 'manual' });

    expect(response.status).toBe(404);
  });
});

describe('syncline start', () => {
  it('serves the Google sign-in and resumes the mailbox', async () => {
    const world = await InstantSyncWorld.start();
    const base = world.config([]);
    const [org] = base.orgs;
    const google = config().orgs[0]?.google;
    if (org === undefined || google === undefined) {
      throw new Error('the test configurations have no org');
    }
    const googleMailbox = { id: MAILBOX_ID, address: OWNER, timeZone: 'Europe/Berlin', salesforceUser: { email: OWNER }, sessionIntervalMinutes: 30, kind: 'google' as const };
    const started = { ...base, orgs: [{ ...org, google, mailboxes: [...org.mailboxes, googleMailbox] }] };
    const env = { SYNCLINE_ENCRYPTION_KEY: encryptionKey };
    const startStore = await openStore(started.store, createSilentLogger());
    const requests: string[] = [];
    const instant = await startInstantSync({
      config: started,
      store: startStore,
      scheduler: { requestSession: (mailboxId, trigger) => requests.push(`${mailboxId} ${trigger}`) },
      logger: createSilentLogger(),
      fetch: world.fetch,
      env,
      streamBackoff: { baseMs: 10, maxMs: 50 },
    });
    try {
      await instant.ready;
      const start = await fetch(googleSignInUrlOf(instant.url, MAILBOX_ID), { redirect: 'manual' });
      const consent = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
      const callback = await fetch(consent.headers.get('location') ?? '', { redirect: 'manual' });

      expect(new URL(consent.headers.get('location') ?? '').pathname).toBe(GOOGLE_CALLBACK_PATH);
      expect(callback.status).toBe(200);
      expect(requests).toContain(`${MAILBOX_ID} resume`);
      expect(await sessionGoogleRefreshTokens(started, startStore, env)?.loadRefreshToken(MAILBOX_ID)).toMatch(/^1\/\//);
    } finally {
      await instant.stop();
      await startStore.close();
      await world.close();
    }
  });
});

describe('Google emulator authorization code grant', () => {
  /** Get a code for the owner from the emulator's authorization endpoint. */
  async function codeFor(parameters: Record<string, string>): Promise<string> {
    const authorize = new URL(emulator.authorizeUrl);
    const query = { client_id: CLIENT.clientId, redirect_uri: 'http://127.0.0.1:9/callback', response_type: 'code', scope: GOOGLE_SIGN_IN_SCOPES.join(' '), login_hint: OWNER, state: 's1', ...parameters };
    for (const [name, value] of Object.entries(query)) authorize.searchParams.set(name, value);
    const response = await fetch(authorize, { redirect: 'manual' });
    const back = new URL(response.headers.get('location') ?? '');
    expect(back.searchParams.get('state')).toBe('s1');
    return back.searchParams.get('code') ?? '';
  }

  async function redeem(code: string, parameters: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, redirect_uri: 'http://127.0.0.1:9/callback', ...parameters });
    const response = await fetch(emulator.tokenUrl, { method: 'POST', body: form });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('returns a refresh token only for offline access', async () => {
    const offline = await redeem(await codeFor({ access_type: 'offline' }));
    const online = await redeem(await codeFor({}));

    expect(offline.status).toBe(200);
    expect(offline.body.refresh_token).toMatch(/^1\/\//);
    expect(online.status).toBe(200);
    expect(online.body.refresh_token).toBeUndefined();
  });

  it('redeems a code once', async () => {
    const code = await codeFor({ access_type: 'offline' });

    expect((await redeem(code)).status).toBe(200);
    expect(await redeem(code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('redirects only to a registered redirect URI', async () => {
    const authorize = new URL(emulator.authorizeUrl);
    const query = { client_id: CLIENT.clientId, redirect_uri: 'https://attacker.example/cb', response_type: 'code', scope: GOOGLE_SIGN_IN_SCOPES.join(' '), login_hint: OWNER };
    for (const [name, value] of Object.entries(query)) authorize.searchParams.set(name, value);
    const foreign = await fetch(authorize, { redirect: 'manual' });
    authorize.searchParams.set('redirect_uri', 'http://127.0.0.1:4321/callback');
    const loopbackOtherPort = await fetch(authorize, { redirect: 'manual' });
    authorize.searchParams.set('redirect_uri', 'http://127.0.0.1:4321/elsewhere');
    const loopbackOtherPath = await fetch(authorize, { redirect: 'manual' });

    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('location')).toBeNull();
    expect(await foreign.text()).toContain('redirect_uri_mismatch');
    expect(loopbackOtherPort.status).toBe(302);
    expect(loopbackOtherPath.status).toBe(400);
  });

  it('checks the redirect URI and the PKCE verifier', async () => {
    const mismatch = await redeem(await codeFor({}), { redirect_uri: 'http://127.0.0.1:9/other' });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const wrongVerifier = await redeem(await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' }), { code_verifier: 'wrong' });
    const rightVerifier = await redeem(await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' }), { code_verifier: verifier });

    expect(mismatch.body.error).toBe('redirect_uri_mismatch');
    expect(wrongVerifier.body.error).toBe('invalid_grant');
    expect(rightVerifier.status).toBe(200);
  });
});
