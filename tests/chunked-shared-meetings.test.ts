import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startGraphEmulator } from '../emulators/graph/server.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailboxSetting, OrgSetting } from '../src/config/resolved-config.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import type { SyncWindow } from '../src/domain/connector.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { defaultMappingOf } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { kindSessions } from '../src/scheduler/engine-kinds.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { defaultSyncPolicy, runMailboxSession } from '../src/sync/index.ts';
import { adminRequest } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';

/**
 * Shared meetings (one Salesforce Event for a meeting several synced users hold) when a calendar's first listing is
 * read two items at a time, against the Graph and Salesforce emulators and a SQLite store.
 */
const WINDOW: SyncWindow = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000Z' };
const CHUNK = 2;
const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' };
const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const ORG = 'org-1';

const PEOPLE = {
  alex: { address: 'alex.morgan@contoso.example.com', name: 'Alex Morgan' },
  blair: { address: 'blair.kim@contoso.example.com', name: 'Blair Kim' },
} as const;
type Name = keyof typeof PEOPLE;
type Row = Record<string, unknown> & { Id: string };

/** Two emulators and one org whose two Office 365 mailboxes sync their calendars into one SQLite store. */
class World {
  store!: SynclineStore;
  private readonly closers: (() => Promise<void>)[] = [];
  private resolver = new MemoryLinkResolver();
  private graphUrl = '';
  private salesforceUrl = '';
  private org!: OrgSetting;

  static async start(): Promise<World> {
    const world = new World();
    const people = Object.values(PEOPLE);
    const graph = await startGraphEmulator({ clients: [GRAPH_CLIENT], users: people.map((p) => ({ userPrincipalName: p.address, displayName: p.name, mailboxTimeZone: 'Europe/Berlin' })) });
    world.closers.push(() => graph.close());
    const salesforce = await startSalesforceEmulator({
      clients: [SF_CLIENT],
      users: people.map((p) => ({ Username: p.address, Email: p.address, Name: p.name, TimeZoneSidKey: 'Europe/Berlin' })),
      syncIdField: SYNC_ID_FIELD,
    });
    world.closers.push(() => salesforce.close());
    world.graphUrl = graph.url;
    world.salesforceUrl = salesforce.url;
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-chunked-shared-'));
    world.closers.push(async () => rmSync(folder, { recursive: true, force: true }));
    world.store = await openStore({ kind: 'sqlite', path: path.join(folder, 'syncline.db') }, createSilentLogger());
    world.closers.push(() => world.store.close());

    const mailboxes = (Object.keys(PEOPLE) as Name[]).map((name): MailboxSetting => ({
      id: `mbx-${name}`, address: PEOPLE[name].address, timeZone: 'Europe/Berlin', salesforceUser: { email: PEOPLE[name].address }, sessionIntervalMinutes: 30, kind: 'graph',
    }));
    world.org = {
      id: ORG,
      name: 'Contoso',
      policy: {},
      salesforce: {
        loginUrl: world.salesforceUrl, apiVersion: '62.0', syncIdField: SYNC_ID_FIELD, apiBudgetShare: 1,
        auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'sf-refresh' },
      },
      graph: { graphBaseUrl: `${world.graphUrl}/v1.0`, tokenUrl: `${world.graphUrl}/${TENANT}/oauth2/v2.0/token`, clientId: GRAPH_CLIENT.clientId, clientSecret: GRAPH_CLIENT.clientSecret },
      mailboxes,
    };
    await world.store.upsertOrg({ id: ORG, name: 'Contoso' });
    for (const name of Object.keys(PEOPLE) as Name[]) {
      await world.store.upsertMailbox(world.record(name));
    }
    const users = await world.records('User');
    world.resolver = new MemoryLinkResolver(Object.fromEntries(users.map((user) => [String(user.Email).toLowerCase(), user.Id])));
    return world;
  }

  record(name: Name): MailboxRecord {
    return { id: `mbx-${name}`, orgId: ORG, kind: 'graph', address: PEOPLE[name].address, timeZone: 'Europe/Berlin' };
  }

  /** Run one event session of a mailbox as the engine builds it, on the store as `wrap` returns it. */
  session(name: Name, options: { window?: SyncWindow; wrap?: (store: SynclineStore) => SynclineStore } = {}): Promise<SessionReport> {
    const store = options.wrap?.(this.store) ?? this.store;
    const setting = this.org.mailboxes.find((mailbox) => mailbox.id === `mbx-${name}`)!;
    const kinds = kindSessions({ org: this.org, setting, tables: [defaultMappingOf('event')], logger: createSilentLogger(), linkResolver: this.resolver, sharedMeetings: store });
    return runMailboxSession({ mailbox: this.record(name), kinds, store, policy: defaultSyncPolicy, window: options.window ?? WINDOW, logger: createSilentLogger() });
  }

  async seed(name: Name, seeds: readonly GraphEventSeed[]): Promise<string[]> {
    const response = (await adminRequest(this.graphUrl, 'POST', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/seed`, { events: seeds })) as { ids: string[] };
    return response.ids;
  }

  async touch(name: Name, id: string, body: Record<string, unknown>): Promise<void> {
    await adminRequest(this.graphUrl, 'POST', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/events/${encodeURIComponent(id)}/touch`, body);
  }

  async records(sobject: string): Promise<Row[]> {
    const response = (await adminRequest(this.salesforceUrl, 'GET', `/_admin/records/${sobject}`)) as Row[] | { records: Row[] };
    return (Array.isArray(response) ? response : response.records).filter((record) => record.IsDeleted !== true);
  }

  async userId(name: Name): Promise<string> {
    return (await this.records('User')).find((user) => user.Email === PEOPLE[name].address)!.Id;
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) {
      await close();
    }
  }
}

/** Events of `name`'s calendar alone, on December 1 to `count`, listed before any meeting seeded after them. */
function ownEvents(name: Name, count: number): GraphEventSeed[] {
  const person = PEOPLE[name];
  return Array.from({ length: count }, (_, n) =>
    timedSeed(`${person.name} focus ${n + 1}`, `2026-12-0${n + 1}`, '08:00', '09:00', { organizer: { emailAddress: { name: person.name, address: person.address } } }));
}

/** Alex's meeting with Blair on December 7, in the form of each mailbox's copy. */
function contractTalk(uid: string, blairReply: 'none' | 'accepted'): GraphEventSeed {
  const attendee = (name: Name, response: string) => ({ type: 'required', status: { response, time: '0001-01-01T00:00:00Z' }, emailAddress: { name: PEOPLE[name].name, address: PEOPLE[name].address } });
  return timedSeed('Contract talk', '2026-12-07', '10:00', '11:00', {
    iCalUId: uid,
    organizer: { emailAddress: { name: PEOPLE.alex.name, address: PEOPLE.alex.address } },
    attendees: [attendee('alex', 'organizer'), attendee('blair', blairReply)] as GraphEventSeed['attendees'],
  });
}

/** Return a store whose `commitSession` call number `at` first runs `before`, as another worker's session would. */
function beforeCommit(at: number, before: () => Promise<unknown>): (store: SynclineStore) => SynclineStore {
  let calls = 0;
  return (store) =>
    new Proxy(store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') {
          return value;
        }
        return async (...args: unknown[]) => {
          if (property === 'commitSession') {
            calls += 1;
            if (calls === at) {
              await before();
            }
          }
          return value.apply(target, args);
        };
      },
    });
}

let world: World | undefined;
let previousChunk: string | undefined;
let uidCounter = 0;

beforeEach(() => {
  previousChunk = process.env[FULL_READ_CHUNK_ENV];
  process.env[FULL_READ_CHUNK_ENV] = String(CHUNK);
  uidCounter += 1;
});

afterEach(async () => {
  await world?.close();
  world = undefined;
  if (previousChunk === undefined) {
    delete process.env[FULL_READ_CHUNK_ENV];
  } else {
    process.env[FULL_READ_CHUNK_ENV] = previousChunk;
  }
});

describe('shared meetings in a chunked full read', { timeout: 60_000 }, () => {
  it('attendee waits for the organizer\'s last chunk', async () => {
    world = await World.start();
    const uid = `040000008200E00074C5B7101A82E008-${process.pid}-${uidCounter}`;
    // Four events of Alex's own come first, so Alex's chunked listing reaches the meeting in its third chunk.
    await world.seed('alex', [...ownEvents('alex', 4), contractTalk(uid, 'none')]);
    await world.seed('blair', [contractTalk(uid, 'accepted')]);

    // Blair's copy waits for Alex, the synced organizer, whose session has not run.
    expect((await world.session('blair')).writes.crm.created).toBe(0);

    // Blair's next session runs between Alex's first two chunks, before Alex's listing reaches the meeting.
    let between: SessionReport | undefined;
    const alex = await world.session('alex', { wrap: beforeCommit(2, async () => (between = await world!.session('blair'))) });
    expect(alex.status).toBe('ok');
    expect(between?.status).toBe('ok');
    expect(between?.writes.crm.created).toBe(0);

    const meetings = (await world.records('Event')).filter((event) => event.Subject === 'Contract talk');
    expect(meetings.map((event) => event.OwnerId)).toEqual([await world.userId('alex')]);
    expect(alex.writes.crm.created).toBe(5);
    // Alex's session ran as a whole now: Blair joins Alex's Event and makes none of Blair's own.
    expect((await world.session('blair')).writes.crm.created).toBe(0);
    expect(await world.records('Event')).toHaveLength(5);
  });

  it('forgets a waiting copy that left', async () => {
    world = await World.start();
    const uid = `040000008200E00074C5B7101A82E008-${process.pid}-${uidCounter}`;
    await world.seed('alex', [contractTalk(uid, 'none')]);
    const ids = await world.seed('blair', [...ownEvents('blair', 4), contractTalk(uid, 'accepted')]);
    const blairCopy = ids.at(-1)!;

    // Blair's first listing (five items) is read in chunks; the copy waits for Alex and is read again by id.
    const first = await world.session('blair');
    expect(first.writes.crm.created).toBe(4);
    expect((await world.store.listUnownedMeetingCopies(ORG, 'mbx-blair')).map((copy) => copy.mailboxItemId)).toEqual([blairCopy]);

    // The meeting is cancelled; a moved window makes Blair's next session list the calendar again, in chunks.
    await world.touch('blair', blairCopy, { isCancelled: true });
    const second = await world.session('blair', { window: { ...WINDOW, start: '2026-11-02T00:00:00.000Z' } });
    expect(second.status).toBe('ok');
    expect(second.fullRead.mailbox).toBe(true);
    expect(await world.store.listUnownedMeetingCopies(ORG, 'mbx-blair')).toEqual([]);
  });

  it('notes left-out copies once', async () => {
    world = await World.start();
    const talks = [1, 2, 3].map((n) => `040000008200E00074C5B7101A82E008-${process.pid}-${uidCounter}-${n}`);
    await world.seed('blair', talks.map((uid) => contractTalk(uid, 'accepted')));

    const report = await world.session('blair');
    expect(report.writes.crm.created).toBe(0);
    expect(report.notes.filter((note) => note.includes('another synced mailbox'))).toEqual([
      "3 meetings of another synced mailbox of the org: kept as that mailbox's Event, with this mailbox's owner as its invitee",
    ]);
  });
});
