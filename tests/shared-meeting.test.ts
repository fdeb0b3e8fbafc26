import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { startGraphEmulator } from '../emulators/graph/server.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailboxSetting, OrgSetting } from '../src/config/resolved-config.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { defaultMappingOf, resolveTable } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { kindSessions } from '../src/scheduler/engine-kinds.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { defaultSyncPolicy, planMailboxSession, runMailboxSession } from '../src/sync/index.ts';
import type { SyncPolicy } from '../src/sync/policy.ts';
import { meetingKeyOf } from '../src/sync/shared-meetings.ts';
import { adminRequest } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';
import { postgresSchemaTarget, type StoreTarget } from './support/store-targets.ts';

const WINDOW = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000Z' };
const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' };
const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const NO_RESPONSE = '0001-01-01T00:00:00Z';
const PARTNER = 'pat.quinn@partner.example';

const PEOPLE = {
  alex: { address: 'alex.morgan@contoso.example.com', name: 'Alex Morgan' },
  blair: { address: 'blair.kim@contoso.example.com', name: 'Blair Kim' },
  casey: { address: 'casey.ng@contoso.example.com', name: 'Casey Ng' },
} as const;
type Name = keyof typeof PEOPLE;
type Reply = 'accepted' | 'declined' | 'none' | 'organizer' | 'tentativelyAccepted';
type Row = Record<string, unknown> & { Id: string };

/** Two emulators, one org whose three Office 365 mailboxes all sync their calendars, and stores as given. */
class MeetingWorld {
  readonly stores: SynclineStore[] = [];
  private resolver = new MemoryLinkResolver();
  private readonly closers: (() => Promise<void>)[] = [];
  private graphUrl = '';
  private salesforceUrl = '';
  private org!: OrgSetting;

  /** `target` null: one SQLite store in a temporary folder; else `stores` stores opened on that target in turn. */
  static async start(target: StoreTarget | null = null, stores = 1): Promise<MeetingWorld> {
    const world = new MeetingWorld();
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

    if (target === null) {
      const folder = mkdtempSync(path.join(tmpdir(), 'syncline-shared-'));
      world.closers.push(async () => rmSync(folder, { recursive: true, force: true }));
      world.stores.push(await openStore({ kind: 'sqlite', path: path.join(folder, 'syncline.db') }, createSilentLogger()));
    } else {
      world.closers.push(() => target.dispose());
      for (let index = 0; index < stores; index += 1) {
        // Opened one after the other, so only the first one migrates the fresh schema.
        world.stores.push(await target.open());
      }
    }
    world.stores.forEach((store) => world.closers.push(() => store.close()));
    await world.setUp();
    return world;
  }

  private async setUp(): Promise<void> {
    const mailboxes = (Object.keys(PEOPLE) as Name[]).map((name): MailboxSetting => ({
      id: `mbx-${name}`, address: PEOPLE[name].address, timeZone: 'Europe/Berlin', salesforceUser: { email: PEOPLE[name].address }, sessionIntervalMinutes: 30, kind: 'graph',
    }));
    this.org = {
      id: 'org-1',
      name: 'Contoso',
      policy: {},
      salesforce: {
        loginUrl: this.salesforceUrl, apiVersion: '62.0', syncIdField: SYNC_ID_FIELD, apiBudgetShare: 1,
        auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'sf-refresh' },
      },
      graph: { graphBaseUrl: `${this.graphUrl}/v1.0`, tokenUrl: `${this.graphUrl}/${TENANT}/oauth2/v2.0/token`, clientId: GRAPH_CLIENT.clientId, clientSecret: GRAPH_CLIENT.clientSecret },
      mailboxes,
    };
    const store = this.stores[0]!;
    await store.upsertOrg({ id: this.org.id, name: this.org.name });
    for (const name of Object.keys(PEOPLE) as Name[]) {
      await store.upsertMailbox(this.record(name));
    }
    // The linking engine resolves each synced user to their Salesforce User, as the real one does.
    const users = await this.records('User');
    this.resolver = new MemoryLinkResolver(Object.fromEntries(users.map((user) => [String(user.Email).toLowerCase(), user.Id])));
  }

  /** Keep a mailbox's calendar as Salesforce Tasks, as its configuration would. */
  keepCalendarAsTasks(name: Name): void {
    const resolved = resolveTable('event', {
      crmObject: 'Task',
      direction: 'mailboxToCrm',
      pairs: [
        { key: 'subject', mailboxField: 'subject', crmField: 'Subject', transform: { type: 'text', maxLength: 255 } },
        { key: 'span', mailboxField: 'span', crmField: 'ActivityDate', transform: 'spanDate' },
      ],
    }, 'orgs[0].mappings.event');
    expect(resolved.problems).toEqual([]);
    const mappings = { event: resolved.table, task: defaultMappingOf('task'), contact: defaultMappingOf('contact') };
    this.org = { ...this.org, mailboxes: this.org.mailboxes.map((mailbox) => (mailbox.id === `mbx-${name}` ? { ...mailbox, mappings } : mailbox)) };
  }

  record(name: Name): MailboxRecord {
    return { id: `mbx-${name}`, orgId: this.org.id, kind: 'graph', address: PEOPLE[name].address, timeZone: 'Europe/Berlin' };
  }

  /** Run one event session of a mailbox as the engine builds it: linking engine, invitees and shared meetings. */
  session(name: Name, store: SynclineStore = this.stores[0]!, extra: { policy?: Partial<SyncPolicy>; noShared?: boolean } = {}): Promise<SessionReport> {
    const options = this.sessionOptions(name, store, extra.noShared === true);
    return runMailboxSession({ ...options, policy: { ...defaultSyncPolicy, ...extra.policy } });
  }

  plan(name: Name) {
    return planMailboxSession(this.sessionOptions(name, this.stores[0]!));
  }

  /** `noShared`: the engine as it ran before meetings had owners. */
  private sessionOptions(name: Name, store: SynclineStore, noShared = false) {
    const setting = this.org.mailboxes.find((mailbox) => mailbox.id === `mbx-${name}`)!;
    const kinds = kindSessions({
      org: this.org, setting, tables: [defaultMappingOf('event')], logger: createSilentLogger(), linkResolver: this.resolver, ...(noShared ? {} : { sharedMeetings: store }),
    });
    return { mailbox: this.record(name), kinds, store, policy: defaultSyncPolicy, window: WINDOW, logger: createSilentLogger() };
  }

  /** Put a copy of one meeting into a mailbox, as Exchange delivers it: same UID, the mailbox's own responses. */
  async deliver(name: Name, meeting: Meeting, replies: Partial<Record<Name | 'partner', Reply>>): Promise<string> {
    const organizer = meeting.organizer === 'partner' ? { address: PARTNER, name: 'Pat Quinn' } : PEOPLE[meeting.organizer];
    const attendee = (who: Name | 'partner') => {
      const person = who === 'partner' ? { address: PARTNER, name: 'Pat Quinn' } : PEOPLE[who];
      const response = who === meeting.organizer ? 'organizer' : (replies[who] ?? 'none');
      return { type: 'required', status: { response, time: NO_RESPONSE }, emailAddress: { name: person.name, address: person.address } };
    };
    const seed: GraphEventSeed = timedSeed(meeting.subject, '2026-12-07', '10:00', '11:00', {
      iCalUId: meeting.uid,
      organizer: { emailAddress: { name: organizer.name, address: organizer.address } },
      attendees: meeting.people.map(attendee) as GraphEventSeed['attendees'],
    });
    const response = (await adminRequest(this.graphUrl, 'POST', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/seed`, { events: [seed] })) as { ids: string[] };
    return response.ids[0]!;
  }

  async touch(name: Name, id: string, body: Record<string, unknown>): Promise<void> {
    await adminRequest(this.graphUrl, 'POST', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/events/${encodeURIComponent(id)}/touch`, body);
  }

  async mailboxEvents(name: Name): Promise<Row[]> {
    const response = (await adminRequest(this.graphUrl, 'GET', `/_admin/users/${encodeURIComponent(PEOPLE[name].address)}/events`)) as { value: Row[] };
    return response.value;
  }

  /** Live records of an object, the recycle bin left out. */
  async records(sobject: string): Promise<Row[]> {
    const response = (await adminRequest(this.salesforceUrl, 'GET', `/_admin/records/${sobject}`)) as Row[] | { records: Row[] };
    return (Array.isArray(response) ? response : response.records).filter((record) => record.IsDeleted !== true);
  }

  async userId(name: Name): Promise<string> {
    return (await this.records('User')).find((user) => user.Email === PEOPLE[name].address)!.Id;
  }

  /** Return the status of a person's invitee relation on an Event, or null when they are no invitee. */
  async statusOf(eventId: string, name: Name): Promise<unknown> {
    const userId = await this.userId(name);
    const relations = (await this.records('EventRelation')).filter((relation) => relation.EventId === eventId && relation.RelationId === userId);
    expect(relations.length).toBeLessThanOrEqual(1);
    return relations[0]?.Status ?? null;
  }

  /** Edit a record through the REST API, as a person in Salesforce would. */
  async editInSalesforce(sobject: string, id: string, values: Record<string, unknown>): Promise<void> {
    const token = (await (await fetch(`${this.salesforceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SF_CLIENT.clientId, client_secret: SF_CLIENT.clientSecret, refresh_token: 'sf-refresh' }),
    })).json()) as { access_token: string };
    const response = await fetch(`${this.salesforceUrl}/services/data/v62.0/sobjects/${sobject}/${id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(values),
    });
    expect(response.ok).toBe(true);
  }

  async linkCount(name: Name, store: SynclineStore = this.stores[0]!): Promise<number> {
    return (await store.loadSyncState(`mbx-${name}`, 'event')).links.length;
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) {
      await close();
    }
  }
}

interface Meeting {
  readonly subject: string;
  readonly uid: string;
  readonly organizer: Name | 'partner';
  readonly people: readonly (Name | 'partner')[];
}

let world: MeetingWorld | undefined;
let uidCounter = 0;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

function meeting(subject: string, organizer: Name | 'partner', people: readonly (Name | 'partner')[]): Meeting {
  uidCounter += 1;
  return { subject, uid: `040000008200E00074C5B7101A82E008-${process.pid}-${uidCounter}`, organizer, people };
}

describe('shared meeting copies', () => {
  it('organizer first: attendee joins Event', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Pricing review', 'alex', ['alex', 'blair', 'partner']);
    const alexCopy = await world.deliver('alex', review, { partner: 'accepted' });
    await world.deliver('blair', review, { blair: 'accepted' });

    expect((await world.session('alex')).writes.crm.created).toBe(1);
    const blair = await world.session('blair');
    expect(blair.status).toBe('ok');
    expect(blair.writes.crm.created).toBe(0);
    expect(blair.notes.join(' ')).toContain('another synced mailbox');

    const events = await world.records('Event');
    expect(events.map((event) => [event.Subject, event.OwnerId])).toEqual([['Pricing review', await world.userId('alex')]]);
    // Blair's own copy shows accepted, the organizer's copy not yet. Blair's copy sets Blair's status.
    expect(await world.statusOf(events[0]!.Id, 'blair')).toBe('Accepted');
    expect(await world.linkCount('blair')).toBe(0);

    // The organizer's next edit rewrites the invitees from the organizer's copy, and keeps Blair's response.
    await world.touch('alex', alexCopy, { changes: { subject: 'Pricing review (moved room)' } });
    expect((await world.session('alex')).writes.crm.updated).toBe(1);
    expect(await world.statusOf(events[0]!.Id, 'blair')).toBe('Accepted');
    expect((await world.session('blair')).writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await world.records('Event')).toHaveLength(1);
  });

  it('attendee first: waits for organizer', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Contract talk', 'alex', ['alex', 'blair']);
    await world.deliver('alex', review, {});
    const blairCopy = await world.deliver('blair', review, { blair: 'tentativelyAccepted' });

    const early = await world.session('blair');
    expect(early.writes.crm.created).toBe(0);
    expect(await world.records('Event')).toHaveLength(0);

    expect((await world.session('alex')).writes.crm.created).toBe(1);
    const [event] = await world.records('Event');
    expect(event?.OwnerId).toBe(await world.userId('alex'));
    // Blair's response, kept from Blair's earlier session, reaches the Event with the organizer's invitees.
    expect(await world.statusOf(event!.Id, 'blair')).toBe('Maybe');

    // Blair declines in Blair's own copy: only Blair's relation changes.
    await world.touch('blair', blairCopy, { changes: { attendees: [
      { type: 'required', status: { response: 'organizer', time: NO_RESPONSE }, emailAddress: { name: PEOPLE.alex.name, address: PEOPLE.alex.address } },
      { type: 'required', status: { response: 'declined', time: NO_RESPONSE }, emailAddress: { name: PEOPLE.blair.name, address: PEOPLE.blair.address } },
    ] } });
    const declined = await world.session('blair');
    expect(declined.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await world.statusOf(event!.Id, 'blair')).toBe('Declined');
    expect((await world.records('Event')).map((record) => record.Subject)).toEqual(['Contract talk']);
  });

  it('outside organizer: first attendee owns', async () => {
    world = await MeetingWorld.start();
    const demo = meeting('Partner demo', 'partner', ['partner', 'blair', 'casey']);
    await world.deliver('blair', demo, { blair: 'accepted' });
    await world.deliver('casey', demo, { casey: 'declined' });

    expect((await world.session('blair')).writes.crm.created).toBe(1);
    expect((await world.session('casey')).writes.crm.created).toBe(0);
    const [event, ...others] = await world.records('Event');
    expect(others).toEqual([]);
    expect(event?.OwnerId).toBe(await world.userId('blair'));
    expect(await world.statusOf(event!.Id, 'casey')).toBe('Declined');
    expect(await world.statusOf(event!.Id, 'blair')).toBeNull();
    expect([await world.linkCount('blair'), await world.linkCount('casey')]).toEqual([1, 0]);
  });

  it('reused UID: separate Event', async () => {
    world = await MeetingWorld.start();
    const demo = meeting('Partner demo', 'partner', ['partner', 'blair', 'casey']);
    await world.deliver('blair', demo, {});
    // Casey's copy carries the same UID but names neither Blair nor anybody else synced: a different meeting.
    await world.deliver('casey', { ...demo, subject: 'Partner demo, second group', people: ['partner', 'casey'] }, {});

    await world.session('blair');
    expect((await world.session('casey')).writes.crm.created).toBe(1);
    const events = await world.records('Event');
    expect(events.map((event) => event.OwnerId).sort()).toEqual([await world.userId('blair'), await world.userId('casey')].sort());
  });

  it('cancellation: deletes the Event once', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Budget sync', 'alex', ['alex', 'blair']);
    const alexCopy = await world.deliver('alex', review, {});
    const blairCopy = await world.deliver('blair', review, { blair: 'accepted' });
    await world.session('alex');
    await world.session('blair');
    expect(await world.records('Event')).toHaveLength(1);

    await world.touch('alex', alexCopy, { isCancelled: true });
    await world.touch('blair', blairCopy, { isCancelled: true });
    const blair = await world.session('blair');
    const alex = await world.session('alex');
    expect(blair.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(alex.writes.crm.deleted).toBe(1);
    expect(blair.itemErrors).toEqual([]);
    expect(await world.records('Event')).toEqual([]);
    // The owner let the meeting go, and Blair's copy, read again, is cancelled too: nothing comes back.
    expect((await world.session('blair')).writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await world.records('Event')).toEqual([]);
  });

  it('Salesforce edit: owner mailbox only', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Roadmap', 'alex', ['alex', 'blair']);
    await world.deliver('alex', review, {});
    await world.deliver('blair', review, { blair: 'accepted' });
    await world.session('alex');
    await world.session('blair');
    const [event, ...others] = await world.records('Event');
    expect(others).toEqual([]);

    await world.editInSalesforce('Event', event!.Id, { Subject: 'Roadmap (edited in Salesforce)' });
    expect((await world.session('alex')).writes.mailbox.updated).toBe(1);
    const blair = await world.session('blair');
    expect(blair.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect((await world.mailboxEvents('alex')).map((copy) => copy.subject)).toEqual(['Roadmap (edited in Salesforce)']);
    expect((await world.mailboxEvents('blair')).map((copy) => copy.subject)).toEqual(['Roadmap']);
  });

  it('dry run: no Event, no claim', async () => {
    world = await MeetingWorld.start();
    const demo = meeting('Partner call', 'partner', ['partner', 'blair', 'casey']);
    await world.deliver('blair', demo, {});
    await world.deliver('casey', demo, {});
    await world.session('blair');

    const casey = await world.plan('casey');
    expect(casey.actions.filter((action) => action.side === 'crm')).toEqual([]);
    // A meeting without an owner shows as the mailbox's own, and the dry run leaves it unclaimed.
    const other = meeting('Partner follow-up', 'partner', ['partner', 'casey']);
    await world.deliver('casey', other, {});
    const planned = await world.plan('casey');
    expect(planned.actions.filter((action) => action.side === 'crm' && action.op === 'create')).toHaveLength(1);
    const otherKey = meetingKeyOf({ iCalUId: other.uid, recurrence: null } as unknown as CalendarEvent)!;
    expect((await world.stores[0]!.findSharedMeetings('org-1', [otherKey])).size).toBe(0);
    expect((await world.session('casey')).writes.crm.created).toBe(1);
  });
});

describe('shared meetings on PostgreSQL workers', () => {
  it('concurrent attendees: one Event each', async () => {
    world = await MeetingWorld.start(postgresSchemaTarget(), 2);
    const meetings = [1, 2, 3].map((n) => meeting(`Partner workshop ${n}`, 'partner', ['partner', 'blair', 'casey']));
    for (const each of meetings) {
      await world.deliver('blair', each, { blair: 'accepted' });
      await world.deliver('casey', each, { casey: 'accepted' });
    }

    const [blair, casey] = await Promise.all([world.session('blair', world.stores[0]), world.session('casey', world.stores[1])]);
    expect([blair.status, casey.status]).toEqual(['ok', 'ok']);
    expect(blair.writes.crm.created + casey.writes.crm.created).toBe(3);
    const events = await world.records('Event');
    expect(events.map((event) => event.Subject).sort()).toEqual(['Partner workshop 1', 'Partner workshop 2', 'Partner workshop 3']);
    expect((await world.linkCount('blair')) + (await world.linkCount('casey'))).toBe(3);

    // Later sessions of either mailbox add nothing.
    await Promise.all([world.session('blair', world.stores[1]), world.session('casey', world.stores[0])]);
    expect(await world.records('Event')).toHaveLength(3);
  });
});

describe('one Event per meeting over time', () => {
  const tagged = { policy: { selection: { calendarItems: 'salesforceCategory' as const, category: 'Salesforce', ownDomains: [] } } };

  it('organizer never writes it: attendee writes it after the organizer session', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Board prep', 'alex', ['alex', 'blair']);
    await world.deliver('alex', review, {});
    const blairCopy = await world.deliver('blair', review, { blair: 'accepted' });
    // Only Blair tagged the meeting for Salesforce: Alex's copy is outside Alex's selection.
    await world.touch('blair', blairCopy, { changes: { categories: ['Salesforce'] } });

    expect((await world.session('blair', undefined, tagged)).writes.crm.created).toBe(0);
    // Alex's session has not run since Blair's copy began to wait: Blair keeps waiting.
    expect((await world.session('blair', undefined, tagged)).writes.crm.created).toBe(0);
    expect(await world.records('Event')).toEqual([]);

    await world.session('alex', undefined, tagged);
    // Blair's copy did not change, so only reading it again by id brings it back.
    expect((await world.session('blair', undefined, tagged)).writes.crm.created).toBe(1);
    const events = await world.records('Event');
    expect(events.map((event) => [event.Subject, event.OwnerId])).toEqual([['Board prep', await world.userId('blair')]]);
    expect(await world.linkCount('blair')).toBe(1);

    // Later sessions of both add nothing.
    await world.session('alex', undefined, tagged);
    expect((await world.session('blair', undefined, tagged)).writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await world.records('Event')).toHaveLength(1);
  });

  it('organizer mailbox suspended: attendee writes it at once', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Quarterly plan', 'alex', ['alex', 'blair']);
    await world.deliver('alex', review, {});
    await world.deliver('blair', review, { blair: 'accepted' });
    expect((await world.session('blair')).writes.crm.created).toBe(0);

    await world.stores[0]!.saveSchedule({
      mailboxId: 'mbx-alex', state: 'suspendedByError', reason: 'consent revoked', resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: 'failed', failureCount: 3,
    });
    expect((await world.session('blair')).writes.crm.created).toBe(1);
    expect((await world.records('Event')).map((event) => event.OwnerId)).toEqual([await world.userId('blair')]);

    // Back from the suspension, Alex's copy joins Blair's Event instead of writing a second one.
    await world.stores[0]!.saveSchedule({
      mailboxId: 'mbx-alex', state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0,
    });
    expect((await world.session('alex')).writes.crm.created).toBe(0);
    expect(await world.records('Event')).toHaveLength(1);
  });

  it('organizer keeps calendar as Tasks: attendee writes the Event', async () => {
    world = await MeetingWorld.start();
    world.keepCalendarAsTasks('alex');
    const review = meeting('Vendor review', 'alex', ['alex', 'blair']);
    await world.deliver('alex', review, {});
    await world.deliver('blair', review, { blair: 'accepted' });

    // Alex's sessions write Tasks, never an Event Blair's copy could join, so Blair does not wait.
    expect((await world.session('blair')).writes.crm.created).toBe(1);
    expect((await world.records('Event')).map((event) => [event.Subject, event.OwnerId])).toEqual([['Vendor review', await world.userId('blair')]]);
  });

  it('owner copy leaves: another holder takes the meeting over', async () => {
    world = await MeetingWorld.start();
    const pilot = meeting('Partner pilot', 'partner', ['partner', 'blair', 'casey']);
    const blairCopy = await world.deliver('blair', pilot, { blair: 'accepted' });
    await world.deliver('casey', pilot, { casey: 'accepted' });
    await world.session('blair');
    await world.session('casey');
    expect(await world.records('Event')).toHaveLength(1);

    await world.touch('blair', blairCopy, { isCancelled: true });
    expect((await world.session('blair')).writes.crm.deleted).toBe(1);
    expect(await world.records('Event')).toEqual([]);

    // Casey's copy did not change; Casey's next session still writes the meeting.
    const casey = await world.session('casey');
    expect(casey.writes.crm.created).toBe(1);
    const events = await world.records('Event');
    expect(events.map((event) => [event.Subject, event.OwnerId])).toEqual([['Partner pilot', await world.userId('casey')]]);
    expect((await world.session('blair')).writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await world.records('Event')).toHaveLength(1);
  });

  it('pair linked before the upgrade: first session claims it', async () => {
    world = await MeetingWorld.start();
    const roadmap = meeting('Partner roadmap', 'partner', ['partner', 'blair', 'casey']);
    await world.deliver('blair', roadmap, { blair: 'accepted' });
    expect((await world.session('blair', undefined, { noShared: true })).writes.crm.created).toBe(1);
    const blair = await world.session('blair');
    expect(blair.writes.crm.created).toBe(0);
    const [event] = await world.records('Event');
    const owners = await world.stores[0]!.findSharedMeetings('org-1', [meetingKeyOf({ iCalUId: roadmap.uid, recurrence: null } as unknown as CalendarEvent)!]);
    expect([...owners.values()].map((owner) => [owner.ownerMailboxId, owner.crmRecordId])).toEqual([['mbx-blair', event!.Id]]);

    // Casey's copy arrives after the upgrade and joins Blair's Event.
    await world.deliver('casey', roadmap, { casey: 'declined' });
    expect((await world.session('casey')).writes.crm.created).toBe(0);
    expect((await world.records('Event')).map((record) => record.Subject)).toEqual(['Partner roadmap']);
    expect(await world.statusOf(event!.Id, 'casey')).toBe('Declined');
  });

  it('attendee pair linked before the upgrade: kept once organizer ran', async () => {
    world = await MeetingWorld.start();
    const review = meeting('Budget review', 'alex', ['alex', 'blair', 'casey']);
    await world.deliver('alex', review, {});
    const blairCopy = await world.deliver('blair', review, { blair: 'accepted' });
    await world.touch('blair', blairCopy, { changes: { categories: ['Salesforce'] } });
    // Before meetings had owners, Blair's tagged copy became Blair's Event, and Alex's untagged copy none.
    expect((await world.session('blair', undefined, { ...tagged, noShared: true })).writes.crm.created).toBe(1);
    await world.session('alex', undefined, { ...tagged, noShared: true });

    await world.session('alex', undefined, tagged);
    await world.session('blair', undefined, tagged);
    const [event, ...others] = await world.records('Event');
    expect(others).toEqual([]);

    // Casey's tagged copy arrives later: it joins Blair's Event, even after Casey's wait for Alex ends.
    const caseyCopy = await world.deliver('casey', review, { casey: 'declined' });
    await world.touch('casey', caseyCopy, { changes: { categories: ['Salesforce'] } });
    await world.session('casey', undefined, tagged);
    await world.session('alex', undefined, tagged);
    expect((await world.session('casey', undefined, tagged)).writes.crm.created).toBe(0);
    expect((await world.records('Event')).map((record) => record.Id)).toEqual([event!.Id]);
    expect(await world.statusOf(event!.Id, 'casey')).toBe('Declined');
  });

  it('reused UID, two synced holders: one Event for them', async () => {
    world = await MeetingWorld.start();
    const first = meeting('Partner demo', 'partner', ['partner', 'blair', 'casey']);
    await world.deliver('blair', first, {});
    await world.session('blair');

    // Another meeting with the same UID, which Alex and Casey hold and Blair does not.
    const second = { ...first, subject: 'Partner onboarding', people: ['partner', 'alex', 'casey'] as const };
    const alexCopy = await world.deliver('alex', second, { alex: 'accepted' });
    await world.deliver('casey', second, { casey: 'tentativelyAccepted' });
    expect((await world.session('alex')).writes.crm.created).toBe(1);
    expect((await world.session('casey')).writes.crm.created).toBe(0);
    const events = await world.records('Event');
    expect(events.map((event) => event.Subject).sort()).toEqual(['Partner demo', 'Partner onboarding']);
    const onboarding = events.find((event) => event.Subject === 'Partner onboarding')!;
    expect(onboarding.OwnerId).toBe(await world.userId('alex'));
    expect(await world.statusOf(onboarding.Id, 'casey')).toBe('Maybe');

    // Alex's next change rewrites the invitees from Alex's copy and keeps the response of Casey's copy.
    await world.touch('alex', alexCopy, { changes: { subject: 'Partner onboarding (moved)' } });
    expect((await world.session('alex')).writes.crm.updated).toBe(1);
    expect(await world.statusOf(onboarding.Id, 'casey')).toBe('Maybe');
  });
});
