import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import type { RefreshTokenStore } from '../src/mailbox/graph/auth/refresh-token-store.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createScheduler, createSessionRunner, type Scheduler } from '../src/scheduler/index.ts';
import { startInstantSync, type InstantSync } from '../src/scheduler/instant-sync.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { ApiWorld, errorOf, orgSetting, PASSWORD, type ApiClient } from './support/api-world.ts';
import { collectPageErrors, launchChromium, missingChromium, screenshot } from './support/chromium.ts';
import { E2eHarness, SYNC_ID_FIELD } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { waitFor } from './support/instant-sync-world.ts';

describe('connect link of the mailbox view', () => {
  let world: ApiWorld;
  const DELEGATED = 'mbx-dana';
  const APP_ONLY = 'mbx-eli';
  const GOOGLE = 'mbx-gina';

  beforeAll(async () => {
    const org = orgSetting('org-1', 'Contoso', [
      { id: DELEGATED, address: 'dana@contoso.example.com' },
      { id: APP_ONLY, address: 'eli@contoso.example.com' },
      { id: GOOGLE, address: 'gina@contoso.example.com' },
    ]);
    const mailboxes = org.mailboxes.map((mailbox) =>
      mailbox.id === DELEGATED ? { ...mailbox, graphAuth: 'delegated' as const } : mailbox.id === GOOGLE ? { ...mailbox, kind: 'google' as const } : mailbox,
    );
    const google = {
      auth: { kind: 'userOAuth' as const, clientId: 'google-client', clientSecret: 'google-secret' },
      tokenUrl: 'https://oauth2.googleapis.com/token',
      apiBaseUrl: 'https://www.googleapis.com',
      peopleBaseUrl: 'https://people.googleapis.com',
      sendUpdates: 'none' as const,
    };
    world = await ApiWorld.start({ orgs: [{ ...org, google, mailboxes }], server: { host: '127.0.0.1', port: 0, publicUrl: 'https://sync.contoso.example.com' } });
    await world.addUser('org-1', 'dana@contoso.example.com', 'user');
    await world.addUser('org-1', 'admin@contoso.example.com', 'admin');
  });

  afterAll(async () => {
    await world?.close();
  });

  const connectOf = async (client: ApiClient, id: string) => {
    const response = await client.request('GET', `/api/v1/mailboxes/${id}`);
    expect(response.status).toBe(200);
    return (response.body as { connect: unknown }).connect;
  };

  it('owner gets own sign-in page only', async () => {
    const dana = world.client();
    expect((await dana.signIn('dana@contoso.example.com')).status).toBe(200);
    expect(await connectOf(dana, DELEGATED)).toEqual({ url: `https://sync.contoso.example.com/auth/graph/sign-in/${DELEGATED}`, provider: 'graph', signedIn: false });
    const other = await dana.request('GET', `/api/v1/mailboxes/${APP_ONLY}`);
    expect([other.status, errorOf(other).code]).toEqual([404, 'not_found']);
  });

  it('admin gets each kind', async () => {
    const admin = world.client();
    expect((await admin.signIn('admin@contoso.example.com')).status).toBe(200);
    expect(await connectOf(admin, DELEGATED)).toMatchObject({ provider: 'graph' });
    expect(await connectOf(admin, APP_ONLY)).toBeNull();
    expect(await connectOf(admin, GOOGLE)).toEqual({ url: `https://sync.contoso.example.com/auth/google/sign-in/${GOOGLE}`, provider: 'google', signedIn: false });
  });

  it('stored token marks signed in', async () => {
    const admin = world.client();
    expect((await admin.signIn('admin@contoso.example.com')).status).toBe(200);
    const row = { keyId: 'k1', ciphertext: 'opaque', updatedAt: new Date().toISOString() };
    await world.store.saveCredentialRow({ ...row, owner: `mailbox:${DELEGATED}`, kind: 'graphRefreshToken' });
    // A Graph token kept for the Google mailbox is not its sign-in.
    await world.store.saveCredentialRow({ ...row, owner: `mailbox:${GOOGLE}`, kind: 'graphRefreshToken' });
    expect(await connectOf(admin, DELEGATED)).toMatchObject({ provider: 'graph', signedIn: true });
    expect(await connectOf(admin, GOOGLE)).toMatchObject({ provider: 'google', signedIn: false });
    await world.store.saveCredentialRow({ ...row, owner: `mailbox:${GOOGLE}`, kind: 'googleRefreshToken' });
    expect(await connectOf(admin, GOOGLE)).toMatchObject({ provider: 'google', signedIn: true });
  });
});

const missing = missingChromium();
if (missing !== null) {
  console.warn(`Skipping the dashboard browser tests: ${missing}`);
}

// The harness's Graph emulator registers this app with no redirect URIs, so it accepts any loopback one.
const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { clientId: 'graph-app', clientSecret: 'graph-secret' };
const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' };
const DAY_MS = 86_400_000;
const logger = createSilentLogger();

describe.skipIf(missing !== null)('connect a mailbox from the dashboard in headless Chromium', () => {
  let harness: E2eHarness;
  let browser: Browser;
  let instant: InstantSync | null = null;
  let scheduler: Scheduler | null = null;

  beforeAll(async () => {
    [harness, browser] = await Promise.all([E2eHarness.start({ window: { start: new Date(Date.now() - 7 * DAY_MS).toISOString(), end: new Date(Date.now() + 30 * DAY_MS).toISOString() } }), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await instant?.stop();
    await scheduler?.stop();
    await browser?.close();
    await harness?.close();
  });

  it('owner connects through Microsoft sign-in', async () => {
    const h = harness;
    const tokens = new Map<string, string>();
    const refreshTokens: RefreshTokenStore = { loadRefreshToken: async (id) => tokens.get(id) ?? null, saveRefreshToken: async (id, token) => void tokens.set(id, token) };
    const config = delegatedConfig(h);
    const day = new Date(Date.now() + 2 * DAY_MS).toISOString().slice(0, 10);
    await h.seedMailbox([timedSeed('Kick-off with Globex', day, '09:00', '10:00')]);

    // Sessions read the mailbox with the owner's delegated token only, so one can succeed only after the sign-in.
    const reports: SessionReport[] = [];
    const runner = createSessionRunner({
      store: h.store,
      runSession: async () => {
        const report = await h.runSession({
          wrapMailbox: () =>
            createGraphEventSource({
              graphBaseUrl: `${h.graphUrl}/v1.0`,
              tokenUrl: `${h.graphUrl}/${TENANT}/oauth2/v2.0/token`,
              clientId: GRAPH_CLIENT.clientId,
              clientSecret: GRAPH_CLIENT.clientSecret,
              auth: { kind: 'delegated', mailboxId: h.mailbox.id, refreshTokens },
              userId: h.mailbox.address,
              mailboxTimeZone: h.mailbox.timeZone,
              logger,
            }),
        });
        reports.push(report);
        // The engine records each session so that the dashboard shows it; this runner stands in for the engine.
        await h.store.recordSession(report);
        return report;
      },
      intervalMs: () => DAY_MS,
      jitter: 0,
      logger,
    });
    await h.store.saveSchedule({ mailboxId: h.mailbox.id, state: 'active', reason: null, resumeAt: null, nextSessionAt: new Date(Date.now() + DAY_MS).toISOString(), lastSessionAt: null, lastStatus: null, failureCount: 0 });
    scheduler = createScheduler({ mailboxIds: [h.mailbox.id], runner, store: h.store, maxConcurrentSessions: 1, coalesceMs: 60_000, pollMs: 200, logger });
    await scheduler.start();
    // Without the owner's token the first session stops and suspends the mailbox until the owner signs in.
    scheduler.requestSession(h.mailbox.id, 'force');
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'suspendedByError', 15_000, 'the suspension for the missing token');
    const requestSession = scheduler.requestSession.bind(scheduler);
    instant = await startInstantSync({ config, store: h.store, scheduler: { requestSession }, logger, refreshTokens, routes: [apiRoutes({ store: h.store, config, logger, requestSession, ownerSignedIn: async (id) => tokens.has(id) })] });
    await instant.ready;
    await h.store.createUser({ id: randomUUID(), orgId: 'org-1', email: h.mailbox.address, role: 'user', passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${instant.url}/`);
    await page.locator('#sign-in-form').waitFor();
    await page.getByLabel('Email address').fill(h.mailbox.address);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in-as').waitFor();

    // The suspended mailbox offers to connect again, through this server's own sign-in page.
    const connect = page.getByRole('link', { name: 'Connect again' });
    await connect.waitFor();
    expect(await connect.getAttribute('href')).toBe(`${instant.url}/auth/graph/sign-in/${h.mailbox.id}`);
    expect(await page.locator('#mailbox-state [data-testid="state-badge"]').textContent()).toBe('Suspended by an error');
    expect(await page.locator('#state-reason').textContent()).toContain('must sign in');
    expect(tokens.size).toBe(0);
    await screenshot(page, 'dashboard-connect');

    // The emulator's authorize endpoint consents at once and sends the browser back to the callback.
    await connect.click();
    await page.waitForURL((url) => url.pathname === '/auth/graph/callback');
    expect(await page.locator('body').textContent()).toContain('Signed in. Syncline now syncs this mailbox');
    expect(tokens.has(h.mailbox.id)).toBe(true);

    // The sign-in resumed the mailbox; its first session read the calendar with the owner's token.
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.lastStatus === 'ok', 15_000, 'the session after the sign-in');
    expect((await h.crmEvents()).map((event) => event.Subject)).toEqual(['Kick-off with Globex']);

    await page.goto(`${instant.url}/`);
    await expect.poll(() => page.locator('#mailbox-state [data-testid="state-badge"]').textContent()).toBe('Active');
    // The owner's token is stored and the mailbox syncs, so the view offers no sign-in any more.
    expect(await page.locator('#connect-mailbox').count()).toBe(0);
    const before = reports.length;
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.locator('#action-status').textContent(), { timeout: 15_000 }).toContain('The session finished: ok');
    expect(reports.length).toBe(before + 1);
    expect(reports.map((report) => report.status).slice(1)).toEqual(['ok', 'ok']);
    await screenshot(page, 'dashboard-connected');

    await page.close();
    await context.close();
    expect(errors).toEqual([]);
  }, 60_000);
});

/** Build one org whose only mailbox reads Office 365 with its owner's delegated token, against the harness's emulators. */
function delegatedConfig(h: E2eHarness): SynclineConfig {
  return {
    dataDir: '.',
    store: { kind: 'sqlite', path: ':memory:' },
    window: { kind: 'fixed', start: new Date(Date.now() - 7 * DAY_MS).toISOString(), end: new Date(Date.now() + 30 * DAY_MS).toISOString() },
    jitter: 0,
    maxConcurrentSessions: 1,
    // No subscriptions: this test is about the sign-in, and sessions start only when asked for.
    instantSync: { coalesceSeconds: 60, triggers: [] },
    server: { host: '127.0.0.1', port: 0, publicUrl: null },
    orgs: [
      {
        id: 'org-1',
        name: 'Contoso',
        policy: {},
        salesforce: {
          loginUrl: h.salesforceUrl,
          apiVersion: '62.0',
          auth: { kind: 'refreshToken', ...SF_CLIENT },
          syncIdField: SYNC_ID_FIELD,
          apiBudgetShare: 1,
        },
        graph: { graphBaseUrl: `${h.graphUrl}/v1.0`, tokenUrl: `${h.graphUrl}/${TENANT}/oauth2/v2.0/token`, ...GRAPH_CLIENT },
        mailboxes: [{ id: h.mailbox.id, address: h.mailbox.address, timeZone: h.mailbox.timeZone, salesforceUser: { email: h.mailbox.address }, sessionIntervalMinutes: 30, graphAuth: 'delegated' }],
      },
    ],
  };
}
