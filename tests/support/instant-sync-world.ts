import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startGraphEmulator, type RunningGraphEmulator } from '../../emulators/graph/server.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import type { InstantSyncTrigger, SynclineConfig, WatchedResource } from '../../src/config/resolved-config.ts';
import { adminRequest } from './e2e-harness.ts';
import { timedSeed } from './graph-seeds.ts';

export { adminRequest };

const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'instant-app', clientSecret: 'instant-secret' };
const SF_CLIENT = { clientId: 'instant-sf', clientSecret: 'instant-sf-secret', refreshTokens: ['instant-sf-refresh'] };
export const ADDRESS = 'alex.morgan@contoso.example.com';
export const MAILBOX_ID = 'mbx-alex';
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const DAY_MS = 86_400_000;

/** Both emulators on loopback and a configuration of one org with one mailbox pointed at them. */
export class InstantSyncWorld {
  private readonly dispatcher = newDispatcher();

  private constructor(
    readonly graph: RunningGraphEmulator,
    readonly salesforce: RunningSalesforceEmulator,
    private readonly dataDir: string,
  ) {}

  /**
   * The engine's fetch, over a connection pool of its own. NOTE: an emulator's close waits for the kept-alive
   * connections a stopped change stream or subscription client leaves in the pool (fastify's 72 s keep-alive timeout);
   * destroying this pool first lets the emulators close at once.
   */
  readonly fetch: typeof fetch = (input, init) => fetch(input, { ...init, dispatcher: this.dispatcher } as RequestInit);

  static async start(): Promise<InstantSyncWorld> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-instant-'));
    const graph = await startGraphEmulator({ clients: [GRAPH_CLIENT], users: [{ userPrincipalName: ADDRESS, displayName: 'Alex Morgan', mailboxTimeZone: 'Europe/Berlin' }] });
    const salesforce = await startSalesforceEmulator({
      clients: [SF_CLIENT],
      users: [{ Username: ADDRESS, Email: ADDRESS, Name: 'Alex Morgan', TimeZoneSidKey: 'Europe/Berlin' }],
      syncIdField: SYNC_ID_FIELD,
    });
    // Short long polls let a stopping change stream end quickly.
    await adminRequest(salesforce.url, 'PUT', '/_admin/streaming/settings', { longPollTimeoutMs: 1_000 });
    return new InstantSyncWorld(graph, salesforce, dataDir);
  }

  config(triggers?: readonly InstantSyncTrigger[], resources?: readonly WatchedResource[]): SynclineConfig {
    const now = Date.now();
    return {
      dataDir: this.dataDir,
      store: { kind: 'sqlite', path: path.join(this.dataDir, `syncline-${now}-${Math.random().toString(36).slice(2)}.db`) },
      window: { kind: 'fixed', start: new Date(now - 7 * DAY_MS).toISOString(), end: new Date(now + 60 * DAY_MS).toISOString() },
      jitter: 0,
      maxConcurrentSessions: 4,
      instantSync: { coalesceSeconds: 60, ...(triggers === undefined ? {} : { triggers }), ...(resources === undefined ? {} : { resources }) },
      server: { host: '127.0.0.1', port: 0, publicUrl: null },
      orgs: [
        {
          id: 'org-1',
          name: 'Contoso',
          policy: {},
          salesforce: {
            loginUrl: this.salesforce.url,
            apiVersion: '62.0',
            auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'instant-sf-refresh' },
            syncIdField: SYNC_ID_FIELD,
            apiBudgetShare: 1,
          },
          graph: { graphBaseUrl: `${this.graph.url}/v1.0`, tokenUrl: `${this.graph.url}/${TENANT}/oauth2/v2.0/token`, clientId: GRAPH_CLIENT.clientId, clientSecret: GRAPH_CLIENT.clientSecret },
          mailboxes: [{ id: MAILBOX_ID, address: ADDRESS, timeZone: 'Europe/Berlin', salesforceUser: { email: ADDRESS }, sessionIntervalMinutes: 30 }],
        },
      ],
    };
  }

  /** Adds an event to the mailbox behind the engine's back, as Outlook would; returns its id. */
  async createOutlookEvent(subject: string, dayOffset = 2): Promise<string> {
    const day = new Date(Date.now() + dayOffset * DAY_MS).toISOString().slice(0, 10);
    const seed = timedSeed(subject, day, '10:00', '11:00');
    const response = (await adminRequest(this.graph.url, 'POST', `/_admin/users/${encodeURIComponent(ADDRESS)}/seed`, { events: [seed] })) as { ids: string[] };
    return response.ids[0] ?? '';
  }

  async touchOutlookEvent(id: string, subject: string): Promise<void> {
    await adminRequest(this.graph.url, 'POST', `/_admin/users/${encodeURIComponent(ADDRESS)}/events/${encodeURIComponent(id)}/touch`, { changes: { subject } });
  }

  async outlookSubjects(): Promise<string[]> {
    const response = (await adminRequest(this.graph.url, 'GET', `/_admin/users/${encodeURIComponent(ADDRESS)}/events`)) as { value: { subject: string }[] };
    return response.value.map((event) => event.subject);
  }

  async graphSubscriptions(): Promise<{ id: string; resource: string; expirationMs: number; changeTypes: string[] }[]> {
    return ((await adminRequest(this.graph.url, 'GET', '/_admin/subscriptions')) as { value: { id: string; resource: string; expirationMs: number; changeTypes: string[] }[] }).value;
  }

  /** Delivers a message to a mail folder of the mailbox (`inbox`, `sentitems`), as mail arriving or being sent would. */
  async deliverMessage(subject: string, folder: string): Promise<void> {
    const eml = [
      'From: Sam Doe <sam@partner.example.com>',
      `To: Alex Morgan <${ADDRESS}>`,
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@partner.example.com>`,
      'Date: Mon, 04 May 2026 09:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello.',
    ].join('\r\n');
    await adminRequest(this.graph.url, 'POST', `/_admin/users/${encodeURIComponent(ADDRESS)}/messages/seed`, { messages: [{ emlBase64: Buffer.from(eml).toString('base64'), folder }] });
  }

  graphFault(fault: Record<string, unknown>): Promise<unknown> {
    return adminRequest(this.graph.url, 'POST', '/_admin/faults', { faults: [fault] });
  }

  async salesforceSubjects(): Promise<string[]> {
    const response = (await adminRequest(this.salesforce.url, 'GET', '/_admin/records/Event')) as { Subject: string; IsDeleted?: boolean }[] | { records: { Subject: string; IsDeleted?: boolean }[] };
    const records = Array.isArray(response) ? response : response.records;
    return records.filter((record) => record.IsDeleted !== true).map((record) => record.Subject);
  }

  /** Creates an Event the way a Salesforce user's app would: a REST call without Syncline's client name. */
  async createSalesforceEvent(subject: string): Promise<string> {
    const users = (await adminRequest(this.salesforce.url, 'GET', '/_admin/records/User')) as { Id: string; Email: string }[] | { records: { Id: string; Email: string }[] };
    const owner = (Array.isArray(users) ? users : users.records).find((user) => user.Email === ADDRESS);
    const token = (await (await fetch(`${this.salesforce.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SF_CLIENT.clientId, client_secret: SF_CLIENT.clientSecret, refresh_token: 'instant-sf-refresh' }),
    })).json()) as { access_token: string; instance_url: string };
    const start = new Date(Date.now() + 3 * DAY_MS);
    start.setUTCHours(13, 0, 0, 0);
    const response = await fetch(`${token.instance_url}/services/data/v62.0/sobjects/Event`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Subject: subject, OwnerId: owner?.Id, StartDateTime: start.toISOString(), EndDateTime: new Date(start.getTime() + 3_600_000).toISOString() }),
    });
    if (!response.ok) {
      throw new Error(`Salesforce create failed with ${response.status}: ${await response.text()}`);
    }
    return ((await response.json()) as { id: string }).id;
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
    await this.graph.close();
    await this.salesforce.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

interface Dispatcher {
  destroy(): Promise<void>;
}

/**
 * A new pool of the kind Node's fetch uses (undici's Agent), reached through the global one so the tests need no
 * undici import. The global pool exists once a fetch went out, which `start` makes before it builds the world.
 */
function newDispatcher(): Dispatcher {
  const current = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')] as { constructor: new () => Dispatcher } | undefined;
  if (current === undefined) {
    throw new Error("Node's fetch has no global dispatcher yet; make one request before building the world");
  }
  return new current.constructor();
}

export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}
