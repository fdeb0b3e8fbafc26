import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Attendee, CalendarEvent } from '../src/domain/calendar-event.ts';
import type { LinkRequest, LinkResolver, LinkResult } from '../src/domain/linking.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import {
  inviteesOf,
  mergeAttendees,
  planEventRelations,
  readInviteeAttendees,
  responseOfStatus,
  statusOfResponse,
  syncEventRelations,
} from '../src/crm/salesforce/event-relations.ts';
import { createSalesforceRecordClient, type SalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { eventFromGraph } from '../src/mailbox/graph/event-from-graph.ts';
import type { GraphEvent } from '../src/mailbox/graph/graph-types.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_API = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'api');

const CLIENT = { clientId: 'attendee-test', clientSecret: 'attendee-test-secret', refreshTokens: ['attendee-test-refresh'] };
const AUTH = { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'attendee-test-refresh' } as const;
const OWNER_EMAIL = 'noraq@contoso.onmicrosoft.com';

let emulator: RunningSalesforceEmulator;
let client: SalesforceRecordClient;
let ownerId = '';

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    syncIdField: 'Syncline_Sync_Id__c',
    users: [{ Username: OWNER_EMAIL, Email: OWNER_EMAIL, Name: 'Nora Quill', TimeZoneSidKey: 'GMT' }],
  });
  client = createSalesforceRecordClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger(), retry: { delayScale: 0.001 }, sleep: async () => {} });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  await admin('POST', 'reset');
  ownerId = String((await admin('GET', 'records/User') as { records: { Id: string }[] }).records[0]?.Id);
});

async function admin(method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${route} failed with ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function insert(sobject: string, values: Record<string, unknown>): Promise<string> {
  const [result] = await client.write([{ op: 'insert', ref: 'r', sobject, values }]);
  if (result === undefined || !result.ok) throw new Error(`insert ${sobject} failed: ${JSON.stringify(result)}`);
  return result.id;
}

async function relations(eventId: string): Promise<{ RelationId: string; Status: string }[]> {
  const rows = await client.selectWhereIn('EventRelation', ['RelationId', 'Status'], 'EventId', [eventId], 'IsInvitee = true');
  return rows.map((row) => ({ RelationId: String(row.RelationId), Status: String(row.Status) })).sort((a, b) => a.RelationId.localeCompare(b.RelationId));
}

/** A resolver over a fixed address book, counting its requests, as the linking engine answers for known people. */
function bookResolver(book: Record<string, string>): LinkResolver & { requests: LinkRequest[] } {
  const requests: LinkRequest[] = [];
  return {
    requests,
    resolve: async (batch) => {
      requests.push(...batch);
      return batch.map((request): LinkResult => {
        const byAddress = Object.fromEntries(request.people.flatMap((person) => {
          const id = book[person.address.toLowerCase()];
          return id === undefined ? [] : [[person.address.toLowerCase(), id]];
        }));
        return { whoId: null, whatId: null, relationIds: Object.values(byAddress), byAddress, explanations: [], created: { Lead: 0, Contact: 0, Account: 0 } };
      });
    },
  };
}

function meeting(attendees: Attendee[]): CalendarEvent {
  return {
    subject: 'Pricing review',
    span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' },
    location: null,
    body: null,
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { email: OWNER_EMAIL, name: 'Nora Quill' },
    attendees,
    recurrence: null,
    isCancelled: false,
    iCalUId: 'uid-pricing',
    categories: [],
  };
}

describe('attendee responses and EventRelation status', () => {
  it('maps every Graph response onto the documented Status picklist and back', () => {
    expect(statusOfResponse('accepted')).toBe('Accepted');
    expect(statusOfResponse('declined')).toBe('Declined');
    expect(statusOfResponse('tentativelyAccepted')).toBe('Maybe');
    expect(statusOfResponse('none')).toBe('New');
    expect(statusOfResponse('notResponded')).toBe('New');
    expect(statusOfResponse('organizer')).toBeNull();
    expect(['Accepted', 'Declined', 'Maybe', 'New'].map(responseOfStatus)).toEqual(['accepted', 'declined', 'tentativelyAccepted', 'none']);
    expect(responseOfStatus('Uninvited')).toBeNull();
  });

  it('keeps rooms, resources, the organizer and nameless attendees out of the invitees', () => {
    const event = meeting([
      { email: 'ann@partner.example', name: 'Ann', type: 'required', response: 'accepted' },
      { email: 'ANN@partner.example', name: 'Ann again', type: 'optional', response: 'none' },
      { email: 'beamer@contoso.example', name: 'Beamer', type: 'resource', response: 'none' },
      { email: 'fjord@contoso.example', name: 'Fjord', type: 'required', response: 'accepted' },
      { email: OWNER_EMAIL.toUpperCase(), name: 'Nora', type: 'required', response: 'organizer' },
      { email: null, name: 'Walk-in', type: 'required', response: 'none' },
    ]);
    expect(inviteesOf(event, { resourceAddresses: ['Fjord@contoso.example'] }).map((a) => a.email)).toEqual(['ann@partner.example']);
  });

  it('reads the corpus event\'s attendee and leaves its organizer out', () => {
    const graph = JSON.parse(readFileSync(path.join(CORPUS_API, 'graph-event-single.json'), 'utf8')) as GraphEvent;
    const event = eventFromGraph(graph, 'Europe/Berlin');
    expect(inviteesOf(event).map((a) => [a.email, statusOfResponse(a.response)])).toEqual([['rosalindt@contoso.onmicrosoft.com', 'New']]);
  });

  it('plans no write for the owner and keeps unresolved invitees', () => {
    const plan = planEventRelations('00U000000000001AAA', [
      { email: 'me@contoso.example', name: null, type: 'required', response: 'accepted' },
      { email: 'stranger@elsewhere.example', name: 'Stranger', type: 'required', response: 'none' },
    ], { 'me@contoso.example': '005000000000001AAA' }, [], '005000000000001AAA');
    expect(plan.writes).toEqual([]);
    expect(plan.unresolved.map((a) => a.email)).toEqual(['stranger@elsewhere.example']);
  });
});

describe('attendees to EventRelation and back, against the Salesforce emulator', () => {
  it('inserts, updates and removes invitees as the meeting changes, without duplicates', async () => {
    const eventId = await insert('Event', { Subject: 'Pricing review', StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z' });
    const ann = await insert('Contact', { LastName: 'Ann', Email: 'ann@partner.example' });
    const ben = await insert('Lead', { LastName: 'Ben', Company: 'Partner', Email: 'ben@partner.example' });
    const resolver = bookResolver({ 'ann@partner.example': ann, 'ben@partner.example': ben });
    const options = { client, resolver, orgId: 'org-1', ownerUserId: ownerId };

    const first = meeting([
      { email: 'ann@partner.example', name: 'Ann', type: 'required', response: 'accepted' },
      { email: 'ben@partner.example', name: 'Ben', type: 'optional', response: 'none' },
      { email: 'room@contoso.example', name: 'Room', type: 'resource', response: 'accepted' },
      { email: 'stranger@elsewhere.example', name: 'Stranger', type: 'required', response: 'declined' },
    ]);
    const created = await syncEventRelations(options, [{ eventId, event: first }]);
    expect(created.results.every((result) => result.ok)).toBe(true);
    expect(created.unresolved.get(eventId)?.map((a) => a.email)).toEqual(['stranger@elsewhere.example']);
    expect(resolver.requests[0]?.people.map((p) => p.role)).toEqual(['attendee', 'attendee', 'attendee']);
    expect(await relations(eventId)).toEqual([{ RelationId: ann, Status: 'Accepted' }, { RelationId: ben, Status: 'New' }].sort((a, b) => a.RelationId.localeCompare(b.RelationId)));

    // The same meeting again writes nothing: no duplicate relation.
    const again = await syncEventRelations(options, [{ eventId, event: first }]);
    expect(again.results).toEqual([]);

    // Ben declines and Ann leaves the meeting.
    const changed = meeting([{ email: 'ben@partner.example', name: 'Ben', type: 'optional', response: 'declined' }]);
    const update = await syncEventRelations(options, [{ eventId, event: changed }]);
    expect(update.results.map((result) => result.ok)).toEqual([true, true]);
    expect(await relations(eventId)).toEqual([{ RelationId: ben, Status: 'Declined' }]);

    // Back to the mailbox: Salesforce's invitee with the response, merged without losing the mailbox's own attendees.
    const fromCrm = (await readInviteeAttendees(client, [eventId])).get(eventId) ?? [];
    expect(fromCrm).toEqual([{ email: 'ben@partner.example', name: 'Ben', type: 'required', response: 'declined' }]);
    const kept: Attendee = { email: 'stranger@elsewhere.example', name: 'Stranger', type: 'required', response: 'declined' };
    expect(mergeAttendees([kept], fromCrm)).toEqual([kept, ...fromCrm]);
  });

  it('reads an invitee a person added in Salesforce as a mailbox attendee, and skips an uninvited one', async () => {
    const eventId = await insert('Event', { Subject: 'Kick-off', StartDateTime: '2026-05-05T09:00:00Z', EndDateTime: '2026-05-05T10:00:00Z' });
    const cleo = await insert('Contact', { FirstName: 'Cleo', LastName: 'Ray', Email: 'cleo@partner.example' });
    const dan = await insert('Contact', { LastName: 'Dan', Email: 'dan@partner.example' });
    await insert('EventRelation', { EventId: eventId, RelationId: cleo, Status: 'Maybe' });
    await insert('EventRelation', { EventId: eventId, RelationId: dan, Status: 'Uninvited' });
    expect((await readInviteeAttendees(client, [eventId])).get(eventId)).toEqual([
      { email: 'cleo@partner.example', name: 'Cleo Ray', type: 'required', response: 'tentativelyAccepted' },
    ]);
  });
});
