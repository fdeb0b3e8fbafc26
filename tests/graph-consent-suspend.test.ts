import { afterEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { createDelegatedSignIn } from '../src/mailbox/graph/auth/delegated-sign-in.ts';
import type { RefreshTokenStore } from '../src/mailbox/graph/auth/refresh-token-store.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createScheduler, createSessionRunner, type Scheduler } from '../src/scheduler/index.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { waitFor } from './support/instant-sync-world.ts';

const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };
const TENANT = 'delegated-tenant';
const CLIENT = { tenantId: TENANT, clientId: 'delegated-app', clientSecret: 'delegated-secret' };
const DAY_MS = 86_400_000;
const logger = createSilentLogger();

let harness: E2eHarness | null = null;
let emulator: RunningGraphEmulator | null = null;
let scheduler: Scheduler | null = null;

afterEach(async () => {
  await scheduler?.stop();
  await harness?.close();
  await emulator?.close();
  scheduler = null;
  harness = null;
  emulator = null;
});

/** Start a scheduler over the harness's store whose sessions run `runSession`; the first scheduled one is a day away. */
async function startScheduler(h: E2eHarness, runSession: () => Promise<SessionReport>): Promise<Scheduler> {
  const runner = createSessionRunner({ store: h.store, runSession, intervalMs: () => DAY_MS, jitter: 0, logger });
  const first = new Date(Date.now() + DAY_MS).toISOString();
  await h.store.saveSchedule({ mailboxId: h.mailbox.id, state: 'active', reason: null, resumeAt: null, nextSessionAt: first, lastSessionAt: null, lastStatus: null, failureCount: 0 });
  const running = createScheduler({ mailboxIds: [h.mailbox.id], runner, store: h.store, maxConcurrentSessions: 1, coalesceMs: 60_000, pollMs: 60_000, logger });
  await running.start();
  return running;
}

async function graphAdmin(url: string, route: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}/_admin${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.ok).toBe(true);
}

function memoryRefreshTokens(): RefreshTokenStore {
  const tokens = new Map<string, string>();
  return {
    loadRefreshToken: async (mailboxId) => tokens.get(mailboxId) ?? null,
    saveRefreshToken: async (mailboxId, token) => void tokens.set(mailboxId, token),
  };
}

describe('consent loss suspends the mailbox', () => {
  it('withdrawn admin consent suspends app-only', async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    const h = harness;
    await h.seedMailbox([timedSeed('Review', '2026-05-06', '09:00', '10:00')]);
    const reports: SessionReport[] = [];
    scheduler = await startScheduler(h, async () => {
      const report = await h.runSession();
      reports.push(report);
      return report;
    });
    await h.graphAdmin('POST', '/_admin/auth/revoke-app-consent', { clientId: 'graph-app' });

    scheduler.requestSession(h.mailbox.id, 'force');
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'suspendedByError', 10_000, 'the suspension');

    const schedule = await h.store.loadSchedule(h.mailbox.id);
    expect(reports[0]?.failure).toMatchObject({ kind: 'suspend', code: 'ErrorAccessDenied' });
    expect(schedule?.reason).toContain('An administrator must grant admin consent');
    expect(schedule?.resumeAt).not.toBeNull();
    expect(await h.crmEvents()).toEqual([]);
  }, 30_000);

  it('revoked delegated consent suspends until sign-in', async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    const h = harness;
    const address = h.mailbox.address;
    emulator = await startGraphEmulator({ clients: [CLIENT], users: [{ userPrincipalName: address, displayName: 'Alex', mailboxTimeZone: 'Europe/Berlin' }] });
    const graphUrl = emulator.url;
    const refreshTokens = memoryRefreshTokens();
    const mailbox = {
      id: h.mailbox.id,
      address,
      authorizeUrl: `${graphUrl}/${TENANT}/oauth2/v2.0/authorize`,
      tokenUrl: `${graphUrl}/${TENANT}/oauth2/v2.0/token`,
      graphBaseUrl: `${graphUrl}/v1.0`,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
    };
    const signIn = createDelegatedSignIn({ findMailbox: () => mailbox, redirectUri: () => 'http://127.0.0.1:9/auth/graph/callback', refreshTokens, logger });
    const signInOnce = async () => {
      const microsoft = await fetch(signIn.start(mailbox.id) ?? '', { redirect: 'manual' });
      const callback = new URL(microsoft.headers.get('location') ?? '');
      return signIn.complete(Object.fromEntries(callback.searchParams));
    };
    await fetch(`${graphUrl}/_admin/users/${address}/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [timedSeed('Kick-off', '2026-05-07', '09:00', '10:00')] }) });
    const delegated = () =>
      createGraphEventSource({
        graphBaseUrl: mailbox.graphBaseUrl,
        tokenUrl: mailbox.tokenUrl,
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
        auth: { kind: 'delegated', mailboxId: mailbox.id, refreshTokens },
        userId: address,
        mailboxTimeZone: 'Europe/Berlin',
        logger,
      });
    const reports: SessionReport[] = [];
    scheduler = await startScheduler(h, async () => {
      const report = await h.runSession({ wrapMailbox: () => delegated() });
      reports.push(report);
      return report;
    });
    expect(await signInOnce()).toEqual({ ok: true, mailboxId: mailbox.id });

    scheduler.requestSession(h.mailbox.id, 'force');
    await waitFor(() => reports.length === 1, 10_000, 'the first session');
    await graphAdmin(graphUrl, '/auth/revoke-consent', { user: address });
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'active', 5_000, 'the mailbox back to active');
    scheduler.requestSession(h.mailbox.id, 'force');
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'suspendedByError', 10_000, 'the suspension');
    const suspended = await h.store.loadSchedule(h.mailbox.id);

    expect(reports[0]?.status).toBe('ok');
    expect((await h.crmEvents()).map((event) => event.Subject)).toEqual(['Kick-off']);
    expect(reports[1]?.failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
    expect(suspended?.reason).toContain('AADSTS65001');
    expect(suspended?.reason).toContain('The mailbox owner must sign in again');

    // The owner signs in again; the resume that follows a sign-in runs at once.
    expect((await signInOnce()).ok).toBe(true);
    scheduler.requestSession(h.mailbox.id, 'resume');
    await waitFor(async () => (await h.store.loadSchedule(h.mailbox.id))?.state === 'active', 10_000, 'the resumed mailbox');

    expect((await h.store.loadSchedule(h.mailbox.id))?.lastStatus).toBe('ok');
    expect(reports).toHaveLength(3);
  }, 30_000);
});
