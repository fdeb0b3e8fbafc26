import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstantSyncTrigger, SynclineConfig } from '../src/config/resolved-config.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import type { SessionTrigger } from '../src/domain/mailbox-state.ts';
import { createGraphSubscriptionClient } from '../src/mailbox/graph/subscriptions.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { startInstantSync, type InstantSync } from '../src/scheduler/instant-sync.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { ADDRESS, InstantSyncWorld, MAILBOX_ID, waitFor } from './support/instant-sync-world.ts';

let world: InstantSyncWorld;
let store: SynclineStore | null;
let instant: InstantSync | null;
let requests: { mailboxId: string; trigger: SessionTrigger }[];

beforeEach(async () => {
  world = await InstantSyncWorld.start();
  requests = [];
  store = null;
  instant = null;
});

afterEach(async () => {
  await instant?.stop();
  await store?.close();
  await world.close();
});

/** Instant sync over a fresh store, with a scheduler that only records what is asked of it. */
async function open(triggers?: readonly InstantSyncTrigger[], config: SynclineConfig = world.config(triggers)): Promise<InstantSync> {
  store ??= await openStore(config.store, createSilentLogger());
  await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
  await store.upsertMailbox({ id: MAILBOX_ID, orgId: 'org-1', kind: 'graph', address: ADDRESS, timeZone: 'Europe/Berlin' });
  instant = await startInstantSync({
    config,
    store,
    scheduler: { requestSession: (mailboxId, trigger) => requests.push({ mailboxId, trigger }) },
    logger: createSilentLogger(),
    streamBackoff: { baseMs: 10, maxMs: 50 },
    fetch: world.fetch,
  });
  await instant.ready;
  return instant;
}

async function storedSubscription(resource = 'events') {
  const subscription = await store?.loadMailboxSubscription(MAILBOX_ID, resource);
  if (!subscription) {
    throw new Error(`the mailbox has no stored subscription on ${resource}`);
  }
  return subscription;
}

async function postNotification(url: string, entry: Record<string, unknown>): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [entry] }) });
  return response.status;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graph webhook', () => {
  it('webhook echoes validation token', async () => {
    const running = await open();
    const response = await fetch(`${running.webhookUrl}?validationToken=${encodeURIComponent('Validation: a b&c')}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('Validation: a b&c');
  });

  it('subscribes calendar, inbox and sent items', async () => {
    await open();
    const stored = await store?.listMailboxSubscriptions(MAILBOX_ID);
    const atGraph = await world.graphSubscriptions();

    expect(stored?.map((entry) => entry.resource)).toEqual(['events', 'inbox', 'sentItems']);
    expect(atGraph.map((entry) => entry.id).sort()).toEqual(stored?.map((entry) => entry.subscriptionId).sort());
    expect(atGraph.map((entry) => entry.resource).sort()).toEqual([
      `users/${encodeURIComponent(ADDRESS)}/events`,
      `users/${encodeURIComponent(ADDRESS)}/mailFolders('inbox')/messages`,
      `users/${encodeURIComponent(ADDRESS)}/mailFolders('sentitems')/messages`,
    ]);
    expect(atGraph.every((entry) => entry.changeTypes.sort().join() === 'created,deleted,updated')).toBe(true);
    expect(new Set(stored?.map((entry) => entry.clientState)).size).toBe(3);
    expect(stored?.every((entry) => entry.clientState.length >= 32)).toBe(true);
  });

  it('subscribes only the configured resources', async () => {
    await open(undefined, world.config(undefined, ['events']));

    expect((await store?.listMailboxSubscriptions(MAILBOX_ID))?.map((entry) => entry.resource)).toEqual(['events']);
    expect(await world.graphSubscriptions()).toHaveLength(1);
  });

  it('new inbox mail requests a session', async () => {
    await open();
    await world.deliverMessage('Proposal', 'inbox');

    await waitFor(() => requests.length > 0, 3_000, 'a session request');
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);
  });

  it('sent mail requests a session', async () => {
    await open();
    await world.deliverMessage('Re: Proposal', 'sentitems');

    await waitFor(() => requests.length > 0, 3_000, 'a session request');
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);
  });

  it('mail in other folders is not watched', async () => {
    await open();
    await world.deliverMessage('Draft', 'drafts');

    await pause(300);
    expect(requests).toEqual([]);
  });

  it('Outlook create requests a session', async () => {
    await open();
    await world.createOutlookEvent('Quarterly review');

    await waitFor(() => requests.length > 0, 3_000, 'a session request');
    expect(requests).toContainEqual({ mailboxId: MAILBOX_ID, trigger: 'notification' });
  });

  it('wrong clientState triggers nothing', async () => {
    const running = await open();
    const { subscriptionId, clientState } = await storedSubscription();
    const base = { subscriptionId, changeType: 'created', resource: 'Users/x/Events/y', resourceData: { id: 'y' }, tenantId: 't' };

    expect(await postNotification(running.webhookUrl, { ...base, clientState: 'forged' })).toBe(202);
    expect(await postNotification(running.webhookUrl, { ...base, clientState: null })).toBe(202);
    expect(await postNotification(running.webhookUrl, { ...base, subscriptionId: 'not-ours', clientState })).toBe(202);
    await pause(100);
    expect(requests).toEqual([]);

    expect(await postNotification(running.webhookUrl, { ...base, clientState })).toBe(202);
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);
  });

  it('disabled update trigger is ignored', async () => {
    const running = await open(['create']);
    const { subscriptionId, clientState } = await storedSubscription();
    expect((await world.graphSubscriptions())[0]?.changeTypes).toEqual(['created']);

    const base = { subscriptionId, clientState, resource: 'Users/x/Events/y', resourceData: { id: 'y' } };
    expect(await postNotification(running.webhookUrl, { ...base, changeType: 'updated' })).toBe(202);
    expect(await postNotification(running.webhookUrl, { ...base, changeType: 'deleted' })).toBe(202);
    expect(requests).toEqual([]);

    const id = await world.createOutlookEvent('Kick-off');
    await waitFor(() => requests.length === 1, 3_000, 'the create to ask for a session');
    await world.touchOutlookEvent(id, 'Kick-off (moved)');
    await pause(300);
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);
  });

  it('malformed body gets 400', async () => {
    const running = await open();
    const response = await fetch(running.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hello: 'world' }) });

    expect(response.status).toBe(400);
    expect(requests).toEqual([]);
  });
});

describe('graph subscription lifecycle', () => {
  it('subscriptionRemoved recreates and forces', async () => {
    await open();
    const before = await storedSubscription();
    await world.graphFault({ type: 'lifecycle', lifecycleEvent: 'subscriptionRemoved' });

    await waitFor(async () => ![undefined, before.subscriptionId].includes((await store?.loadMailboxSubscription(MAILBOX_ID, 'events'))?.subscriptionId), 3_000, 'a new subscription');
    const after = await storedSubscription();
    expect((await world.graphSubscriptions()).map((entry) => entry.id)).toContain(after.subscriptionId);
    expect(after.clientState).not.toBe(before.clientState);
    expect(requests).toContainEqual({ mailboxId: MAILBOX_ID, trigger: 'force' });
  });

  it('reauthorizationRequired renews the subscription', async () => {
    await open();
    const before = await storedSubscription();
    const inbox = await storedSubscription('inbox');
    await pause(20);
    await world.graphFault({ type: 'lifecycle', lifecycleEvent: 'reauthorizationRequired', subscriptionId: before.subscriptionId });

    await waitFor(async () => (await storedSubscription()).expiresAt > before.expiresAt, 3_000, 'a renewed expiry');
    expect((await storedSubscription()).subscriptionId).toBe(before.subscriptionId);
    expect(await storedSubscription('inbox')).toEqual(inbox);
    expect(requests).toEqual([]);
  });

  it('removed inbox subscription is recreated alone', async () => {
    await open();
    const events = await storedSubscription();
    const inbox = await storedSubscription('inbox');
    await world.graphFault({ type: 'lifecycle', lifecycleEvent: 'subscriptionRemoved', subscriptionId: inbox.subscriptionId });

    await waitFor(async () => ![undefined, inbox.subscriptionId].includes((await store?.loadMailboxSubscription(MAILBOX_ID, 'inbox'))?.subscriptionId), 3_000, 'a new inbox subscription');
    expect(await storedSubscription()).toEqual(events);
    expect(await world.graphSubscriptions()).toHaveLength(3);
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'force' }]);
  });

  it('missed notifications force a session', async () => {
    await open();
    await world.graphFault({ type: 'lifecycle', lifecycleEvent: 'missed', subscriptionId: (await storedSubscription('sentItems')).subscriptionId });

    await waitFor(() => requests.length > 0, 3_000, 'a forced session');
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'force' }]);
  });

  it('restart renews the stored subscription', async () => {
    const first = await open();
    const before = await storedSubscription();
    await first.stop();

    await open();
    expect((await storedSubscription()).subscriptionId).toBe(before.subscriptionId);
    expect((await world.graphSubscriptions()).map((entry) => entry.id)).toContain(before.subscriptionId);
    expect(await world.graphSubscriptions()).toHaveLength(3);
  });

  it('restart replaces a forgotten subscription', async () => {
    const first = await open();
    const before = await storedSubscription();
    await first.stop();
    await world.graphFault({ type: 'lifecycle', lifecycleEvent: 'subscriptionRemoved', subscriptionId: before.subscriptionId });

    await open();
    const after = await storedSubscription();
    expect(after.subscriptionId).not.toBe(before.subscriptionId);
    expect((await world.graphSubscriptions()).map((entry) => entry.id)).toContain(after.subscriptionId);
    expect(await world.graphSubscriptions()).toHaveLength(3);
  });

  it('restart drops unwatched resources', async () => {
    const first = await open();
    await first.stop();

    await open(undefined, world.config(undefined, ['events']));
    expect((await store?.listMailboxSubscriptions(MAILBOX_ID))?.map((entry) => entry.resource)).toEqual(['events']);
    expect(await world.graphSubscriptions()).toHaveLength(1);
  });
});

describe('delegated mailbox instant sync', () => {
  it('sign-in resumes and subscribes', async () => {
    const base = world.config();
    const config = { ...base, orgs: base.orgs.map((org) => ({ ...org, mailboxes: org.mailboxes.map((mailbox) => ({ ...mailbox, graphAuth: 'delegated' as const })) })) };
    const tokens = new Map<string, string>();
    store = await openStore(config.store, createSilentLogger());
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
    await store.upsertMailbox({ id: MAILBOX_ID, orgId: 'org-1', kind: 'graph', address: ADDRESS, timeZone: 'Europe/Berlin' });
    instant = await startInstantSync({
      config,
      store,
      scheduler: { requestSession: (mailboxId, trigger) => requests.push({ mailboxId, trigger }) },
      logger: createSilentLogger(),
      streamBackoff: { baseMs: 10, maxMs: 50 },
      fetch: world.fetch,
      refreshTokens: { loadRefreshToken: async (id) => tokens.get(id) ?? null, saveRefreshToken: async (id, token) => void tokens.set(id, token) },
    });
    await instant.ready;
    expect(await world.graphSubscriptions()).toEqual([]);

    const start = await fetch(`${instant.url}/auth/graph/sign-in/${MAILBOX_ID}`, { redirect: 'manual' });
    const microsoft = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    const callback = await fetch(microsoft.headers.get('location') ?? '');

    expect(callback.status).toBe(200);
    expect(tokens.has(MAILBOX_ID)).toBe(true);
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'resume' }]);
    await waitFor(async () => (await world.graphSubscriptions()).length === 3, 3_000, 'the delegated subscriptions');
  });
});

describe('graph subscriptions', () => {
  it('create fails without token echo', async () => {
    const config = world.config();
    const graph = config.orgs[0]!.graph!;
    const client = createGraphSubscriptionClient({ ...graph, userId: ADDRESS, logger: createSilentLogger(), fetch: world.fetch });
    const attempt = client.create({
      resource: 'events',
      changeTypes: ['created'],
      // The Salesforce emulator answers 404 here: no echo.
      notificationUrl: `${world.salesforce.url}/webhooks/graph`,
      lifecycleNotificationUrl: `${world.salesforce.url}/webhooks/graph`,
      clientState: 'secret',
      expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
    });

    const error = await attempt.then(() => null, (caught: unknown) => caught);
    expect(isConnectorError(error)).toBe(true);
    expect((error as Error).message).toMatch(/server\.publicUrl/);
    expect(await world.graphSubscriptions()).toEqual([]);
  });

  it('create rejects too long expiration', async () => {
    const running = await open();
    const graph = world.config().orgs[0]!.graph!;
    const token = (await (await fetch(graph.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: graph.clientId, client_secret: graph.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    })).json()) as { access_token: string };
    const create = (days: number) =>
      fetch(`${graph.graphBaseUrl}/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ changeType: 'created', notificationUrl: running.webhookUrl, resource: `users/${ADDRESS}/events`, clientState: 's', expirationDateTime: new Date(Date.now() + days * 86_400_000).toISOString() }),
      });

    const tooLong = await create(8);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { message: string } }).error.message).toMatch(/10080 minutes/);
    expect((await create(6)).status).toBe(201);
  });
});
