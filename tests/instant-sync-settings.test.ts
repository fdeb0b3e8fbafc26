import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.ts';
import type { OrgSetting, SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionTrigger } from '../src/domain/mailbox-state.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { startInstantSync, type InstantSync } from '../src/scheduler/instant-sync.ts';
import { createOrgTriggers } from '../src/scheduler/instant-sync-triggers.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { ApiClient, PASSWORD } from './support/api-world.ts';
import { EwsWorld, SERVICE_ACCOUNT } from './support/ews-world.ts';
import { ADDRESS, InstantSyncWorld, MAILBOX_ID, waitFor } from './support/instant-sync-world.ts';
import { event as plannerEvent } from './support/planner-fixtures.ts';

/**
 * Instant-sync triggers saved in the console reach the running instant sync without a restart: the Graph webhook
 * and the EWS watch check the org's current triggers as changes arrive, and the Graph subscriptions are replaced
 * with the new change types.
 */

const ADMIN = 'admin@contoso.example.com';
const logger = createSilentLogger();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Request {
  readonly mailboxId: string;
  readonly trigger: SessionTrigger;
}

describe('Graph: triggers saved in the console', () => {
  let world: InstantSyncWorld;
  let store: SynclineStore | null = null;
  let instant: InstantSync | null = null;
  let requests: Request[];

  beforeEach(async () => {
    world = await InstantSyncWorld.start();
    requests = [];
  });

  afterEach(async () => {
    await instant?.stop();
    instant = null;
    await store?.close();
    store = null;
    await world.close();
  });

  /** Instant sync with the HTTP API on the same server, as `syncline start` runs it, and an admin of the org. */
  async function open(extra: { triggersMaxAgeMs?: number; subscriptionTiming?: { checkEveryMs: number } } = {}): Promise<{ config: SynclineConfig; opened: InstantSync; db: SynclineStore }> {
    const config = world.config();
    const db = await openStore(config.store, logger);
    store = db;
    await db.upsertOrg({ id: 'org-1', name: 'Contoso' });
    await db.upsertMailbox({ id: MAILBOX_ID, orgId: 'org-1', kind: 'graph', address: ADDRESS, timeZone: 'Europe/Berlin' });
    await db.createUser({ id: randomUUID(), orgId: 'org-1', email: ADMIN, role: 'admin', passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
    const opened = await startInstantSync({
      config,
      store: db,
      scheduler: { requestSession: (mailboxId, trigger) => requests.push({ mailboxId, trigger }) },
      logger,
      fetch: world.fetch,
      streamBackoff: { baseMs: 10, maxMs: 50 },
      routes: [apiRoutes({ store: db, config, logger })],
      ...extra,
    });
    instant = opened;
    await opened.ready;
    return { config, opened, db };
  }

  async function signedInAdmin(url: string): Promise<ApiClient> {
    const client = new ApiClient(url);
    const response = await client.signIn(ADMIN);
    expect(response.status).toBe(200);
    return client;
  }

  async function changeTypesAtGraph(): Promise<string[][]> {
    return (await world.graphSubscriptions()).map((subscription) => [...subscription.changeTypes].sort());
  }

  /** Posts an `updated` notification for the stored calendar subscription, as Graph would for an edit in Outlook. */
  async function postUpdate(webhookUrl: string, db: SynclineStore): Promise<void> {
    const subscription = await db.loadMailboxSubscription(MAILBOX_ID, 'events');
    if (subscription === null) {
      throw new Error('the mailbox has no calendar subscription');
    }
    const entry = { subscriptionId: subscription.subscriptionId, clientState: subscription.clientState, changeType: 'updated', resource: `Users/${ADDRESS}/Events/x`, resourceData: { id: 'x' }, tenantId: 't' };
    const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [entry] }) });
    expect(response.status).toBe(202);
  }

  it('saved triggers filter update notifications', async () => {
    const { opened, db } = await open();
    const admin = await signedInAdmin(opened.url);
    expect(await changeTypesAtGraph()).toEqual([0, 1, 2].map(() => ['created', 'deleted', 'updated']));

    const id = await world.createOutlookEvent('Kick-off');
    await waitFor(() => requests.length > 0, 3_000, 'the create to request a session');
    await world.touchOutlookEvent(id, 'Kick-off (agenda)');
    await waitFor(() => requests.length > 1, 3_000, 'the update to request a session');

    const saved = await admin.request('PUT', '/api/v1/org/settings', { body: { instantSync: { triggers: ['create', 'delete'] } } });
    expect(saved.status).toBe(200);
    // Saving replaces every subscription at once: Graph cannot change a subscription's change types.
    await waitFor(async () => JSON.stringify(await changeTypesAtGraph()) === JSON.stringify([0, 1, 2].map(() => ['created', 'deleted'])), 5_000, 'subscriptions without updated');
    expect((await db.listMailboxSubscriptions(MAILBOX_ID)).map((subscription) => [...subscription.changeTypes].sort())).toEqual([0, 1, 2].map(() => ['created', 'deleted']));

    requests = [];
    await world.touchOutlookEvent(id, 'Kick-off (moved)');
    // A notification Graph sent before the replacement still arrives under the old list; the webhook drops it too.
    await postUpdate(opened.webhookUrl, db);
    await pause(1_000);
    expect(requests).toEqual([]);

    await world.createOutlookEvent('Follow-up');
    await waitFor(() => requests.length > 0, 3_000, 'a create to still request a session');
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);

    expect((await admin.request('PUT', '/api/v1/org/settings', { body: { instantSync: { triggers: ['create', 'update', 'delete'] } } })).status).toBe(200);
    await waitFor(async () => JSON.stringify(await changeTypesAtGraph()) === JSON.stringify([0, 1, 2].map(() => ['created', 'deleted', 'updated'])), 5_000, 'subscriptions with updated again');
    requests = [];
    await world.touchOutlookEvent(id, 'Kick-off (final)');
    await waitFor(() => requests.length > 0, 3_000, 'the update to request a session again');
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);
  }, 60_000);

  it('edit from another process applies', async () => {
    const { opened, db } = await open({ triggersMaxAgeMs: 300, subscriptionTiming: { checkEveryMs: 400 } });
    // Another `syncline start` on the same store saved it, so this server's API received no request.
    await db.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: { instantSync: { triggers: ['delete'] } }, changedBy: ADMIN, changedAt: new Date().toISOString() });
    await waitFor(async () => JSON.stringify(await changeTypesAtGraph()) === JSON.stringify([0, 1, 2].map(() => ['deleted'])), 5_000, 'the renewal round to replace the subscriptions');

    requests = [];
    await postUpdate(opened.webhookUrl, db);
    await world.createOutlookEvent('Not a trigger');
    await pause(1_000);
    expect(requests).toEqual([]);

    // No triggers at all: Graph cannot subscribe to nothing, so the subscriptions go.
    await db.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: { instantSync: { triggers: [] } }, changedBy: ADMIN, changedAt: new Date().toISOString() });
    await waitFor(async () => (await world.graphSubscriptions()).length === 0 && (await db.listMailboxSubscriptions(MAILBOX_ID)).length === 0, 5_000, 'the subscriptions to be deleted');

    await db.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: {}, changedBy: ADMIN, changedAt: new Date().toISOString() });
    await waitFor(async () => (await world.graphSubscriptions()).length === 3, 5_000, 'the file triggers to subscribe again');
    requests = [];
    await world.createOutlookEvent('Back to the file');
    await waitFor(() => requests.length > 0, 3_000, 'a create to request a session');
  }, 60_000);
});

describe('EWS: triggers saved in the console', () => {
  const world = new EwsWorld();
  let store: SynclineStore;
  let instant: InstantSync | null = null;
  const requests: Request[] = [];
  let world2: InstantSyncWorld;

  beforeAll(async () => {
    await world.start();
    // Only for its Salesforce emulator, which the org's change stream needs.
    world2 = await InstantSyncWorld.start();
    store = await openStore({ kind: 'sqlite', path: ':memory:' }, logger);
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
  }, 30_000);

  afterAll(async () => {
    await instant?.stop();
    await store?.close();
    await world2?.close();
    await world.stop();
  });

  it('saved triggers filter new items', async () => {
    const mailbox = await world.newMailbox();
    const base = world2.config();
    const org = base.orgs[0] as OrgSetting;
    const config: SynclineConfig = {
      ...base,
      store: { kind: 'sqlite', path: ':memory:' },
      orgs: [
        {
          ...org,
          ews: { url: world.ewsUrl, auth: { kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password }, maxConcurrency: 3 },
          mailboxes: [{ id: 'mbx-ews', kind: 'ews', address: mailbox.address, timeZone: 'Europe/Berlin', salesforceUser: { email: mailbox.address }, sessionIntervalMinutes: 30 }],
        },
      ],
    };
    instant = await startInstantSync({
      config,
      store,
      scheduler: { requestSession: (mailboxId, trigger) => requests.push({ mailboxId, trigger }) },
      logger,
      fetch: world2.fetch,
      streamBackoff: { baseMs: 10, maxMs: 50 },
      watchRetryDelaysMs: [200],
      ewsConnectionTimeoutMinutes: 1,
      triggersMaxAgeMs: 200,
    });
    await instant.ready;

    const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const item = (subject: string) => plannerEvent({ subject, span: { kind: 'timed', start, end: new Date(Date.parse(start) + 1_800_000).toISOString(), timeZone: 'Europe/Berlin' }, location: null, body: null });
    const create = async (syncId: string, subject: string) => {
      const [written] = await mailbox.connector.events.applyWrites([{ op: 'create', ref: syncId, syncId, item: item(subject) }]);
      expect(written?.ok).toBe(true);
    };

    await create('ews-1', 'Pricing call');
    await waitFor(() => requests.length > 0, 5_000, 'a session request for the new item');

    await store.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: { instantSync: { triggers: ['update', 'delete'] } }, changedBy: ADMIN, changedAt: new Date().toISOString() });
    await pause(300);
    requests.length = 0;
    await create('ews-2', 'Second call');
    await pause(1_500);
    expect(requests).toEqual([]);

    await store.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: { instantSync: { triggers: ['create'] } }, changedBy: ADMIN, changedAt: new Date().toISOString() });
    await pause(300);
    await create('ews-3', 'Third call');
    await waitFor(() => requests.length > 0, 5_000, 'a session request once create is a trigger again');
    expect(requests[0]).toEqual({ mailboxId: 'mbx-ews', trigger: 'notification' });
  }, 60_000);
});

describe('the org triggers cache', () => {
  it('caches, forgets and falls back', async () => {
    let clock = 0;
    let reads = 0;
    let sections: Record<string, unknown> | null = { instantSync: { triggers: ['create'] } };
    const world = await InstantSyncWorld.start();
    try {
      const config = world.config(['create', 'update', 'delete']);
      const triggers = createOrgTriggers({
        config,
        store: {
          loadSettingsEdit: async () => {
            reads += 1;
            return sections === null ? null : { orgId: 'org-1', mailboxId: null, sections, changedBy: ADMIN, changedAt: '2026-12-01T00:00:00Z' };
          },
        },
        logger,
        maxAgeMs: 60_000,
        now: () => clock,
      });

      expect([...(await triggers.ofMailbox(MAILBOX_ID))]).toEqual(['create']);
      sections = { instantSync: { triggers: ['delete'] } };
      clock = 59_999;
      expect([...(await triggers.ofMailbox(MAILBOX_ID))]).toEqual(['create']);
      expect(reads).toBe(1);
      clock = 60_000;
      expect([...(await triggers.ofMailbox(MAILBOX_ID))]).toEqual(['delete']);
      expect(reads).toBe(2);

      sections = { instantSync: { triggers: ['update'] } };
      triggers.forget('org-1');
      expect([...(await triggers.ofOrg('org-1'))]).toEqual(['update']);

      // A mappings section naming a pair the file's tables do not have: sessions leave the edit out, so triggers do too.
      sections = { instantSync: { triggers: ['update'] }, mappings: { event: { remove: ['no-such-pair'] } } };
      triggers.forget();
      expect([...(await triggers.ofOrg('org-1'))].sort()).toEqual(['create', 'delete', 'update']);

      sections = null;
      triggers.forget();
      expect([...(await triggers.ofOrg('org-1'))].sort()).toEqual(['create', 'delete', 'update']);
      expect(triggers.orgOf(MAILBOX_ID)).toBe('org-1');
    } finally {
      await world.close();
    }
  });
});
