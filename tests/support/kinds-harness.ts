import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import { createSalesforceConnection, createSalesforceRecordSource, kindScopes } from '../../src/crm/salesforce/index.ts';
import type { MailboxRecord } from '../../src/domain/accounts.ts';
import type { CalendarEvent } from '../../src/domain/calendar-event.ts';
import type { CrmRecord, ItemSource } from '../../src/domain/connector.ts';
import type { MailboxContact } from '../../src/domain/contact.ts';
import type { ObjectKind } from '../../src/domain/link.ts';
import type { MailboxItem } from '../../src/domain/mailbox-items.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import type { SyncStateStore } from '../../src/domain/sync-store.ts';
import type { MailboxTask } from '../../src/domain/task.ts';
import { crmFieldNeeds, crmFieldsOf, defaultMappingOf, flowsFrom, type MappingTable } from '../../src/mapping/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';
import { defaultSyncPolicy, runMailboxSession, type KindSession, type SyncPolicy } from '../../src/sync/index.ts';
import { MemoryMailbox } from './memory-mailbox.ts';

const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const ADDRESS = 'dana.reyes@contoso.example.com';
const WINDOW = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000Z' };

export type SfRecord = Record<string, unknown> & { Id: string };

interface SessionOptions {
  readonly kinds: readonly ObjectKind[];
  readonly tables?: Partial<Record<ObjectKind, MappingTable>>;
  readonly policy?: Partial<SyncPolicy>;
  readonly hideMailbox?: readonly ObjectKind[];
  /** Wrap each kind's sources and the store, to inject crashes and faults. */
  readonly wrapMailbox?: (source: ItemSource<MailboxItem>) => ItemSource<MailboxItem>;
  readonly wrapCrm?: (source: ItemSource<CrmRecord>) => ItemSource<CrmRecord>;
  readonly wrapStore?: (store: SyncStateStore) => SyncStateStore;
  /** Replace the Salesforce connection's fetch and its waits before a retry. */
  readonly fetch?: typeof globalThis.fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The Salesforce emulator, a SQLite store and a mailbox whose events, tasks and contacts live in memory, for
 * sessions of every kind without a mailbox connector. `tables` replaces a kind's default table.
 */
export class KindsHarness {
  events = new MemoryMailbox<CalendarEvent>();
  tasks = new MemoryMailbox<MailboxTask>();
  contacts = new MemoryMailbox<MailboxContact>();
  readonly mailbox: MailboxRecord = { id: 'mbx-dana', orgId: 'org-1', kind: 'graph', address: ADDRESS, timeZone: 'Europe/Berlin' };

  private constructor(
    readonly salesforceUrl: string,
    readonly store: SynclineStore,
    private readonly closers: (() => Promise<void>)[],
  ) {}

  /** `openStore` replaces the SQLite store in a temporary folder, for a run on another database; it must be empty. */
  static async start(options: { openStore?: () => Promise<SynclineStore> } = {}): Promise<KindsHarness> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-kinds-'));
    const salesforce = await startSalesforceEmulator({
      clients: [SF_CLIENT],
      users: [{ Username: ADDRESS, Email: ADDRESS, Name: 'Dana Reyes', TimeZoneSidKey: 'Europe/Berlin' }],
      syncIdField: SYNC_ID_FIELD,
    });
    const store = options.openStore === undefined ? await openStore({ kind: 'sqlite', path: path.join(dataDir, 'syncline.db') }, createSilentLogger()) : await options.openStore();
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
    const closers = [() => salesforce.close(), () => store.close(), async () => rmSync(dataDir, { recursive: true, force: true })];
    const harness = new KindsHarness(salesforce.url, store, closers);
    await store.upsertMailbox(harness.mailbox);
    return harness;
  }

  /** Empty the Salesforce emulator, the store and the mailbox, for the next run of a model test. */
  async reset(): Promise<void> {
    await this.admin('POST', '/_admin/reset');
    await this.store.truncateAll();
    await this.store.upsertOrg({ id: this.mailbox.orgId, name: 'Contoso' });
    await this.store.upsertMailbox(this.mailbox);
    this.events = new MemoryMailbox<CalendarEvent>();
    this.tasks = new MemoryMailbox<MailboxTask>();
    this.contacts = new MemoryMailbox<MailboxContact>();
  }

  /** Run one session over the given kinds with fresh Salesforce sources, as the engine builds them. */
  async runSession(options: SessionOptions): Promise<SessionReport> {
    const tables = options.kinds.map((kind) => options.tables?.[kind] ?? defaultMappingOf(kind));
    const connection = createSalesforceConnection({
      loginUrl: this.salesforceUrl,
      auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'sf-refresh' },
      apiVersion: '62.0',
      owner: { email: ADDRESS },
      logger: createSilentLogger(),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
    const scopes = kindScopes(tables.map((table) => ({ kind: table.kind, sobject: table.crmObject, windowFields: null })));
    const kinds = tables.map((table): KindSession => {
      const scope = scopes.get(table.kind) ?? { scope: {} };
      const recordSource = createSalesforceRecordSource({
        connection,
        sobject: table.crmObject,
        scope: scope.scope,
        syncIdField: SYNC_ID_FIELD,
        fields: crmFieldsOf(table),
        requirements: crmFieldNeeds(table),
        createsRecords: flowsFrom(table, 'mailbox'),
      });
      const crmSource = options.wrapCrm === undefined ? recordSource : options.wrapCrm(recordSource);
      const mailboxSource = options.wrapMailbox === undefined ? this.mailboxOf(table.kind) : options.wrapMailbox(this.mailboxOf(table.kind));
      const hidden = options.hideMailbox?.includes(table.kind) === true;
      return {
        mapping: table,
        mailboxSource: hidden ? null : mailboxSource,
        crmSource,
        crmRecordUrl: (id) => recordSource.recordUrl(id),
        ...(scope.syncIdPrefix === undefined ? {} : { syncIdPrefix: scope.syncIdPrefix }),
      };
    });
    return runMailboxSession({
      mailbox: this.mailbox,
      kinds,
      store: options.wrapStore === undefined ? this.store : options.wrapStore(this.store),
      policy: { ...defaultSyncPolicy, ...options.policy },
      window: WINDOW,
      logger: createSilentLogger(),
    });
  }

  mailboxOf(kind: ObjectKind): MemoryMailbox<MailboxItem> {
    const sources = { event: this.events, task: this.tasks, contact: this.contacts };
    return sources[kind] as unknown as MemoryMailbox<MailboxItem>;
  }

  /** Live records of an object (the recycle bin left out). */
  async records(sobject: string): Promise<SfRecord[]> {
    const response = (await this.admin('GET', `/_admin/records/${sobject}`)) as SfRecord[] | { records: SfRecord[] };
    return (Array.isArray(response) ? response : response.records).filter((record) => record.IsDeleted !== true);
  }

  async insert(sobject: string, records: readonly Record<string, unknown>[]): Promise<string[]> {
    const ownerId = await this.ownerId();
    const response = await this.admin('POST', '/_admin/records', { sobject, records: records.map((record) => ({ OwnerId: ownerId, ...record })) });
    return (response as { ids: string[] }).ids;
  }

  /** Edit a record through the REST API, as a person in Salesforce would. */
  async edit(sobject: string, id: string, values: Record<string, unknown>): Promise<void> {
    await this.rest('PATCH', `/sobjects/${sobject}/${id}`, values);
  }

  async remove(sobject: string, id: string): Promise<void> {
    await this.rest('DELETE', `/sobjects/${sobject}/${id}`);
  }

  /** Remove the faults a test armed in the Salesforce emulator. */
  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/_admin/faults');
  }

  async ownerId(): Promise<string> {
    const users = (await this.admin('GET', '/_admin/records/User')) as SfRecord[] | { records: SfRecord[] };
    const owner = (Array.isArray(users) ? users : users.records).find((user) => user.Email === ADDRESS);
    if (!owner) {
      throw new Error(`No Salesforce user with email ${ADDRESS} in the emulator`);
    }
    return owner.Id;
  }

  async close(): Promise<void> {
    for (const close of this.closers) {
      await close();
    }
  }

  private async rest(method: string, route: string, body?: unknown): Promise<void> {
    const token = await this.accessToken();
    const response = await fetch(`${this.salesforceUrl}/services/data/v62.0${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`${method} ${route} failed with HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`);
    }
  }

  private async accessToken(): Promise<string> {
    const response = await fetch(`${this.salesforceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SF_CLIENT.clientId, client_secret: SF_CLIENT.clientSecret, refresh_token: 'sf-refresh' }),
    });
    const body = (await response.json()) as { access_token?: string };
    if (body.access_token === undefined) {
      throw new Error(`The Salesforce emulator issued no access token: HTTP ${response.status}`);
    }
    return body.access_token;
  }

  private async admin(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.salesforceUrl}${route}`, {
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
}
