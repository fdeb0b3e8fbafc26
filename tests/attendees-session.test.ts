import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventRelationsAfterWrites } from '../src/crm/salesforce/index.ts';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { defaultSyncPolicy, runMailboxSession, type KindSession } from '../src/sync/index.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';

const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
// The harness's Salesforce app, whose refresh token the emulator accepts.
const SF_AUTH = { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' } as const;
const NO_RESPONSE = '0001-01-01T00:00:00Z';

let harness: E2eHarness;

beforeEach(async () => {
  harness = await E2eHarness.start({ window: WINDOW });
});

afterEach(async () => {
  await harness.close();
});

function person(address: string, name: string, response: 'accepted' | 'declined' | 'none' | 'organizer', type: 'required' | 'optional' | 'resource' = 'required') {
  return { type, status: { response, time: NO_RESPONSE }, emailAddress: { name, address } };
}

/** Run one event session as the engine builds it with a linking engine, so the invitees follow the Event writes. */
async function runSession(resolver: MemoryLinkResolver) {
  const { mailboxSource, crmSource } = harness.createSources();
  const client = createSalesforceRecordClient({ loginUrl: harness.salesforceUrl, auth: SF_AUTH, apiVersion: '62.0', logger: createSilentLogger() });
  const kind: KindSession = {
    mapping: defaultEventMapping,
    mailboxSource,
    crmSource,
    crmRecordUrl: (id) => crmSource.recordUrl(id),
    afterWrites: eventRelationsAfterWrites({
      client,
      resolver,
      orgId: harness.mailbox.orgId,
      ownerUserId: () => harness.ownerId(),
      recordUrl: (id) => crmSource.recordUrl(id),
    }),
  };
  return runMailboxSession({ mailbox: harness.mailbox, kinds: [kind], store: harness.store, policy: defaultSyncPolicy, window: WINDOW, logger: createSilentLogger() });
}

async function insertCrm(sobject: string, records: Record<string, unknown>[]): Promise<string[]> {
  return ((await harness.salesforceAdmin('POST', '/_admin/records', { sobject, records })) as { ids: string[] }).ids;
}

async function crmRecords(sobject: string): Promise<Record<string, unknown>[]> {
  const response = (await harness.salesforceAdmin('GET', `/_admin/records/${sobject}`)) as Record<string, unknown>[] | { records: Record<string, unknown>[] };
  return Array.isArray(response) ? response : response.records;
}

describe('meeting attendees in a sync session', () => {
  it('writes only resolved people as invitees', async () => {
    const [annId] = await insertCrm('Contact', [{ LastName: 'Ahlberg', FirstName: 'Ann', Email: 'ann@partner.example' }]);
    const owner = harness.mailbox.address;
    await harness.seedMailbox([timedSeed('Pricing review', '2026-12-07', '10:00', '11:00', {
      organizer: { emailAddress: { name: 'Alex Morgan', address: owner } },
      attendees: [
        person(owner, 'Alex Morgan', 'organizer'),
        person('ann@partner.example', 'Ann Ahlberg', 'accepted'),
        person('fjord@contoso.example.com', 'Room Fjord', 'accepted', 'resource'),
        person('stranger@elsewhere.example', 'Stranger', 'declined'),
      ],
    })]);
    const resolver = new MemoryLinkResolver({ 'ann@partner.example': annId!, [owner]: await harness.ownerId() });

    const report = await runSession(resolver);
    expect(report.status).toBe('ok');
    const [event] = await harness.crmEvents();
    expect(event?.Subject).toBe('Pricing review');
    const relations = (await crmRecords('EventRelation')).filter((relation) => relation.IsDeleted !== true);
    expect(relations.map((relation) => ({ EventId: relation.EventId, RelationId: relation.RelationId, Status: relation.Status }))).toEqual([
      { EventId: event?.Id, RelationId: annId, Status: 'Accepted' },
    ]);
    expect(resolver.requests[0]?.people.map((p) => p.address)).toEqual(['ann@partner.example', 'stranger@elsewhere.example']);

    // The mailbox copy keeps every attendee, the unresolved one included.
    const [copy] = await harness.mailboxInstances();
    expect((copy?.attendees as unknown[]).length).toBe(4);

    // A second session with nothing changed writes no relation again.
    await runSession(resolver);
    expect((await crmRecords('EventRelation')).filter((relation) => relation.IsDeleted !== true)).toHaveLength(1);
  });

  it('follows a changed response', async () => {
    const [annId] = await insertCrm('Contact', [{ LastName: 'Ahlberg', Email: 'ann@partner.example' }]);
    const owner = harness.mailbox.address;
    const [meetingId] = await harness.seedMailbox([timedSeed('Contract talk', '2026-12-08', '10:00', '11:00', {
      organizer: { emailAddress: { name: 'Alex Morgan', address: owner } },
      attendees: [person('ann@partner.example', 'Ann Ahlberg', 'none')],
    })]);
    const resolver = new MemoryLinkResolver({ 'ann@partner.example': annId! });
    await runSession(resolver);

    await harness.graphAdmin('POST', `/_admin/users/${encodeURIComponent(owner)}/events/${encodeURIComponent(meetingId!)}/touch`, {
      changes: { attendees: [person('ann@partner.example', 'Ann Ahlberg', 'declined')] },
    });
    await runSession(resolver);
    const relations = (await crmRecords('EventRelation')).filter((relation) => relation.IsDeleted !== true);
    expect(relations.map((relation) => relation.Status)).toEqual(['Declined']);
  });

  it('creates mailbox meetings without attendees', async () => {
    const [eventId] = await harness.insertCrmEvents([{ Subject: 'Planned in Salesforce', StartDateTime: '2026-12-09T08:00:00.000Z', EndDateTime: '2026-12-09T09:00:00.000Z' }]);
    const [contactId] = await insertCrm('Contact', [{ LastName: 'Berg', Email: 'bo@partner.example' }]);
    await insertCrm('EventRelation', [{ EventId: eventId, RelationId: contactId, Status: 'New' }]);

    const report = await runSession(new MemoryLinkResolver());
    expect(report.writes.mailbox.created).toBe(1);
    const [created] = await harness.mailboxInstances();
    expect(created?.subject).toBe('Planned in Salesforce');
    expect(created?.attendees ?? []).toEqual([]);
    // The mailbox copy has no attendees, so when it changes it does not remove Salesforce's invitee.
    await harness.graphAdmin('POST', `/_admin/users/${encodeURIComponent(harness.mailbox.address)}/events/${encodeURIComponent(created!.id)}/touch`, { changes: { subject: 'Planned, renamed in Outlook' } });
    const edited = await runSession(new MemoryLinkResolver());
    expect(edited.writes.crm.updated).toBe(1);
    expect((await crmRecords('EventRelation')).filter((relation) => relation.IsDeleted !== true)).toHaveLength(1);
  });
});
