import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importIcs } from '../../emulators/graph/ics-import.ts';
import { startGraphEmulator } from '../../emulators/graph/server.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import type { MailboxSetting, OrgSetting } from '../../src/config/resolved-config.ts';
import type { MailboxRecord } from '../../src/domain/accounts.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import { defaultMappingOf } from '../../src/mapping/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { kindSessions } from '../../src/scheduler/engine-kinds.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';
import { defaultSyncPolicy, runMailboxSession } from '../../src/sync/index.ts';
import { adminRequest } from './e2e-harness.ts';
import { MemoryLinkResolver } from './memory-link-resolver.ts';

/**
 * Two synced Office 365 mailboxes of one org against the Graph and Salesforce emulators, each session built as the
 * engine builds it, for series of meetings that both mailboxes hold.
 */

const WINDOW = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' };
const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' };
const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const PEOPLE = {
  alex: { address: 'alex.morgan@contoso.example.com', name: 'Alex Morgan' },
  blair: { address: 'blair.kim@contoso.example.com', name: 'Blair Kim' },
} as const;
export type Name = keyof typeof PEOPLE;
type Row = Record<string, unknown> & { Id: string };

export class SeriesWorld {
  private readonly closers: (() => Promise<void>)[] = [];
  private graphBase = '';
  graphUrl(): string {
    return this.graphBase;
  }

  private salesforceUrl = '';
  private org!: OrgSetting;
  private resolver = new MemoryLinkResolver();
  store!: SynclineStore;

  static async start(): Promise<SeriesWorld> {
    const world = new SeriesWorld();
    const people = Object.values(PEOPLE);
    const graph = await startGraphEmulator({ clients: [GRAPH_CLIENT], users: people.map((p) => ({ userPrincipalName: p.address, displayName: p.name, mailboxTimeZone: 'Europe/Berlin' })) });
    world.closers.push(() => graph.close());
    const salesforce = await startSalesforceEmulator({
      clients: [SF_CLIENT], users: people.map((p) => ({ Username: p.address, Email: p.address, Name: p.name, TimeZoneSidKey: 'Europe/Berlin' })),
      syncIdField: SYNC_ID_FIELD, features: { recurringEvents2: true },
    });
    world.closers.push(() => salesforce.close());
    world.graphBase = graph.url;
    world.salesforceUrl = salesforce.url;
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-series-shared-'));
    world.closers.push(async () => rmSync(folder, { recursive: true, force: true }));
    world.store = await openStore({ kind: 'sqlite', path: path.join(folder, 'syncline.db') }, createSilentLogger());
    world.closers.push(() => world.store.close());
    const mailboxes = (Object.keys(PEOPLE) as Name[]).map((name): MailboxSetting => ({
      id: `mbx-${name}`, address: PEOPLE[name].address, timeZone: 'Europe/Berlin', salesforceUser: { email: PEOPLE[name].address }, sessionIntervalMinutes: 30, kind: 'graph',
    }));
    world.org = {
      id: 'org-1', name: 'Contoso', policy: {},
      salesforce: {
        loginUrl: world.salesforceUrl, apiVersion: '62.0', syncIdField: SYNC_ID_FIELD, apiBudgetShare: 1, recurringEvents: 'auto',
        auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'sf-refresh' },
      },
      graph: { graphBaseUrl: `${world.graphBase}/v1.0`, tokenUrl: `${world.graphBase}/${TENANT}/oauth2/v2.0/token`, clientId: GRAPH_CLIENT.clientId, clientSecret: GRAPH_CLIENT.clientSecret },
      mailboxes,
    };
    await world.store.upsertOrg({ id: world.org.id, name: world.org.name });
    for (const name of Object.keys(PEOPLE) as Name[]) await world.store.upsertMailbox(world.record(name));
    const users = await world.records('User');
    world.resolver = new MemoryLinkResolver(Object.fromEntries(users.map((user) => [String(user.Email).toLowerCase(), user.Id])));
    return world;
  }

  record(name: Name): MailboxRecord {
    return { id: `mbx-${name}`, orgId: this.org.id, kind: 'graph', address: PEOPLE[name].address, timeZone: 'Europe/Berlin' };
  }

  session(name: Name): Promise<SessionReport> {
    const setting = this.org.mailboxes.find((mailbox) => mailbox.id === `mbx-${name}`)!;
    const kinds = kindSessions({
      org: this.org, setting, tables: [defaultMappingOf('event')], logger: createSilentLogger(), linkResolver: this.resolver, sharedMeetings: this.store, seriesRegistry: this.store,
    });
    return runMailboxSession({ mailbox: this.record(name), kinds, store: this.store, policy: defaultSyncPolicy, window: WINDOW, logger: createSilentLogger() });
  }

  async deliver(name: Name, ics: string): Promise<void> {
    const { seeds } = importIcs(ics, { fileName: 'meeting.ics', horizon: WINDOW, defaultTimeZone: 'UTC' });
    await adminRequest(this.graphBase, 'POST', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/seed`, { events: seeds });
  }

  async mailboxInstances(name: Name): Promise<Row[]> {
    const response = (await adminRequest(this.graphBase, 'GET', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/events`)) as { value: Row[] };
    return response.value.filter((item) => item.type !== 'seriesMaster' && item.isCancelled !== true);
  }

  async records(sobject: string): Promise<Row[]> {
    const response = (await adminRequest(this.salesforceUrl, 'GET', `/_admin/records/${sobject}`)) as Row[] | { records: Row[] };
    return (Array.isArray(response) ? response : response.records).filter((record) => record.IsDeleted !== true);
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close();
  }
}

/** Return a weekly series on Mondays at 10:00 Berlin from 2 March 2026, four times, with its organizer and attendees. */
export function seriesIcs(organizer: Name | 'partner', attendees: readonly Name[]): string {
  const address = (person: Name | 'partner') => (person === 'partner' ? 'pat.quinn@partner.example' : PEOPLE[person].address);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//EN', 'BEGIN:VEVENT', 'UID:shared-series@syncline.test', 'DTSTAMP:20251201T000000Z',
    'DTSTART;TZID=Europe/Berlin:20260302T100000', 'DTEND;TZID=Europe/Berlin:20260302T110000', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4', 'SUMMARY:Shared weekly',
    `ORGANIZER:mailto:${address(organizer)}`, ...attendees.map((person) => `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${address(person)}`), 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
}
