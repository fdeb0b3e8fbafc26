import { createServer } from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailboxSetting, OrgSetting, SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionTrigger } from '../src/domain/mailbox-state.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { startInstantSync, type InstantSync } from '../src/scheduler/instant-sync.ts';
import { GOOGLE_CALENDAR_WEBHOOK_PATH, GOOGLE_GMAIL_WEBHOOK_PATH } from '../src/server/webhooks/google-push.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { EwsWorld, SERVICE_ACCOUNT } from './support/ews-world.ts';
import { GoogleWorld, SERVICE_ACCOUNT_EMAIL } from './support/google-world.ts';
import { adminRequest, waitFor } from './support/instant-sync-world.ts';
import { missingServers, startDovecot, type RunningServer } from './support/mail-servers.ts';
import { event as plannerEvent } from './support/planner-fixtures.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/**
 * `syncline start`'s instant sync for mailboxes that are not reached over Graph: an EWS streaming subscription, an
 * IMAP IDLE connection to a real Dovecot, and Google push through the engine's own webhooks. Each test changes the
 * mailbox the way another client would and expects a session request for that mailbox within seconds.
 */

const MAILBOX_ID = 'mbx-watched';
const PUSH_TOKEN = 'gmail-push-secret-0123456789';
const TOPIC = 'projects/syncline-test/topics/gmail-push';
const SF_CLIENT = { clientId: 'watch-sf', clientSecret: 'watch-sf-secret', refreshTokens: ['watch-sf-refresh'] };

interface Request {
  readonly mailboxId: string;
  readonly trigger: SessionTrigger;
}

let store: SynclineStore;
let salesforce: RunningSalesforceEmulator;
let instant: InstantSync | null = null;
const requests: Request[] = [];

/* Fetch for the engine, over a connection pool of its own (undici's Agent, reached through Node's global pool): an
 * emulator's close waits for kept-alive connections, and destroying this pool first lets it close at once.
 */
const pool = (() => {
  const global = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')] as { constructor: new () => { destroy(): Promise<void> } } | undefined;
  return global === undefined ? null : new global.constructor();
})();
const engineFetch: typeof fetch = (input, init) => fetch(input, { ...init, ...(pool === null ? {} : { dispatcher: pool }) } as RequestInit);

beforeAll(async () => {
  store = await openStore({ kind: 'sqlite', path: ':memory:' }, createSilentLogger());
  salesforce = await startSalesforceEmulator({ clients: [SF_CLIENT], users: [{ Username: 'owner@example.com', Email: 'owner@example.com', Name: 'Owner', TimeZoneSidKey: 'Europe/Berlin' }], syncIdField: 'Syncline_Sync_Id__c' });
  // Short long polls let a stopping change stream end quickly.
  await adminRequest(salesforce.url, 'PUT', '/_admin/streaming/settings', { longPollTimeoutMs: 1_000 });
});

afterAll(async () => {
  await store.close();
  await pool?.destroy();
  await salesforce.close();
});

afterEach(async () => {
  await instant?.stop();
  instant = null;
  requests.length = 0;
});

/** Build a configuration of one org with one mailbox, and the Salesforce emulator for the org's change stream. */
function config(mailbox: Partial<MailboxSetting> & Pick<MailboxSetting, 'kind' | 'address'>, org: Partial<OrgSetting> = {}, port = 0): SynclineConfig {
  return {
    dataDir: '/nonexistent',
    store: { kind: 'sqlite', path: ':memory:' },
    window: { kind: 'relative', pastDays: 7, futureDays: 60 },
    jitter: 0,
    maxConcurrentSessions: 2,
    instantSync: { coalesceSeconds: 60 },
    server: { host: '127.0.0.1', port, publicUrl: null },
    orgs: [
      {
        id: 'org-1',
        name: 'Contoso',
        policy: {},
        salesforce: {
          loginUrl: salesforce.url,
          apiVersion: '62.0',
          auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'watch-sf-refresh' },
          syncIdField: 'Syncline_Sync_Id__c',
          apiBudgetShare: 1,
        },
        graph: { graphBaseUrl: 'http://127.0.0.1:9/v1.0', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'unused', clientSecret: 'unused' },
        ...org,
        mailboxes: [{ id: MAILBOX_ID, timeZone: 'Europe/Berlin', salesforceUser: { email: mailbox.address }, sessionIntervalMinutes: 30, ...mailbox }],
      },
    ],
  };
}

async function start(configuration: SynclineConfig, extra: { ewsConnectionTimeoutMinutes?: number; watchCheckMs?: number; triggersMaxAgeMs?: number } = {}): Promise<InstantSync> {
  instant = await startInstantSync({
    config: configuration,
    store,
    scheduler: { requestSession: (mailboxId, trigger) => requests.push({ mailboxId, trigger }) },
    logger: createSilentLogger(),
    fetch: engineFetch,
    streamBackoff: { baseMs: 10, maxMs: 50 },
    watchRetryDelaysMs: [200],
    ...extra,
  });
  await instant.ready;
  return instant;
}

/** Stop instant sync and return how long it took: `syncline start` must exit within 10 s of SIGTERM, instant sync included. */
async function timedStop(): Promise<number> {
  const started = Date.now();
  await instant?.stop();
  instant = null;
  return Date.now() - started;
}

describe('EWS streaming subscription', () => {
  const world = new EwsWorld();
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  it('item change requests a session', async () => {
    const mailbox = await world.newMailbox();
    await start(
      config({ kind: 'ews', address: mailbox.address }, { ews: { url: world.ewsUrl, auth: { kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password }, maxConcurrency: 3 } }),
      { ewsConnectionTimeoutMinutes: 1 },
    );
    expect(requests).toEqual([]);

    const start1 = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const item = plannerEvent({ subject: 'Pricing call', span: { kind: 'timed', start: start1, end: new Date(Date.parse(start1) + 1_800_000).toISOString(), timeZone: 'Europe/Berlin' }, location: null, body: null });
    const [written] = await mailbox.connector.events.applyWrites([{ op: 'create', ref: 'c', syncId: 'watch-1', item }]);
    expect(written?.ok).toBe(true);

    const elapsed = await waitFor(() => requests.length > 0, 5_000, 'a session request after the EWS change');
    expect(elapsed).toBeLessThan(5_000);
    expect(requests[0]).toEqual({ mailboxId: MAILBOX_ID, trigger: 'notification' });

    // The emulator closes a stream after 200 ms per ConnectionTimeout minute; the subscription reconnects and still reports.
    await new Promise((resolve) => setTimeout(resolve, 500));
    requests.length = 0;
    await mailbox.connector.events.applyWrites([{ op: 'create', ref: 'd', syncId: 'watch-2', item: { ...item, subject: 'Second call' } }]);
    await waitFor(() => requests.length > 0, 5_000, 'a session request on the reopened stream');

    expect(await timedStop()).toBeLessThan(3_000);
  });

  it('opens when saved triggers appear', async () => {
    const mailbox = await world.newMailbox();
    const configuration = config({ kind: 'ews', address: mailbox.address }, { ews: { url: world.ewsUrl, auth: { kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password }, maxConcurrency: 3 } });
    // The file turns instant sync off, so no stream is opened at start.
    await start({ ...configuration, instantSync: { coalesceSeconds: 60, triggers: [] } }, { ewsConnectionTimeoutMinutes: 1, watchCheckMs: 200, triggersMaxAgeMs: 0 });
    const start1 = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const item = plannerEvent({ subject: 'Before the save', span: { kind: 'timed', start: start1, end: new Date(Date.parse(start1) + 1_800_000).toISOString(), timeZone: 'Europe/Berlin' }, location: null, body: null });
    await mailbox.connector.events.applyWrites([{ op: 'create', ref: 'a', syncId: 'late-1', item }]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(requests).toEqual([]);

    // An admin saves triggers in the console of another process that shares the store.
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
    await store.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: { instantSync: { triggers: ['create', 'update', 'delete'] } }, changedBy: 'admin@contoso.example.com', changedAt: new Date().toISOString() });
    try {
      let sent = 0;
      await waitFor(
        async () => {
          if (requests.length === 0) {
            sent += 1;
            await mailbox.connector.events.applyWrites([{ op: 'create', ref: `b${sent}`, syncId: `late-after-${sent}`, item: { ...item, subject: `After the save ${sent}` } }]);
            await new Promise((resolve) => setTimeout(resolve, 300));
          }
          return requests.length > 0;
        },
        10_000,
        'a session request once the saved triggers opened the stream',
      );
      expect(requests[0]).toEqual({ mailboxId: MAILBOX_ID, trigger: 'notification' });
      expect(await timedStop()).toBeLessThan(3_000);
    } finally {
      await store.saveSettingsEdit({ orgId: 'org-1', mailboxId: null, sections: {}, changedBy: 'admin@contoso.example.com', changedAt: new Date().toISOString() });
    }
  }, 30_000);
});

describe.skipIf(missingServers() !== null)('IMAP IDLE on Dovecot', () => {
  const user = { name: 'watcher', password: 'watcher-secret-pw' };
  let dovecot: RunningServer;
  beforeAll(async () => {
    dovecot = await startDovecot([user]);
  });
  afterAll(() => dovecot.stop());

  const imapCaldav = () => ({
    imap: { host: dovecot.host, port: dovecot.port, secure: false, username: user.name, password: user.password },
    dav: { serverUrl: 'http://127.0.0.1:9/', username: user.name, password: user.password },
    salesforceKeyword: '$Salesforce',
    changeDetection: 'auto' as const,
  });

  async function appendMessage(subject: string): Promise<void> {
    const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false });
    await client.connect();
    try {
      const eml = `From: Sam Doe <sam@partner.example.com>\r\nTo: ${user.name}@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@partner.example.com>\r\n\r\nHello.\r\n`;
      await client.append('INBOX', eml);
    } finally {
      await client.logout();
    }
  }

  it('new INBOX message requests a session', async () => {
    await start(config({ kind: 'imap-caldav', address: `${user.name}@example.com`, imapCaldav: imapCaldav() }));
    expect(requests).toEqual([]);

    await appendMessage('Renewal quote');
    const elapsed = await waitFor(() => requests.length > 0, 5_000, 'a session request after the IMAP append');
    expect(elapsed).toBeLessThan(5_000);
    expect(requests[0]).toEqual({ mailboxId: MAILBOX_ID, trigger: 'notification' });

    expect(await timedStop()).toBeLessThan(3_000);
  });

  it('reconnects after a dropped connection', async () => {
    const proxy = new TcpProxy(dovecot.port);
    const port = await proxy.start();
    try {
      await start(config({ kind: 'imap-caldav', address: `${user.name}@example.com`, imapCaldav: { ...imapCaldav(), imap: { ...imapCaldav().imap, port } } }));
      proxy.dropWhenServerSends(/EXISTS/);
      await appendMessage('Cut off');
      await waitFor(() => proxy.drops === 1, 5_000, 'the IDLE connection to be cut');

      // The watch reconnects after a second; a message that arrives once it idles again requests a session.
      requests.length = 0;
      let sent = 0;
      await waitFor(
        async () => {
          if (requests.length === 0) {
            sent += 1;
            await appendMessage(`After the drop ${sent}`);
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          return requests.length > 0;
        },
        15_000,
        'a session request after the reconnect',
      );
      expect(requests[0]).toEqual({ mailboxId: MAILBOX_ID, trigger: 'notification' });
    } finally {
      await instant?.stop();
      instant = null;
      await proxy.stop();
    }
  }, 30_000);

  it('delete-only triggers skip new mail', async () => {
    const configuration = config({ kind: 'imap-caldav', address: `${user.name}@example.com`, imapCaldav: imapCaldav() });
    await start({ ...configuration, instantSync: { coalesceSeconds: 60, triggers: ['delete'] } });

    await appendMessage('Ignored note');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(requests).toEqual([]);
  });
});

describe('Google push through the engine webhooks', () => {
  const world = new GoogleWorld();
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  async function startFor(email: string): Promise<InstantSync> {
    const google: OrgSetting['google'] = {
      auth: { kind: 'serviceAccount', clientEmail: SERVICE_ACCOUNT_EMAIL, privateKey: world.privateKey },
      tokenUrl: world.emulator.tokenUrl,
      apiBaseUrl: world.emulator.url,
      peopleBaseUrl: world.emulator.url,
      sendUpdates: 'none',
      pubsubTopic: TOPIC,
      pushToken: PUSH_TOKEN,
    };
    // Gmail's watch needs the topic and its push subscription in place, so the server's port is chosen first.
    const port = await freePort();
    await world.admin('POST', '/_admin/pubsub', { topicName: TOPIC, pushEndpoint: `http://127.0.0.1:${port}${GOOGLE_GMAIL_WEBHOOK_PATH}?token=${PUSH_TOKEN}` });
    return start(config({ kind: 'google', address: email }, { google }, port));
  }

  async function channelIdOf(email: string): Promise<string> {
    const state = await world.admin<{ calendar: { channels: { id: string }[] } }>('GET', `/_admin/users/${email}/state`);
    const id = state.calendar.channels[0]?.id;
    if (id === undefined) {
      throw new Error(`no Calendar channel is open for ${email}`);
    }
    return id;
  }

  it('calendar and mail pushes request sessions', async () => {
    const user = await world.newUser();
    await startFor(user.email);
    await world.admin('GET', '/_admin/push');
    expect(requests).toEqual([]);

    await world.api(user, 'POST', '/calendar/v3/calendars/primary/events', { summary: 'Kick-off', start: { dateTime: '2026-05-04T10:00:00Z' }, end: { dateTime: '2026-05-04T11:00:00Z' } });
    const elapsed = await waitFor(() => requests.length > 0, 5_000, 'a session request after the Calendar change');
    expect(elapsed).toBeLessThan(5_000);
    expect(requests[0]).toEqual({ mailboxId: MAILBOX_ID, trigger: 'notification' });

    requests.length = 0;
    const eml = Buffer.from('From: ana@customer.example\r\nTo: someone@example.com\r\nSubject: Renewal\r\nMessage-ID: <renewal-w1@customer.example>\r\n\r\nHello\r\n');
    await world.admin('POST', `/_admin/users/${user.email}/gmail/seed-eml`, { emlBase64: eml.toString('base64'), labelIds: ['INBOX'] });
    await waitFor(() => requests.length > 0, 5_000, 'a session request after the Gmail push');

    // Every delivery to the engine was acknowledged: the channel's sync message and change with 200, the push with 204.
    const { deliveries } = await world.admin<{ deliveries: { kind: string; url: string; status: number | null }[] }>('GET', '/_admin/push');
    const ours = deliveries.filter((entry) => entry.url.startsWith(instant?.url ?? '-'));
    expect(ours.filter((entry) => entry.kind === 'calendar').map((entry) => entry.status)).toEqual([200, 200]);
    expect(ours.filter((entry) => entry.kind === 'gmail').map((entry) => entry.status)).toEqual([204]);

    // Stopping closes the channel and the Gmail watch at Google.
    expect(await timedStop()).toBeLessThan(3_000);
    const stopped = await world.admin<{ calendar: { channels: unknown[] }; gmail: { watch: unknown } }>('GET', `/_admin/users/${user.email}/state`);
    expect(stopped.calendar.channels).toEqual([]);
    expect(stopped.gmail.watch).toBeNull();
  });

  it('wrong tokens are rejected with 403', async () => {
    const user = await world.newUser();
    const running = await startFor(user.email);
    const channelId = await channelIdOf(user.email);
    const calendar = (token: string) =>
      fetch(`${running.url}${GOOGLE_CALENDAR_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; utf-8', 'content-length': '0', 'x-goog-channel-id': channelId, 'x-goog-channel-token': token, 'x-goog-resource-state': 'exists' },
      });

    expect((await calendar('guessed-token')).status).toBe(403);
    const forged = { message: { data: Buffer.from(JSON.stringify({ emailAddress: user.email, historyId: '7' })).toString('base64'), messageId: 'm1' } };
    const gmail = await fetch(`${running.url}${GOOGLE_GMAIL_WEBHOOK_PATH}?token=wrong-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged) });
    expect(gmail.status).toBe(403);
    const malformed = await fetch(`${running.url}${GOOGLE_CALENDAR_WEBHOOK_PATH}`, { method: 'POST' });
    expect(malformed.status).toBe(400);
    expect(requests).toEqual([]);

    // The same Gmail message with the right token is accepted and requests a session.
    const accepted = await fetch(`${running.url}${GOOGLE_GMAIL_WEBHOOK_PATH}?token=${PUSH_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged) });
    expect(accepted.status).toBe(204);
    expect(requests).toEqual([{ mailboxId: MAILBOX_ID, trigger: 'notification' }]);
  });
});

/** Return a free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
