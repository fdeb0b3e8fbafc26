import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumSuffix } from './ids.ts';
import { corpus, shapeOf, startHarness, timedEvent, type Harness } from './test-support.ts';

type Row = Record<string, unknown>;
const errorCode = (body: unknown): string | undefined => (body as { errorCode: string }[])[0]?.errorCode;

describe('salesforce emulator sObject rows', () => {
  let h: Harness;
  const get = async (id: string): Promise<Row> => (await h.api('GET', `sobjects/Event/${id}`)).body as Row;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('create returns 201 with an 18-character 00U id whose suffix checks out', async () => {
    const { status, body, headers } = await h.api('POST', 'sobjects/Event', timedEvent());
    expect(status).toBe(201);
    const id = String((body as Row).id);
    expect(body).toEqual({ id, success: true, errors: [] });
    expect(id).toMatch(/^00U\w{15}$/);
    expect(id.slice(15)).toBe(checksumSuffix(id.slice(0, 15)));
    expect(headers.get('location')).toBe(`/services/data/v62.0/sobjects/Event/${id}`);
  });

  it('a timed event gets derived fields and server fields', async () => {
    const { body } = await h.api('POST', 'sobjects/Event', timedEvent({ StartDateTime: '2026-05-04T23:30:00Z', EndDateTime: null, DurationInMinutes: 45 }));
    const row = await get(String((body as Row).id));
    expect(row).toMatchObject({
      StartDateTime: '2026-05-04T23:30:00.000+0000', ActivityDateTime: '2026-05-04T23:30:00.000+0000',
      EndDateTime: '2026-05-05T00:15:00.000+0000', DurationInMinutes: 45, ShowAs: 'Busy', IsDeleted: false,
      // The owner works in Europe/Berlin, where 23:30 UTC is already the next day.
      ActivityDate: '2026-05-05',
    });
    expect(String(row.OwnerId)).toMatch(/^005/);
    expect(row.SystemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('an all-day event is stored at midnight GMT with 1440 minutes per day', async () => {
    const { body } = await h.api('POST', 'sobjects/Event', { Subject: 'Fair', IsAllDayEvent: true, ActivityDate: '2023-05-12', EndDateTime: '2023-05-14T00:00:00Z' });
    const row = await get(String((body as Row).id));
    expect(row).toMatchObject({
      StartDateTime: '2023-05-12T00:00:00.000+0000', EndDateTime: '2023-05-14T00:00:00.000+0000',
      DurationInMinutes: 4320, ActivityDate: '2023-05-12', ActivityDateTime: null,
    });
  });

  it('an event without end or duration is REQUIRED_FIELD_MISSING', async () => {
    const { status, body } = await h.api('POST', 'sobjects/Event', { Subject: 'x', StartDateTime: '2026-05-04T13:00:00Z' });
    expect(status).toBe(400);
    expect(body).toEqual([{ message: 'Required fields are missing: [DurationInMinutes]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['DurationInMinutes'] }]);
  });

  it('an event longer than 14 days is refused', async () => {
    const { status, body } = await h.api('POST', 'sobjects/Event', timedEvent({ EndDateTime: '2026-05-19T14:00:00Z' }));
    expect(status).toBe(400);
    expect(errorCode(body)).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('text over its length is STRING_TOO_LONG naming the field', async () => {
    const { status, body } = await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'x'.repeat(256) }));
    expect(status).toBe(400);
    expect(body).toEqual([expect.objectContaining({ errorCode: 'STRING_TOO_LONG', fields: ['Subject'] })]);
  });

  it('a bad restricted picklist value is INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', async () => {
    const { body } = await h.api('POST', 'sobjects/Event', timedEvent({ ShowAs: 'Tentative' }));
    expect(body).toEqual([expect.objectContaining({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['ShowAs'] })]);
  });

  it('an unknown field is INVALID_FIELD shaped like the corpus', async () => {
    const { status, body } = await h.api('POST', 'sobjects/Event', timedEvent({ foo: 1 }));
    expect(status).toBe(400);
    expect(errorCode(body)).toBe('INVALID_FIELD');
    expect((body as Row[])[0]?.message).toBe("No such column 'foo' on sobject of type Event");
    const { fields: _fields, ...withoutFields } = (body as Row[])[0] ?? {};
    expect(shapeOf([withoutFields])).toEqual(shapeOf(corpus('sf-error-invalid-field.json')));
  });

  it('read-only fields are INVALID_FIELD_FOR_INSERT_UPDATE', async () => {
    const { body } = await h.api('POST', 'sobjects/Event', timedEvent({ SystemModstamp: '2026-01-01T00:00:00Z' }));
    expect(body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['SystemModstamp'] })]);
  });

  it('PATCH updates, keeps the duration when only the start moves, and advances SystemModstamp', async () => {
    const id = String(((await h.api('POST', 'sobjects/Event', timedEvent())).body as Row).id);
    const before = await get(id);
    const patched = await h.api('PATCH', `sobjects/Event/${id}`, { StartDateTime: '2026-05-04T15:00:00Z', Location: 'Lab' });
    expect(patched.status).toBe(204);
    const after = await get(id);
    expect(after).toMatchObject({ EndDateTime: '2026-05-04T16:00:00.000+0000', DurationInMinutes: 60, Location: 'Lab' });
    expect(String(after.SystemModstamp) > String(before.SystemModstamp)).toBe(true);
    expect(after.LastModifiedDate).toBe(after.SystemModstamp);
  });

  it('SystemModstamp strictly increases across rapid writes', async () => {
    const stamps: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const id = String(((await h.api('POST', 'sobjects/Event', timedEvent())).body as Row).id);
      stamps.push(String((await get(id)).SystemModstamp));
    }
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it('DELETE then GET is ENTITY_IS_DELETED; a second DELETE too', async () => {
    const id = String(((await h.api('POST', 'sobjects/Event', timedEvent())).body as Row).id);
    expect((await h.api('DELETE', `sobjects/Event/${id}`)).status).toBe(204);
    const gone = await h.api('GET', `sobjects/Event/${id}`);
    expect(gone.status).toBe(404);
    expect(errorCode(gone.body)).toBe('ENTITY_IS_DELETED');
    expect(errorCode((await h.api('DELETE', `sobjects/Event/${id}`)).body)).toBe('ENTITY_IS_DELETED');
  });

  it('non-id segment is unknown external field', async () => {
    const { status, body } = await h.api('DELETE', 'sobjects/Event/rid');
    expect(status).toBe(404);
    expect(body).toEqual(corpus('sf-delete-error-not-found.json'));
  });

  it('an id with a bad checksum is MALFORMED_ID; an unknown id is NOT_FOUND', async () => {
    const id = String(((await h.api('POST', 'sobjects/Event', timedEvent())).body as Row).id);
    const badSuffix = `${id.slice(0, 15)}${id.slice(15) === 'AAA' ? 'BBB' : 'AAA'}`;
    expect(errorCode((await h.api('PATCH', `sobjects/Event/${badSuffix}`, { Location: 'x' })).body)).toBe('MALFORMED_ID');
    const unknown = `${id.slice(0, 10)}ZZZZZ`;
    const missing = await h.api('GET', `sobjects/Event/${unknown}`);
    expect(missing.status).toBe(404);
    expect(errorCode(missing.body)).toBe('NOT_FOUND');
  });

  it('upsert by external id creates with 201 then updates with 200', async () => {
    const created = await h.api('PATCH', 'sobjects/Event/Syncline_Sync_Id__c/sync-1', timedEvent({ Subject: 'first' }));
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), success: true, errors: [], created: true });
    const updated = await h.api('PATCH', 'sobjects/Event/Syncline_Sync_Id__c/SYNC-1', { Subject: 'second' });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ id: (created.body as Row).id, success: true, errors: [], created: false });
    expect((await get(String((created.body as Row).id))).Subject).toBe('second');
  });

  it('upsert matching several records is 300 with record URLs like the corpus', async () => {
    const seeded = await h.admin('POST', 'records', { sobject: 'Event', records: [
      timedEvent({ Syncline_Sync_Id__c: 'twin' }), timedEvent({ Syncline_Sync_Id__c: 'twin' }),
    ] });
    const ids = (seeded.body as { ids: string[] }).ids;
    const { status, body } = await h.api('PATCH', 'sobjects/Event/Syncline_Sync_Id__c/twin', { Subject: 'x' });
    expect(status).toBe(300);
    expect(shapeOf(body)).toEqual(shapeOf(corpus('sf-upsert-300-multiple-choices.json')));
    expect(body).toEqual(ids.map((id) => `/services/data/v62.0/sobjects/Event/${id}`));
  });

  it('upsert on an unknown external id field is 404 NOT_FOUND like the corpus', async () => {
    const { status, body } = await h.api('PATCH', 'sobjects/Event/Namez/abc', { Subject: 'x' });
    expect(status).toBe(404);
    expect(body).toEqual(corpus('sf-upsert-error-not-found-external-id.json'));
  });

  it('a duplicate sync id on create is DUPLICATE_VALUE', async () => {
    await h.api('POST', 'sobjects/Event', timedEvent({ Syncline_Sync_Id__c: 'uniq-1' }));
    const { body } = await h.api('POST', 'sobjects/Event', timedEvent({ Syncline_Sync_Id__c: 'UNIQ-1' }));
    expect(errorCode(body)).toBe('DUPLICATE_VALUE');
  });

  it('describe lists field lengths, picklists and the external id field', async () => {
    const { status, body } = await h.api('GET', 'sobjects/Event/describe');
    expect(status).toBe(200);
    const describe = body as { name: string; keyPrefix: string; createable: boolean; fields: Row[] };
    expect(describe).toMatchObject({ name: 'Event', keyPrefix: '00U', createable: true });
    const byName = new Map(describe.fields.map((f) => [f.name, f]));
    expect(byName.get('Subject')).toMatchObject({ type: 'combobox', length: 255 });
    expect(byName.get('Description')).toMatchObject({ type: 'textarea', length: 32000 });
    expect(byName.get('ShowAs')).toMatchObject({ type: 'picklist', restrictedPicklist: true });
    expect(byName.get('ShowAs')?.picklistValues).toEqual([
      { value: 'Busy', label: 'Busy', active: true, defaultValue: true, validFor: null },
      { value: 'OutOfOffice', label: 'OutOfOffice', active: true, defaultValue: false, validFor: null },
      { value: 'Free', label: 'Free', active: true, defaultValue: false, validFor: null },
    ]);
    expect(byName.get('Syncline_Sync_Id__c')).toMatchObject({ type: 'string', length: 255, externalId: true, unique: true, caseSensitive: false, custom: true });
    expect(byName.get('SystemModstamp')).toMatchObject({ createable: false, updateable: false });
  });

  it('an unknown API version is 404', async () => {
    const { status } = await h.api('GET', '/services/data/v12.0/limits');
    expect(status).toBe(404);
  });
});
