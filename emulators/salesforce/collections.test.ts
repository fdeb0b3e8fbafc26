import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, timedEvent, type Harness } from './test-support.ts';

interface Result {
  id: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
  created?: boolean;
}

const event = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ attributes: { type: 'Event' }, ...timedEvent(extra) });

describe('salesforce emulator sObject Collections', () => {
  let h: Harness;
  const eventCount = async (): Promise<number> =>
    ((await h.api('GET', `query?q=${encodeURIComponent('SELECT COUNT() FROM Event')}`)).body as { totalSize: number }).totalSize;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('create reports per-record results in order with HTTP 200 on partial failure', async () => {
    const { status, body } = await h.api('POST', 'composite/sobjects', {
      allOrNone: false, records: [event({ Subject: 'ok 1' }), event({ ShowAs: 'Nope' }), event({ Subject: 'ok 2' })],
    });
    expect(status).toBe(200);
    const results = body as Result[];
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[0]).toEqual({ id: expect.stringMatching(/^00U/), success: true, errors: [] });
    expect(results[1]).toEqual({ id: null, success: false, errors: [
      { statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Show Time As: bad value for restricted picklist field: Nope', fields: ['ShowAs'] },
    ] });
  });

  it('allOrNone create rolls every record back', async () => {
    const before = await eventCount();
    const { status, body } = await h.api('POST', 'composite/sobjects', {
      allOrNone: true, records: [event(), event({ Subject: 'x'.repeat(300) }), event()],
    });
    expect(status).toBe(200);
    const results = body as Result[];
    expect(results[1]?.errors[0]?.statusCode).toBe('STRING_TOO_LONG');
    for (const index of [0, 2]) {
      expect(results[index]).toEqual({ id: null, success: false, errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })] });
    }
    expect(await eventCount()).toBe(before);
  });

  it('update by Id with a missing record and a bad id mixed in', async () => {
    const created = (await h.api('POST', 'composite/sobjects', { records: [event(), event()] })).body as Result[];
    const [a, b] = created.map((r) => String(r.id));
    await h.api('DELETE', `sobjects/Event/${b}`);
    const { body } = await h.api('PATCH', 'composite/sobjects', { allOrNone: false, records: [
      { attributes: { type: 'Event' }, Id: a, Location: 'Room 9' },
      { attributes: { type: 'Event' }, Id: b, Location: 'Room 9' },
      { attributes: { type: 'Event' }, Id: 'garbage', Location: 'Room 9' },
      { attributes: { type: 'Event' }, Location: 'no id' },
    ] });
    const results = body as Result[];
    expect(results.map((r) => r.success ? 'ok' : r.errors[0]?.statusCode))
      .toEqual(['ok', 'ENTITY_IS_DELETED', 'MALFORMED_ID', 'MISSING_ARGUMENT']);
    expect(((await h.api('GET', `sobjects/Event/${a}`)).body as { Location: string }).Location).toBe('Room 9');
  });

  it('upsert by external id reports created per record', async () => {
    const url = 'composite/sobjects/Event/Syncline_Sync_Id__c';
    const first = (await h.api('PATCH', url, { allOrNone: false, records: [event({ Syncline_Sync_Id__c: 'c-1' })] })).body as Result[];
    expect(first).toEqual([{ id: expect.any(String), success: true, errors: [], created: true }]);
    const second = (await h.api('PATCH', url, { allOrNone: false, records: [
      event({ Syncline_Sync_Id__c: 'c-1', Subject: 'renamed' }),
      event({ Syncline_Sync_Id__c: 'c-2' }),
      event({ Syncline_Sync_Id__c: 'c-3', DurationInMinutes: 5 }),
    ] })).body as Result[];
    expect(second.map((r) => [r.success, r.created])).toEqual([[true, false], [true, true], [false, false]]);
    expect(second[0]?.id).toBe(first[0]?.id);
    expect(second[2]?.errors[0]?.statusCode).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('delete by ids reports each id, already deleted ones included', async () => {
    const created = (await h.api('POST', 'composite/sobjects', { records: [event(), event()] })).body as Result[];
    const ids = created.map((r) => String(r.id));
    await h.api('DELETE', `sobjects/Event/${ids[1]}`);
    const { status, body } = await h.api('DELETE', `composite/sobjects?ids=${ids.join(',')}&allOrNone=false`);
    expect(status).toBe(200);
    expect((body as Result[]).map((r) => [r.id, r.success, r.errors[0]?.statusCode]))
      .toEqual([[ids[0], true, undefined], [ids[1], false, 'ENTITY_IS_DELETED']]);
  });

  it('more than 200 records is EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, () => event());
    const { status, body } = await h.api('POST', 'composite/sobjects', { records });
    expect(status).toBe(400);
    expect((body as { errorCode: string }[])[0]?.errorCode).toBe('EXCEEDED_ID_LIMIT');
    const ids = Array.from({ length: 201 }, () => '00U5g00000000AAAAA').join(',');
    expect((await h.api('DELETE', `composite/sobjects?ids=${ids}`)).status).toBe(400);
  });
});
