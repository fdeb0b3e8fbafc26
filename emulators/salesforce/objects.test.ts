import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

beforeEach(async () => {
  await h.admin('PUT', 'features', { enhancedEmail: true, personAccounts: true, sharedActivities: true });
});

async function create(sobject: string, body: Record<string, unknown>): Promise<string> {
  const response = await h.api('POST', `sobjects/${sobject}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return (response.body as { id: string }).id;
}

async function query(soql: string): Promise<Record<string, unknown>[]> {
  const response = await h.api('GET', `query?q=${encodeURIComponent(soql)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return (response.body as { records: Record<string, unknown>[] }).records;
}

async function describeFields(sobject: string): Promise<Record<string, unknown>[]> {
  const response = await h.api('GET', `sobjects/${sobject}/describe`);
  return (response.body as { fields: Record<string, unknown>[] }).fields;
}

describe('salesforce emulator objects', () => {
  it('describe lists every served object with required fields and picklists', async () => {
    const global = (await h.api('GET', 'sobjects')).body as { sobjects: { name: string }[] };
    const names = global.sobjects.map((s) => s.name);
    for (const name of ['Event', 'EventRelation', 'Task', 'Contact', 'Lead', 'Account', 'Opportunity', 'EmailMessage',
      'EmailMessageRelation', 'ContentVersion', 'ContentDocument', 'ContentDocumentLink', 'User']) {
      expect(names).toContain(name);
    }
    const lead = await describeFields('Lead');
    expect(lead.find((f) => f.name === 'Company')).toMatchObject({ nillable: false, length: 255, defaultedOnCreate: false });
    expect(lead.find((f) => f.name === 'Status')).toMatchObject({ defaultValue: 'Open - Not Contacted' });
    expect((await describeFields('Contact')).find((f) => f.name === 'Phone')).toMatchObject({ type: 'phone', length: 40 });
  });

  it('features switched off remove objects and fields from describe', async () => {
    await h.admin('PUT', 'features', { enhancedEmail: false, personAccounts: false, sharedActivities: false });
    const global = (await h.api('GET', 'sobjects')).body as { sobjects: { name: string }[] };
    expect(global.sobjects.map((s) => s.name)).not.toContain('EmailMessage');
    expect((await h.api('GET', 'sobjects/EmailMessage/describe')).status).toBe(404);
    expect((await describeFields('Account')).map((f) => f.name)).not.toContain('IsPersonAccount');
    expect((await describeFields('EventRelation')).map((f) => f.name)).not.toContain('IsParent');

    await h.admin('PUT', 'features', { sharedActivities: true });
    expect((await describeFields('EventRelation')).map((f) => f.name)).toContain('IsParent');
  });

  it('a create without a required field is REQUIRED_FIELD_MISSING naming the fields', async () => {
    const response = await h.api('POST', 'sobjects/Lead', { FirstName: 'Grace' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual([{ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName, Company]',
      fields: ['LastName', 'Company'] }]);
  });

  it('a lookup to a missing or deleted record is refused', async () => {
    const accountId = await create('Account', { Name: 'Acme' });
    await h.api('DELETE', `sobjects/Account/${accountId}`);
    const deleted = await h.api('POST', 'sobjects/Contact', { LastName: 'Hopper', AccountId: accountId });
    expect(deleted.body).toMatchObject([{ errorCode: 'ENTITY_IS_DELETED', fields: ['AccountId'] }]);
    const missing = await h.api('POST', 'sobjects/Contact', { LastName: 'Hopper', AccountId: '001000000000000AAA' });
    expect(missing.body).toMatchObject([{ errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] }]);
  });

  it('a person account gets its name and a contact of its own', async () => {
    const id = await create('Account', { FirstName: 'Ada', LastName: 'Lovelace', PersonEmail: 'ada@example.org' });
    const [account] = await query(`SELECT Name, IsPersonAccount, PersonContactId FROM Account WHERE Id = '${id}'`);
    expect(account).toMatchObject({ Name: 'Ada Lovelace', IsPersonAccount: true });
    const [contact] = await query(`SELECT Email, AccountId, IsPersonAccount FROM Contact WHERE Id = '${String(account?.PersonContactId)}'`);
    expect(contact).toMatchObject({ Email: 'ada@example.org', AccountId: id, IsPersonAccount: true });
    expect((await create('Account', { Name: 'Business' })).startsWith('001')).toBe(true);
  });

  it('a ContentVersion insert creates its ContentDocument and first link', async () => {
    const accountId = await create('Account', { Name: 'Acme' });
    const versionId = await create('ContentVersion', {
      PathOnClient: 'notes/agenda.pdf', VersionData: Buffer.from('hello file').toString('base64'), FirstPublishLocationId: accountId,
    });
    const [version] = await query(`SELECT ContentDocumentId, Title, FileExtension, ContentSize, IsLatest FROM ContentVersion WHERE Id = '${versionId}'`);
    expect(version).toMatchObject({ Title: 'agenda', FileExtension: 'pdf', ContentSize: 10, IsLatest: true });
    const documentId = String(version?.ContentDocumentId);
    expect(documentId.startsWith('069')).toBe(true);
    const [document] = await query(`SELECT LatestPublishedVersionId, Title FROM ContentDocument WHERE Id = '${documentId}'`);
    expect(document).toMatchObject({ LatestPublishedVersionId: versionId, Title: 'agenda' });
    const links = await query(`SELECT LinkedEntityId, ShareType FROM ContentDocumentLink WHERE ContentDocumentId = '${documentId}'`);
    expect(links).toMatchObject([{ LinkedEntityId: accountId, ShareType: 'I' }]);
  });

  it('an EmailMessageRelation takes its address and type from the related record', async () => {
    const contactId = await create('Contact', { LastName: 'Hopper', Email: 'grace@example.org' });
    const emailId = await create('EmailMessage', { Subject: 'Hi', Status: '3', FromAddress: 'ada@example.com' });
    const relationId = await create('EmailMessageRelation', { EmailMessageId: emailId, RelationId: contactId, RelationType: 'ToAddress' });
    const [relation] = await query(`SELECT RelationAddress, RelationObjectType FROM EmailMessageRelation WHERE Id = '${relationId}'`);
    expect(relation).toEqual(expect.objectContaining({ RelationAddress: 'grace@example.org', RelationObjectType: 'Contact' }));
    const bare = await h.api('POST', 'sobjects/EmailMessageRelation', { EmailMessageId: emailId, RelationType: 'CcAddress' });
    expect(bare.body).toMatchObject([{ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['RelationId'] }]);
  });

  it('an EventRelation to a person is an invitee, to an account a What', async () => {
    const eventId = await create('Event', { Subject: 'Demo', StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z' });
    const contactId = await create('Contact', { LastName: 'Hopper' });
    const accountId = await create('Account', { Name: 'Acme' });
    await create('EventRelation', { EventId: eventId, RelationId: contactId, Status: 'Accepted' });
    await create('EventRelation', { EventId: eventId, RelationId: accountId });
    const relations = await query(`SELECT RelationId, IsInvitee, IsWhat, Status FROM EventRelation WHERE EventId = '${eventId}' ORDER BY IsWhat`);
    expect(relations).toMatchObject([
      { RelationId: contactId, IsInvitee: true, IsWhat: false, Status: 'Accepted' },
      { RelationId: accountId, IsInvitee: false, IsWhat: true, Status: 'New' },
    ]);
  });
});

describe('salesforce emulator record faults', () => {
  it('a duplicate rule answers DUPLICATES_DETECTED with the matches', async () => {
    const contactId = await create('Contact', { LastName: 'Hopper', Email: 'grace@example.org' });
    await h.admin('POST', 'faults', { faults: [{ type: 'duplicateRule', sobject: 'Lead', field: 'Email', matchSobjects: ['Lead', 'Contact'] }] });
    const response = await h.api('POST', 'sobjects/Lead', { LastName: 'Hopper', Company: 'Navy', Email: 'GRACE@example.org' });
    expect(response.status).toBe(400);
    const [error] = response.body as Record<string, unknown>[];
    expect(error).toMatchObject({
      errorCode: 'DUPLICATES_DETECTED',
      duplicateResult: { allowSave: false, duplicateRuleEntityType: 'Lead',
        matchResults: [{ entityType: 'Contact', size: 1, matchRecords: [{ record: { Id: contactId } }] }] },
    });
    expect((await h.api('POST', 'sobjects/Lead', { LastName: 'Other', Company: 'Navy', Email: 'other@example.org' })).status).toBe(201);
    await h.admin('DELETE', 'faults');
    expect((await h.api('POST', 'sobjects/Lead', { LastName: 'Hopper', Company: 'Navy', Email: 'grace@example.org' })).status).toBe(201);
  });

  it('row lock fails the next writes', async () => {
    const accountId = await create('Account', { Name: 'Acme' });
    const otherId = await create('Account', { Name: 'Other' });
    await h.admin('POST', 'faults', { faults: [{ type: 'rowLock', count: 2, ids: [accountId] }] });
    expect((await h.api('PATCH', `sobjects/Account/${otherId}`, { Phone: '1' })).status).toBe(204);
    const child = await h.api('POST', 'sobjects/Contact', { LastName: 'Child', AccountId: accountId });
    expect(child.body).toMatchObject([{ errorCode: 'UNABLE_TO_LOCK_ROW' }]);
    const collection = await h.api('PATCH', 'composite/sobjects', { allOrNone: false,
      records: [{ attributes: { type: 'Account' }, Id: accountId, Phone: '2' }] });
    expect(collection.body).toMatchObject([{ success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW' }] }]);
    expect((await h.api('PATCH', `sobjects/Account/${accountId}`, { Phone: '3' })).status).toBe(204);
  });
});
