import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createSalesforceRecordClient, type SalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import type { RecordWrite, RecordWriteResult } from '../src/crm/salesforce/write-batches.ts';
import { CUT_MARKER } from '../src/crm/salesforce/value-checks.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';

const CLIENT = { clientId: 'contract-client', clientSecret: 'contract-secret', refreshTokens: ['contract-refresh'] };
const SYNC = 'Syncline_Sync_Id__c';
const ALL_FEATURES = { enhancedEmail: true, personAccounts: true, sharedActivities: true };

let emulator: RunningSalesforceEmulator;
let client: SalesforceRecordClient;

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    syncIdField: SYNC,
    users: [{ Username: 'ada@example.com', Email: 'ada@example.com', Name: 'Ada Lovelace', TimeZoneSidKey: 'Europe/Berlin' }],
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  await admin('PUT', 'features', ALL_FEATURES);
  client = newClient();
});

function newClient(): SalesforceRecordClient {
  return createSalesforceRecordClient({
    loginUrl: emulator.url,
    auth: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'contract-refresh' },
    apiVersion: '62.0',
    logger: createSilentLogger(),
    retry: { delayScale: 0.001 },
  });
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`admin ${method} ${path} failed with ${response.status}: ${text}`);
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function stats(): Promise<{ apiCalls: number; byRoute: Record<string, number> }> {
  return (await admin('GET', 'stats')) as { apiCalls: number; byRoute: Record<string, number> };
}

function okId(result: RecordWriteResult | undefined): string {
  if (result === undefined || !result.ok) {
    throw new Error(`expected a successful write, got ${JSON.stringify(result)}`);
  }
  return result.id;
}

async function insert(sobject: string, values: Record<string, unknown>): Promise<string> {
  return okId((await client.write([{ op: 'insert', ref: 'one', sobject, values }]))[0]);
}

interface ObjectCase {
  readonly sobject: string;
  /** Values for an insert; may create the parents it needs. */
  readonly make: (n: number) => Promise<Record<string, unknown>>;
  readonly update: Record<string, unknown>;
  readonly hasSyncId: boolean;
  readonly extraFields?: readonly string[];
}

const EVENT_TIMES = { StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z' };

const CASES: readonly ObjectCase[] = [
  { sobject: 'Event', make: async (n) => ({ Subject: `Meeting ${n}`, ...EVENT_TIMES }), update: { Subject: 'Moved' }, hasSyncId: true },
  {
    sobject: 'EventRelation',
    make: async (n) => ({ EventId: await insert('Event', { Subject: `Host ${n}`, ...EVENT_TIMES }), RelationId: await insert('Contact', { LastName: `Guest ${n}` }) }),
    update: { Status: 'Accepted' },
    hasSyncId: false,
  },
  { sobject: 'Task', make: async (n) => ({ Subject: `Call ${n}`, ActivityDate: '2026-05-04' }), update: { Status: 'Completed' }, hasSyncId: true, extraFields: ['IsClosed'] },
  { sobject: 'Contact', make: async (n) => ({ LastName: `Hopper ${n}`, Email: `grace${n}@example.org` }), update: { Title: 'Rear Admiral' }, hasSyncId: true },
  { sobject: 'Lead', make: async (n) => ({ LastName: `Lead ${n}`, Company: 'Navy' }), update: { Status: 'Working - Contacted' }, hasSyncId: true },
  { sobject: 'Account', make: async (n) => ({ Name: `Acme ${n}` }), update: { Website: 'https://acme.example' }, hasSyncId: true },
  {
    sobject: 'Account',
    make: async (n) => ({ FirstName: 'Person', LastName: `Account ${n}`, PersonEmail: `person${n}@example.org` }),
    update: { PersonTitle: 'Engineer' },
    hasSyncId: true,
    extraFields: ['IsPersonAccount'],
  },
  {
    sobject: 'Opportunity',
    make: async (n) => ({ Name: `Deal ${n}`, StageName: 'Prospecting', CloseDate: '2026-06-30', AccountId: await insert('Account', { Name: `Buyer ${n}` }) }),
    update: { StageName: 'Closed Won', Amount: 1200.5 },
    hasSyncId: false,
    extraFields: ['IsWon'],
  },
  // A draft (Status 5): Salesforce updates the standard fields of draft emails only.
  { sobject: 'EmailMessage', make: async (n) => ({ Subject: `Mail ${n}`, Status: '5', FromAddress: 'ada@example.com', TextBody: 'Hello' }), update: { Subject: 'Re: mail' }, hasSyncId: true },
  {
    sobject: 'EmailMessageRelation',
    make: async (n) => ({ EmailMessageId: await insert('EmailMessage', { Subject: `Parent ${n}`, Status: '3' }), RelationAddress: `to${n}@example.org`, RelationType: 'ToAddress' }),
    update: { RelationId: null },
    hasSyncId: false,
  },
  {
    sobject: 'ContentVersion',
    make: async (n) => ({ PathOnClient: `file${n}.txt`, VersionData: Buffer.from(`file ${n}`).toString('base64') }),
    update: { Description: 'Signed copy' },
    hasSyncId: false,
    extraFields: ['ContentDocumentId'],
  },
  {
    sobject: 'ContentDocumentLink',
    make: async (n) => {
      const versionId = await insert('ContentVersion', { PathOnClient: `doc${n}.pdf`, VersionData: 'AAAA' });
      const [version] = await client.selectByIds('ContentVersion', ['ContentDocumentId'], [versionId]);
      return { ContentDocumentId: version?.ContentDocumentId, LinkedEntityId: await insert('Account', { Name: `Holder ${n}` }), ShareType: 'V' };
    },
    update: { ShareType: 'C' },
    hasSyncId: false,
  },
];

describe('Salesforce record client contract', () => {
  for (const objectCase of CASES) {
    const label = objectCase.extraFields?.includes('IsPersonAccount') ? 'Person Account' : objectCase.sobject;
    it(`${label}: insert, read, update, upsert, delete and changes since a watermark`, async () => {
      const { sobject } = objectCase;
      const fields = [...Object.keys(objectCase.update), ...(objectCase.extraFields ?? [])];
      const start = await client.changedSince(sobject, fields, null);

      const id = await insert(sobject, await objectCase.make(1));
      const [read] = await client.selectByIds(sobject, fields, [id]);
      expect(read?.Id).toBe(id);

      const [updated] = await client.write([{ op: 'update', ref: 'u', sobject, id, values: objectCase.update }]);
      expect(updated).toMatchObject({ ok: true, id });
      const [after] = await client.selectByIds(sobject, fields, [id]);
      expect(after).toMatchObject(objectCase.update);

      let upsertedId: string | null = null;
      if (objectCase.hasSyncId) {
        const values = { ...(await objectCase.make(2)), [SYNC]: `sync-${sobject}-${label}` };
        const first = await client.write([{ op: 'upsert', ref: 'a', sobject, externalIdField: SYNC, values }]);
        const again = await client.write([{ op: 'upsert', ref: 'b', sobject, externalIdField: SYNC, values: { ...values, ...objectCase.update } }]);
        expect(first[0]).toMatchObject({ ok: true, created: true });
        expect(again[0]).toMatchObject({ ok: true, created: false, id: okId(first[0]) });
        upsertedId = okId(first[0]);
        const found = await client.selectWhereIn(sobject, [SYNC], SYNC, [`sync-${sobject}-${label}`]);
        expect(found.map((record) => record.Id)).toEqual([upsertedId]);
      }

      const deleteId = sobject === 'ContentVersion' ? String(after?.ContentDocumentId) : id;
      const [deleted] = await client.write([{ op: 'delete', ref: 'd', id: deleteId }]);
      expect(deleted).toMatchObject({ ok: true, id: deleteId });
      expect(await client.selectByIds(sobject === 'ContentVersion' ? 'ContentDocument' : sobject, [], [deleteId])).toEqual([]);

      const changed = await client.changedSince(sobject, fields, start.watermark, objectCase.hasSyncId ? { syncIdField: SYNC } : {});
      if (sobject !== 'ContentVersion') {
        expect(changed.changes).toContainEqual({ kind: 'delete', id, mayStillExist: false });
      }
      if (upsertedId !== null) {
        expect(changed.changes).toContainEqual(expect.objectContaining({ kind: 'upsert', id: upsertedId, syncId: `sync-${sobject}-${label}` }));
      }
      expect(Date.parse(changed.watermark)).toBeGreaterThanOrEqual(Date.parse(start.watermark));
    });
  }

  it('ContentDocument: read, update and delete the document a version created', async () => {
    const versionId = await insert('ContentVersion', { PathOnClient: 'minutes.txt', VersionData: Buffer.from('minutes').toString('base64') });
    const [version] = await client.selectByIds('ContentVersion', ['ContentDocumentId'], [versionId]);
    const documentId = String(version?.ContentDocumentId);
    const [document] = await client.selectByIds('ContentDocument', ['Title', 'LatestPublishedVersionId'], [documentId]);
    expect(document).toMatchObject({ Title: 'minutes', LatestPublishedVersionId: versionId });
    expect(await client.write([{ op: 'update', ref: 'u', sobject: 'ContentDocument', id: documentId, values: { Title: 'Minutes (final)' } }])).toMatchObject([{ ok: true }]);
    expect(await client.write([{ op: 'delete', ref: 'd', id: documentId }])).toMatchObject([{ ok: true }]);
    expect(await client.selectByIds('ContentDocument', [], [documentId])).toEqual([]);
  });

  it('an insert missing a required field fails alone without being sent', async () => {
    const before = (await stats()).apiCalls;
    const results = await client.write([
      { op: 'insert', ref: 'bad', sobject: 'Lead', values: { LastName: 'No company' } },
      { op: 'insert', ref: 'good', sobject: 'Lead', values: { LastName: 'Has company', Company: 'Acme' } },
    ]);
    expect(results[0]).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'REQUIRED_FIELD_MISSING', fields: ['Company'] }, recordId: null });
    expect(results[1]).toMatchObject({ ok: true });
    // One describe and one Composite call.
    expect((await stats()).apiCalls - before).toBe(2);
  });

  it('a field the org lacks suspends with its name', async () => {
    await expect(client.write([{ op: 'insert', ref: 'x', sobject: 'Contact', values: { LastName: 'X', Shoe_Size__c: 9 } }])).rejects.toMatchObject({
      failure: { kind: 'suspend', code: 'FIELD_NOT_IN_ORG', fields: ['Shoe_Size__c'] },
    });
  });
});

describe('Salesforce record client composite references', () => {
  it('linked writes take one call', async () => {
    const contacts = [await insert('Contact', { LastName: 'One' }), await insert('Contact', { LastName: 'Two' })];
    const accountId = await insert('Account', { Name: 'Acme' });
    await admin('POST', 'stats/reset');

    const results = await client.writeLinked([
      {
        parent: { op: 'upsert', ref: 'event', sobject: 'Event', externalIdField: SYNC, values: { [SYNC]: 'evt-1', Subject: 'Kick-off', ...EVENT_TIMES } },
        children: contacts.map((contactId, index) => ({ field: 'EventId', write: { op: 'insert', ref: `rel${index}`, sobject: 'EventRelation', values: { RelationId: contactId, Status: 'Accepted' } } })),
      },
      {
        parent: { op: 'insert', ref: 'file', sobject: 'ContentVersion', values: { PathOnClient: 'agenda.pdf', VersionData: 'AAAA' } },
        readBack: 'ContentDocumentId',
        children: [{ field: 'ContentDocumentId', write: { op: 'insert', ref: 'link', sobject: 'ContentDocumentLink', values: { LinkedEntityId: accountId, ShareType: 'V' } } }],
      },
    ]);

    const byRef = new Map(results.map((result) => [result.ref, result]));
    const eventId = okId(byRef.get('event'));
    okId(byRef.get('rel0'));
    okId(byRef.get('rel1'));
    okId(byRef.get('link'));
    const relations = await client.selectWhereIn('EventRelation', ['RelationId', 'Status'], 'EventId', [eventId]);
    expect(relations.map((r) => r.RelationId).sort()).toEqual([...contacts].sort());
    const [version] = await client.selectByIds('ContentVersion', ['ContentDocumentId'], [okId(byRef.get('file'))]);
    const links = await client.selectWhereIn('ContentDocumentLink', ['LinkedEntityId'], 'ContentDocumentId', [String(version?.ContentDocumentId)]);
    expect(links.map((link) => link.LinkedEntityId)).toEqual([accountId]);
    // The describes of four objects, then one Composite call for all writes.
    expect((await stats()).byRoute['POST /composite']).toBe(1);
  });

  it('children of a failed parent fail with the parent named', async () => {
    const results = await client.writeLinked([
      {
        parent: { op: 'insert', ref: 'lead', sobject: 'Lead', values: { LastName: 'No company' } },
        children: [{ field: 'WhoId', write: { op: 'insert', ref: 'task', sobject: 'Task', values: { Subject: 'Follow up' } } }],
      },
    ]);
    expect(results).toMatchObject([
      { ref: 'lead', ok: false, failure: { kind: 'itemError', code: 'REQUIRED_FIELD_MISSING' } },
      { ref: 'task', ok: false, failure: { kind: 'itemError', code: 'PARENT_WRITE_FAILED' } },
    ]);
    expect((await admin('GET', 'records/Task')) as { records: unknown[] }).toMatchObject({ records: [] });
  });
});

describe('Salesforce record client item errors', () => {
  it('1,000 mixed records in one call', async () => {
    const seeded = (await admin('POST', 'records', {
      sobject: 'Contact',
      records: Array.from({ length: 400 }, (_, n) => ({ LastName: `Existing ${n}` })),
    })) as { ids: string[] };
    const existingEmail = 'taken@example.org';
    await insert('Contact', { LastName: 'Owner of the address', Email: existingEmail });
    const deletedIds = seeded.ids.slice(0, 20);
    await client.write(deletedIds.map((id, n) => ({ op: 'delete', ref: `del${n}`, id })));
    await admin('POST', 'faults', {
      faults: [
        { type: 'validationRule', sobject: 'Contact', field: 'Title', pattern: '^Forbidden', message: 'Title may not be Forbidden' },
        { type: 'duplicateRule', sobject: 'Contact', field: 'Email' },
      ],
    });
    await client.describe('Contact');
    await admin('POST', 'stats/reset');

    const expected = new Map<string, { code: string; recordId: string | null }>();
    const writes: RecordWrite[] = [];
    for (let n = 0; n < 600; n += 1) {
      const values: Record<string, unknown> = { [SYNC]: `mixed-${n}`, LastName: `New ${n}` };
      if (n % 50 === 1) {
        values.Title = 'Forbidden title';
        expected.set(`new${n}`, { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', recordId: null });
      } else if (n % 50 === 2) {
        values.Email = existingEmail;
        expected.set(`new${n}`, { code: 'DUPLICATES_DETECTED', recordId: null });
      } else if (n % 50 === 3) {
        values.AccountId = '001000000000000AAA';
        expected.set(`new${n}`, { code: 'INVALID_CROSS_REFERENCE_KEY', recordId: null });
      } else if (n % 50 === 4) {
        values.Email = 'not an address';
        expected.set(`new${n}`, { code: 'INVALID_EMAIL_ADDRESS', recordId: null });
      } else if (n % 50 === 5) {
        delete values.LastName;
        expected.set(`new${n}`, { code: 'REQUIRED_FIELD_MISSING', recordId: null });
      } else if (n % 50 === 6) {
        values.LastName = 'L'.repeat(200);
      }
      writes.push({ op: 'upsert', ref: `new${n}`, sobject: 'Contact', externalIdField: SYNC, values });
    }
    seeded.ids.forEach((id, n) => {
      const values: Record<string, unknown> = { Department: `Dept ${n}` };
      if (n % 40 === 21) {
        values.Title = 'Forbidden too';
        expected.set(`upd${n}`, { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', recordId: id });
      }
      if (deletedIds.includes(id)) {
        expected.set(`upd${n}`, { code: 'ENTITY_IS_DELETED', recordId: id });
      }
      writes.push({ op: 'update', ref: `upd${n}`, sobject: 'Contact', id, values });
    });
    expect(writes).toHaveLength(1000);

    const results = await client.write(writes);

    expect(await stats()).toMatchObject({ apiCalls: 1, byRoute: { 'POST /composite': 1 } });
    expect(results).toHaveLength(1000);
    for (const result of results) {
      const wanted = expected.get(result.ref);
      if (wanted === undefined) {
        expect(result, result.ref).toMatchObject({ ok: true });
        continue;
      }
      expect(result, result.ref).toMatchObject({ ok: false, failure: { code: wanted.code }, recordId: wanted.recordId });
      if (!result.ok) {
        expect(['itemError', 'notFound']).toContain(result.failure.kind);
        expect(result.failure.message.length).toBeGreaterThan(0);
      }
    }
    expect(expected.size).toBeGreaterThan(60);

    const contacts = ((await admin('GET', 'records/Contact')) as { records: Record<string, unknown>[] }).records;
    const written = contacts.filter((c) => typeof c[SYNC] === 'string' && String(c[SYNC]).startsWith('mixed-'));
    expect(written).toHaveLength(600 - [...expected.keys()].filter((ref) => ref.startsWith('new')).length);
    const long = written.find((c) => c[SYNC] === 'mixed-6');
    expect(String(long?.LastName)).toHaveLength(80);
    expect(String(long?.LastName).endsWith(CUT_MARKER)).toBe(true);
    expect(contacts.filter((c) => c.Department === 'Dept 0' && c.IsDeleted === false)).toHaveLength(0);
    expect(contacts.filter((c) => String(c.Department).startsWith('Dept ') && c.IsDeleted === false)).toHaveLength(400 - 20 - 10);
  });

  it('a duplicate rule makes the record an item error listing the match', async () => {
    const contactId = await insert('Contact', { LastName: 'Hopper', Email: 'grace@example.org' });
    await admin('POST', 'faults', { faults: [{ type: 'duplicateRule', sobject: 'Lead', field: 'Email', matchSobjects: ['Contact'] }] });
    const [result] = await client.write([{ op: 'insert', ref: 'lead', sobject: 'Lead', values: { LastName: 'Hopper', Company: 'Navy', Email: 'grace@example.org' } }]);
    expect(result).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'DUPLICATES_DETECTED' }, recordId: null });
    expect(contactId.startsWith('003')).toBe(true);
  });

  it('a locked row is retried until the lock clears', async () => {
    const accountId = await insert('Account', { Name: 'Acme' });
    await admin('POST', 'faults', { faults: [{ type: 'rowLock', count: 2, ids: [accountId] }] });
    await admin('POST', 'stats/reset');
    const [result] = await client.write([{ op: 'update', ref: 'u', sobject: 'Account', id: accountId, values: { Phone: '+49 30 1234' } }]);
    expect(result).toMatchObject({ ok: true, id: accountId });
    expect((await stats()).byRoute['POST /composite']).toBe(3);
  });

  it('a row that stays locked ends as retry later with its record id', async () => {
    const accountId = await insert('Account', { Name: 'Acme' });
    await admin('POST', 'faults', { faults: [{ type: 'rowLock', count: 100, ids: [accountId] }] });
    const [result] = await client.write([{ op: 'update', ref: 'u', sobject: 'Account', id: accountId, values: { Phone: '1' } }]);
    expect(result).toMatchObject({ ok: false, failure: { kind: 'retryLater', code: 'UNABLE_TO_LOCK_ROW' }, recordId: accountId });
  });
});

describe('Salesforce org features probe', () => {
  it('finds every feature and the sync id field in a full org', async () => {
    const features = await client.probeFeatures(['Event', 'Task', 'Contact', 'Lead', 'EmailMessage', 'Opportunity'], SYNC);
    expect(features).toMatchObject({ enhancedEmail: true, personAccounts: true, sharedActivities: true });
    expect([...features.syncIdFieldOn].sort()).toEqual(['Account', 'Contact', 'EmailMessage', 'Event', 'Lead', 'Task']);
  });

  it('sees features an org has switched off, in two calls', async () => {
    await admin('PUT', 'features', { enhancedEmail: false, personAccounts: false, sharedActivities: false });
    await admin('POST', 'stats/reset');
    const features = await client.probeFeatures(['EmailMessage', 'Contact'], SYNC);
    expect(features).toMatchObject({ enhancedEmail: false, personAccounts: false, sharedActivities: false });
    expect(features.syncIdFieldOn).toContain('Contact');
    expect((await stats()).apiCalls).toBe(2);
  });
});
