import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { startGraphEmulator } from '../emulators/graph/server.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailboxSetting, OrgSetting } from '../src/config/resolved-config.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { defaultMappingOf } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { kindSessions } from '../src/scheduler/engine-kinds.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { defaultSyncPolicy, runMailboxSession } from '../src/sync/index.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { adminRequest } from './support/e2e-harness.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';

/**
 * Series mode: series mode on a meeting series in two synced mailboxes of one org, whose copies differ, when the
 * second mailbox's first listing is read in chunks (the default for a listing over 2,000 items).
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
type Name = keyof typeof PEOPLE;
type Row = Record<string, unknown> & { Id: string };

class SeriesWorld {
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

function seriesIcs(organizer: Name | 'partner', attendees: readonly Name[]): string {
  const address = (person: Name | 'partner') => (person === 'partner' ? 'pat.quinn@partner.example' : PEOPLE[person].address);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//EN', 'BEGIN:VEVENT', 'UID:shared-series@syncline.test', 'DTSTAMP:20251201T000000Z',
    'DTSTART;TZID=Europe/Berlin:20260302T100000', 'DTEND;TZID=Europe/Berlin:20260302T110000', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4', 'SUMMARY:Shared weekly',
    `ORGANIZER:mailto:${address(organizer)}`, ...attendees.map((person) => `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${address(person)}`), 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
}

let world: SeriesWorld | undefined;
let previousChunk: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (previousChunk === undefined) {
    delete process.env[FULL_READ_CHUNK_ENV];
  } else {
    process.env[FULL_READ_CHUNK_ENV] = previousChunk;
  }
});


describe('a shared meeting series read in chunks', () => {
  it('shared series across chunks', async () => {
    const chunk = '2';
    world = await SeriesWorld.start();
    // Blair removed the first occurrence from their calendar. Their session runs first and writes the other three.
    const base = seriesIcs('partner', ['alex', 'blair']);
    await world.deliver('blair', base.replace('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20260302T100000'));
    expect((await world.session('blair')).status).toBe('ok');
    expect((await world.records('Event')).filter((row) => row.Subject === 'Shared weekly')).toHaveLength(3);

    // Alex's first listing is larger than one chunk (2 items here, 2,000 by default), so it is read a chunk at a time.
    previousChunk = process.env[FULL_READ_CHUNK_ENV];
    process.env[FULL_READ_CHUNK_ENV] = chunk;
    // One other meeting comes first in Alex's listing, so a chunk ends after the series' first occurrence.
    await world.deliver('alex', base.replace('UID:shared-series@syncline.test', 'UID:kickoff@syncline.test').replace('20260302T100000', '20260301T090000').replace('20260302T110000', '20260301T093000')
      .replace('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\n', '').replace('SUMMARY:Shared weekly', 'SUMMARY:Kickoff'));
    await world.deliver('alex', base);
    const report = await world.session('alex');
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect((await world.session('blair')).status).toBe('ok');
    expect((await world.session('alex')).status).toBe('ok');

    const days = (await world.records('Event')).filter((row) => row.Subject === 'Shared weekly').map((row) => String(row.StartDateTime).slice(0, 10)).sort();
    expect(days).toEqual(['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23']);
  });
});
