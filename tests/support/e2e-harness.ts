import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startGraphEmulator } from '../../emulators/graph/server.ts';
import type { GraphEventSeed } from '../../emulators/graph/seed-types.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import { createSalesforceEventSource } from '../../src/crm/salesforce/index.ts';
import type { MailboxRecord } from '../../src/domain/accounts.ts';
import type { CrmEventSource, MailboxEventSource, SyncWindow } from '../../src/domain/connector.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import type { SyncStateStore } from '../../src/domain/sync-store.ts';
import { createGraphEventSource } from '../../src/mailbox/graph/index.ts';
import { defaultEventMapping, eventCrmFields, type EventMapping } from '../../src/mapping/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';
import { defaultSyncPolicy, runEventSession, type SyncPolicy } from '../../src/sync/index.ts';

const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' };
const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
export const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';

const ZERO = { created: 0, updated: 0, deleted: 0 };
/** The writes of an event session that found nothing to do, Salesforce's Event object counted too. */
export const NO_EVENT_WRITES = { mailbox: ZERO, crm: ZERO, byObject: { Event: { ...ZERO, mailbox: ZERO, crm: ZERO } } };

/** Path of the real `syncline` executable, for tests that run it as a child process. */
export const SYNCLINE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'syncline.js');

export interface SynclineRunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real `syncline` binary in `cwd` to its exit, with no configuration variables inherited from the caller. */
export function runSyncline(args: readonly string[], cwd: string, logLevel: 'info' | 'warn'): Promise<SynclineRunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_LOG_LEVEL: logLevel };
  delete env.SYNCLINE_CONFIG;
  delete env.SYNCLINE_DATA_DIR;

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SYNCLINE_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface HarnessOptions {
  readonly window: SyncWindow;
  readonly mailboxAddress?: string;
  readonly mailboxTimeZone?: string;
  readonly policy?: Partial<SyncPolicy>;
}

/** Hooks a test uses to break a session on purpose: wrap a side or the store before the session runs. */
export interface SessionOverrides {
  readonly wrapMailbox?: (source: MailboxEventSource) => MailboxEventSource;
  readonly wrapCrm?: (source: CrmEventSource) => CrmEventSource;
  readonly wrapStore?: (store: SyncStateStore) => SyncStateStore;
  readonly policy?: Partial<SyncPolicy>;
  readonly mapping?: EventMapping;
  readonly window?: SyncWindow;
}

/** Both emulators on loopback, a SQLite store in a temp folder, and one mailbox wired to them. */
export class E2eHarness {
  private constructor(
    readonly graphUrl: string,
    readonly salesforceUrl: string,
    readonly store: SynclineStore,
    readonly mailbox: MailboxRecord,
    private readonly options: HarnessOptions,
    private readonly closers: (() => Promise<void>)[],
  ) {}

  static async start(options: HarnessOptions): Promise<E2eHarness> {
    const address = options.mailboxAddress ?? 'alex.morgan@contoso.example.com';
    const timeZone = options.mailboxTimeZone ?? 'Europe/Berlin';
    const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-e2e-'));
    const graph = await startGraphEmulator({
      clients: [GRAPH_CLIENT],
      users: [{ userPrincipalName: address, displayName: 'Alex Morgan', mailboxTimeZone: timeZone }],
    });
    const salesforce = await startSalesforceEmulator({
      clients: [SF_CLIENT],
      users: [{ Username: address, Email: address, Name: 'Alex Morgan', TimeZoneSidKey: timeZone }],
      syncIdField: SYNC_ID_FIELD,
    });
    const store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'syncline.db') }, createSilentLogger());
    const mailbox: MailboxRecord = { id: 'mbx-alex', orgId: 'org-1', kind: 'graph', address, timeZone };
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
    await store.upsertMailbox(mailbox);

    const closers = [
      () => graph.close(),
      () => salesforce.close(),
      () => store.close(),
      async () => rmSync(dataDir, { recursive: true, force: true }),
    ];
    return new E2eHarness(graph.url, salesforce.url, store, mailbox, options, closers);
  }

  /** Fresh connectors each time, as a new worker process would have. */
  createSources(): { mailboxSource: MailboxEventSource; crmSource: CrmEventSource & { recordUrl(id: string): string } } {
    const logger = createSilentLogger();
    const mailboxSource = createGraphEventSource({
      graphBaseUrl: `${this.graphUrl}/v1.0`,
      tokenUrl: `${this.graphUrl}/${TENANT}/oauth2/v2.0/token`,
      clientId: GRAPH_CLIENT.clientId,
      clientSecret: GRAPH_CLIENT.clientSecret,
      userId: this.mailbox.address,
      mailboxTimeZone: this.mailbox.timeZone,
      logger,
    });
    const crmSource = createSalesforceEventSource({
      loginUrl: this.salesforceUrl,
      auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'sf-refresh' },
      apiVersion: '62.0',
      owner: { email: this.mailbox.address },
      syncIdField: SYNC_ID_FIELD,
      fields: eventCrmFields(defaultEventMapping),
      logger,
    });
    return { mailboxSource, crmSource };
  }

  async runSession(overrides: SessionOverrides = {}): Promise<SessionReport> {
    const { mailboxSource, crmSource } = this.createSources();
    const store = overrides.wrapStore ? overrides.wrapStore(this.store) : this.store;
    const report = await runEventSession({
      mailbox: this.mailbox,
      mailboxSource: overrides.wrapMailbox ? overrides.wrapMailbox(mailboxSource) : mailboxSource,
      crmSource: overrides.wrapCrm ? overrides.wrapCrm(crmSource) : crmSource,
      crmRecordUrl: (id) => crmSource.recordUrl(id),
      store,
      mapping: overrides.mapping ?? defaultEventMapping,
      policy: { ...defaultSyncPolicy, ...this.options.policy, ...overrides.policy },
      window: overrides.window ?? this.options.window,
      logger: createSilentLogger(),
    });
    return report;
  }

  async seedMailbox(seeds: readonly GraphEventSeed[]): Promise<string[]> {
    const response = await this.graphAdmin('POST', `/_admin/users/${encodeURIComponent(this.mailbox.address)}/seed`, { events: seeds });
    return (response as { ids: string[] }).ids;
  }

  /** Every event the Graph emulator stores for the mailbox, series masters included. */
  async mailboxEvents(): Promise<GraphEvent[]> {
    const response = await this.graphAdmin('GET', `/_admin/users/${encodeURIComponent(this.mailbox.address)}/events`);
    return Array.isArray(response) ? (response as GraphEvent[]) : ((response as { value: GraphEvent[] }).value ?? []);
  }

  /** Instances as a calendar shows them: no series masters, no cancelled ones. */
  async mailboxInstances(): Promise<GraphEvent[]> {
    return (await this.mailboxEvents()).filter((item) => item.type !== 'seriesMaster' && item.isCancelled !== true);
  }

  /** Live Salesforce Events (the recycle bin excluded). */
  async crmEvents(): Promise<CrmEvent[]> {
    const response = (await this.salesforceAdmin('GET', '/_admin/records/Event')) as CrmEvent[] | { records: CrmEvent[] };
    const records = Array.isArray(response) ? response : response.records;
    return records.filter((record) => record.IsDeleted !== true);
  }

  async insertCrmEvents(records: readonly Record<string, unknown>[]): Promise<string[]> {
    const ownerId = await this.ownerId();
    const response = await this.salesforceAdmin('POST', '/_admin/records', { sobject: 'Event', records: records.map((record) => ({ OwnerId: ownerId, ...record })) });
    return (response as { ids: string[] }).ids;
  }

  async ownerId(): Promise<string> {
    const users = (await this.salesforceAdmin('GET', '/_admin/records/User')) as { Id: string; Email: string }[] | { records: { Id: string; Email: string }[] };
    const list = Array.isArray(users) ? users : users.records;
    const owner = list.find((user) => user.Email === this.mailbox.address);
    if (!owner) {
      throw new Error(`No Salesforce user with email ${this.mailbox.address} in the emulator`);
    }
    return owner.Id;
  }

  graphAdmin(method: string, route: string, body?: unknown): Promise<unknown> {
    return adminRequest(this.graphUrl, method, route, body);
  }

  salesforceAdmin(method: string, route: string, body?: unknown): Promise<unknown> {
    return adminRequest(this.salesforceUrl, method, route, body);
  }

  async close(): Promise<void> {
    for (const close of this.closers) {
      await close();
    }
  }
}

export type GraphEvent = Record<string, unknown> & { id: string; subject: string; type?: string; isCancelled?: boolean };
export type CrmEvent = Record<string, unknown> & { Id: string; Subject: string | null; IsDeleted?: boolean };

/** Send a request to an emulator's `/_admin` API and return the parsed JSON body, or null for an empty body. */
export async function adminRequest(origin: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${origin}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${route} failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  return text === '' ? null : JSON.parse(text);
}
