import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { parseConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { timedSeed } from './support/graph-seeds.ts';

/** Meetings the engine writes as Events get their WhoId and WhatId from their attendees, against both emulators. */

const TENANT = 'contoso-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' };
const SF_CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
const ALEX = 'alex.morgan@contoso.example.com';
const BLAKE = 'blake.lee@contoso.example.com';

type SfRecord = Record<string, unknown> & { Id: string };

let graph: RunningGraphEmulator;
let salesforce: RunningSalesforceEmulator;
let dataDir: string;
let engine: Engine;
let logLines: Record<string, unknown>[];

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

function attendee(address: string, name: string, response: 'accepted' | 'none' | 'organizer' = 'accepted') {
  return { type: 'required', status: { response, time: '0001-01-01T00:00:00Z' }, emailAddress: { name, address } };
}

function meeting(subject: string, organizer: string, guests: readonly [string, string][]): GraphEventSeed {
  return timedSeed(subject, day(3), '10:00', '11:00', {
    organizer: { emailAddress: { name: 'Organizer', address: organizer } },
    attendees: [attendee(organizer, 'Organizer', 'organizer'), ...guests.map(([address, name]) => attendee(address, name))],
  } as Partial<GraphEventSeed>);
}

async function call(base: string, method: string, route: string, body?: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${route} failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  return text === '' ? null : JSON.parse(text);
}

async function seed(owner: string, seeds: readonly GraphEventSeed[]): Promise<string[]> {
  return ((await call(graph.url, 'POST', `/_admin/users/${encodeURIComponent(owner)}/seed`, { events: seeds })) as { ids: string[] }).ids;
}

async function records(sobject: string): Promise<SfRecord[]> {
  const response = (await call(salesforce.url, 'GET', `/_admin/records/${sobject}`)) as SfRecord[] | { records: SfRecord[] };
  return (Array.isArray(response) ? response : response.records).filter((record) => record.IsDeleted !== true);
}

async function insert(sobject: string, values: Record<string, unknown>[]): Promise<string[]> {
  return ((await call(salesforce.url, 'POST', '/_admin/records', { sobject, records: values })) as { ids: string[] }).ids;
}

/** Edit a record through the REST API, as a person in Salesforce would. */
async function editAsPerson(sobject: string, id: string, values: Record<string, unknown>): Promise<void> {
  const token = (await call(salesforce.url, 'POST', '/services/oauth2/token?' + new URLSearchParams({
    grant_type: 'refresh_token', client_id: SF_CLIENT.clientId, client_secret: SF_CLIENT.clientSecret, refresh_token: 'sf-refresh',
  }).toString())) as { access_token: string };
  await call(salesforce.url, 'PATCH', `/services/data/v62.0/sobjects/${sobject}/${id}`, values, token.access_token);
}

function mailboxId(address: string): string {
  const found = engine.mailboxes.find((mailbox) => mailbox.record.address === address);
  if (found === undefined) {
    throw new Error(`Mailbox ${address} is not configured in this test`);
  }
  return found.record.id;
}

async function eventBySubject(subject: string): Promise<SfRecord> {
  const event = (await records('Event')).find((record) => record.Subject === subject);
  if (event === undefined) {
    throw new Error(`No Salesforce Event '${subject}'`);
  }
  return event;
}

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-linking-events-'));
  graph = await startGraphEmulator({
    clients: [GRAPH_CLIENT],
    users: [ALEX, BLAKE].map((address) => ({ userPrincipalName: address, displayName: address.split('@')[0] ?? address, mailboxTimeZone: 'Europe/Berlin' })),
  });
  salesforce = await startSalesforceEmulator({
    clients: [SF_CLIENT],
    users: [ALEX, BLAKE].map((address) => ({ Username: address, Email: address, Name: address.split('@')[0] ?? address, TimeZoneSidKey: 'Europe/Berlin' })),
    syncIdField: 'Syncline_Sync_Id__c',
  });
  const config = parseConfig({
    dataDir,
    orgs: [{
      id: 'contoso',
      name: 'Contoso',
      salesforce: { loginUrl: salesforce.url, auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'sf-refresh' } },
      graph: { ...GRAPH_CLIENT, authorityUrl: graph.url, graphBaseUrl: `${graph.url}/v1.0` },
      mailboxes: [{ address: ALEX, timeZone: 'Europe/Berlin' }, { address: BLAKE, timeZone: 'Europe/Berlin' }],
      linking: { ownDomains: ['contoso.example.com'], opportunity: 'none', autoResolve: { enabled: true, create: 'Lead' } },
    }],
  }, { source: 'test', env: {}, baseDir: dataDir });
  logLines = [];
  const destination = { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) };
  engine = await openEngine({ config, logger: createLogger({ level: 'info', destination }) });
});

afterEach(async () => {
  await engine?.close();
  await Promise.all([graph?.close(), salesforce?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('linking the meetings a session writes', () => {
  it('links known Contact and Account', async () => {
    const [accountId] = await insert('Account', [{ Name: 'Partner Inc', Website: 'https://partner.example' }]);
    const [contactId] = await insert('Contact', [{ FirstName: 'Ann', LastName: 'Ahlberg', Email: 'ann@partner.example', AccountId: accountId }]);
    await seed(ALEX, [meeting('Pricing review', ALEX, [['Ann@Partner.example', 'Ann Ahlberg'], ['chris@contoso.example.com', 'Chris Colleague']])]);

    const report = await engine.runSession(mailboxId(ALEX));

    expect(report.status, report.notes.join('; ')).toBe('ok');
    const event = await eventBySubject('Pricing review');
    expect({ WhoId: event.WhoId, WhatId: event.WhatId }).toEqual({ WhoId: contactId, WhatId: accountId });
    // The colleague at the org's own domain is never created as a Lead; the Contact is also the meeting's invitee.
    expect(await records('Lead')).toEqual([]);
    const relations = await records('EventRelation');
    expect(relations.map((relation) => ({ EventId: relation.EventId, RelationId: relation.RelationId }))).toEqual([{ EventId: event.Id, RelationId: contactId }]);
    expect(report.linked).toBe(2);
    expect(report.autoCreated).toEqual({ Lead: 0, Contact: 0, Account: 0 });

    const explained = await engine.store.listLinkExplanations('contoso', contactId!);
    expect(explained.find((row) => row.use === 'who')).toMatchObject({ activity: 'Event', rule: 'emailMatch', times: 1 });
    expect(explained.find((row) => row.use === 'who')?.detail).toContain('ann@partner.example');
    // The invitee relation reuses the lookup made for the WhoId, so each reason is stored once.
    expect(explained.find((row) => row.use === 'relation')?.times).toBe(1);
    const accountReasons = await engine.store.listLinkExplanations('contoso', accountId!);
    expect(accountReasons.map((row) => `${row.use}:${row.rule}`)).toEqual(['what:accountOfContact']);
    const logged = logLines.filter((line) => line.msg === 'Linking reason for a meeting');
    expect(logged.map((line) => `${String(line.use)}:${String(line.rule)}:${String(line.recordId)}`)).toEqual([
      `relation:emailMatch:${contactId}`, `who:emailMatch:${contactId}`, `what:accountOfContact:${accountId}`,
    ]);
  }, 60_000);

  it('creates one Lead across sessions', async () => {
    await call(salesforce.url, 'PUT', '/_admin/duplicate-rules', { standard: false });
    await seed(ALEX, [meeting('Intro call', ALEX, [['nora.new@newco.example', 'Nora New']])]);
    await seed(BLAKE, [meeting('Intro follow-up', BLAKE, [['nora.new@newco.example', 'Nora New']])]);

    const [first, second] = await Promise.all([engine.runSession(mailboxId(ALEX)), engine.runSession(mailboxId(BLAKE))]);

    expect([first.status, second.status]).toEqual(['ok', 'ok']);
    const leads = await records('Lead');
    expect(leads.map((lead) => ({ Email: lead.Email, FirstName: lead.FirstName, LastName: lead.LastName, Company: lead.Company }))).toEqual([
      { Email: 'nora.new@newco.example', FirstName: 'Nora', LastName: 'New', Company: 'Newco' },
    ]);
    const leadId = leads[0]!.Id;
    // A Lead as WhoId never gets a WhatId.
    for (const subject of ['Intro call', 'Intro follow-up']) {
      const event = await eventBySubject(subject);
      expect({ WhoId: event.WhoId, WhatId: event.WhatId ?? null }).toEqual({ WhoId: leadId, WhatId: null });
    }
    expect((first.autoCreated?.Lead ?? 0) + (second.autoCreated?.Lead ?? 0)).toBe(1);
    const reasons = await engine.store.listLinkExplanations('contoso', leadId);
    expect(reasons.map((row) => row.rule)).toContain('autoResolveLead');
  }, 60_000);

  it('keeps a hand-set WhoId', async () => {
    const [accountId] = await insert('Account', [{ Name: 'Partner Inc' }]);
    const [annId, boId] = await insert('Contact', [
      { LastName: 'Ahlberg', Email: 'ann@partner.example', AccountId: accountId },
      { LastName: 'Berg', Email: 'bo@elsewhere.example' },
    ]);
    const [meetingId] = await seed(ALEX, [meeting('Contract talk', ALEX, [['ann@partner.example', 'Ann Ahlberg']])]);
    await engine.runSession(mailboxId(ALEX));
    const event = await eventBySubject('Contract talk');
    expect(event.WhoId).toBe(annId);

    await editAsPerson('Event', event.Id, { WhoId: boId, WhatId: null });
    await call(graph.url, 'POST', `/_admin/users/${encodeURIComponent(ALEX)}/events/${encodeURIComponent(meetingId!)}/touch`, { changes: { subject: 'Contract talk, moved' } });
    const report = await engine.runSession(mailboxId(ALEX));

    expect(report.writes.crm.updated).toBeGreaterThanOrEqual(1);
    const updated = await eventBySubject('Contract talk, moved');
    // The hand-set Contact stays, and Ann's Account is not put next to another person.
    expect({ WhoId: updated.WhoId, WhatId: updated.WhatId ?? null }).toEqual({ WhoId: boId, WhatId: null });
  }, 60_000);

  it('moves the links Syncline set when an attendee is replaced', async () => {
    const [partnerId, otherId] = await insert('Account', [{ Name: 'Partner Inc' }, { Name: 'Other Ltd' }]);
    const [annId, boId] = await insert('Contact', [
      { LastName: 'Ahlberg', Email: 'ann@partner.example', AccountId: partnerId },
      { LastName: 'Berg', Email: 'bo@other.example', AccountId: otherId },
    ]);
    const [meetingId] = await seed(ALEX, [meeting('Kickoff', ALEX, [['ann@partner.example', 'Ann Ahlberg']])]);
    await engine.runSession(mailboxId(ALEX));
    const event = await eventBySubject('Kickoff');
    expect({ WhoId: event.WhoId, WhatId: event.WhatId }).toEqual({ WhoId: annId, WhatId: partnerId });

    await call(graph.url, 'POST', `/_admin/users/${encodeURIComponent(ALEX)}/events/${encodeURIComponent(meetingId!)}/touch`, {
      changes: { subject: 'Kickoff, new guest', attendees: [attendee(ALEX, 'Organizer', 'organizer'), attendee('bo@other.example', 'Bo Berg')] },
    });
    const report = await engine.runSession(mailboxId(ALEX));

    expect(report.status, report.notes.join('; ')).toBe('ok');
    const updated = await eventBySubject('Kickoff, new guest');
    expect({ WhoId: updated.WhoId, WhatId: updated.WhatId }).toEqual({ WhoId: boId, WhatId: otherId });
    const remembered = await engine.store.listLinkExplanations('contoso', event.Id);
    expect(remembered.map((row) => `${row.use}:${row.rule}:${row.detail}`).sort()).toEqual([
      `linkSet:WhatId:Syncline set the WhatId to ${otherId}`, `linkSet:WhoId:Syncline set the WhoId to ${boId}`,
    ]);
  }, 60_000);

  it('colleagues become User invitees', async () => {
    const [annId] = await insert('Contact', [{ FirstName: 'Ann', LastName: 'Ahlberg', Email: 'ann@partner.example' }]);
    const [danaId] = await insert('User', [{ Username: 'dana.diaz@contoso.example.com', Email: 'Dana.Diaz@contoso.example.com', Name: 'Dana Diaz', IsActive: true }]);
    const blakeId = (await records('User')).find((user) => user.Email === BLAKE)?.Id;
    const [meetingId] = await seed(ALEX, [meeting('Quarterly plan', ALEX, [
      ['ann@partner.example', 'Ann Ahlberg'], [BLAKE, 'Blake Lee'], ['dana.diaz@contoso.example.com', 'Dana Diaz'], ['chris@contoso.example.com', 'Chris Colleague'],
    ])]);

    const report = await engine.runSession(mailboxId(ALEX));

    expect(report.status, report.notes.join('; ')).toBe('ok');
    const event = await eventBySubject('Quarterly plan');
    const invitees = async () => (await records('EventRelation')).filter((relation) => relation.EventId === event.Id).map((relation) => relation.RelationId).sort();
    // Blake's mailbox is synced too but has not run yet. Chris is at the org's domain but no User, so stays mailbox-only.
    expect(await invitees()).toEqual([annId, blakeId, danaId].sort());
    // A colleague is a relation of the meeting, never its WhoId, and is never created as a Lead.
    expect(event.WhoId).toBe(annId);
    expect(await records('Lead')).toEqual([]);

    await call(graph.url, 'POST', `/_admin/users/${encodeURIComponent(ALEX)}/events/${encodeURIComponent(meetingId!)}/touch`, { changes: { subject: 'Quarterly plan, room changed' } });
    const next = await engine.runSession(mailboxId(ALEX));

    expect(next.status, next.notes.join('; ')).toBe('ok');
    expect(await invitees()).toEqual([annId, blakeId, danaId].sort());
  }, 60_000);

  it('dry run writes nothing', async () => {
    await seed(ALEX, [meeting('Planning', ALEX, [['pat.prospect@prospect.example', 'Pat Prospect']])]);

    const plan = await engine.planSession(mailboxId(ALEX));

    expect(plan.actions.length).toBeGreaterThan(0);
    expect(await records('Lead')).toEqual([]);
    expect(await records('Event')).toEqual([]);
  }, 60_000);
});
