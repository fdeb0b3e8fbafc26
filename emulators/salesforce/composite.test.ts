import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpus, shapeOf, startHarness, timedEvent, type Harness } from './test-support.ts';

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const V = '/services/data/v62.0';

describe('salesforce emulator composite', () => {
  let h: Harness;
  const composite = async (compositeRequest: unknown[], allOrNone = false) =>
    h.api('POST', 'composite', { allOrNone, compositeRequest });

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('creates with references and matches the corpus response shape', async () => {
    const { status, body } = await composite([
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'first', body: timedEvent() },
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'second', body: timedEvent({ Subject: 'after' }) },
      { method: 'GET', url: `${V}/query?q=${encodeURIComponent("SELECT Id FROM Event WHERE Subject = 'after'")}`, referenceId: 'found' },
      { method: 'PATCH', url: `${V}/sobjects/Event/@{found.records[0].Id}`, referenceId: 'touch', body: { Location: '@{first.id}' } },
    ]);
    expect(status).toBe(200);
    const responses = (body as { compositeResponse: SubResponse[] }).compositeResponse;
    const expected = corpus('sf-composite-success.json') as { compositeResponse: SubResponse[] };
    const { warnings: _warnings, ...expectedBody } = expected.compositeResponse[0]?.body as Record<string, unknown>;
    expect(shapeOf({ ...responses[0], body: responses[0]?.body })).toEqual(shapeOf({ ...expected.compositeResponse[0], body: expectedBody }));
    expect(responses.map((r) => r.httpStatusCode)).toEqual([201, 201, 200, 204]);
    const secondId = (responses[1]?.body as { id: string }).id;
    const firstId = (responses[0]?.body as { id: string }).id;
    const record = (await h.api('GET', `sobjects/Event/${secondId}`)).body as { Location: string };
    expect(record.Location).toBe(firstId);
  });

  it('allOrNone failure rolls back and halts the rest like the corpus', async () => {
    const before = (await h.admin('GET', 'records/Event')).body as { records: unknown[] };
    const { body } = await composite([
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'NewPayment1', body: timedEvent() },
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'NewPayment2', body: timedEvent({ Bogus__c: 'x' }) },
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'NewPayment3', body: timedEvent() },
    ], true);
    const responses = (body as { compositeResponse: SubResponse[] }).compositeResponse;
    const expected = corpus('sf-composite-allornone-failure.json') as { compositeResponse: SubResponse[] };
    expect(responses[0]).toEqual(expected.compositeResponse[0]);
    expect(responses[1]?.httpStatusCode).toBe(400);
    expect(Object.keys(responses[1] ?? {}).sort()).toEqual(Object.keys(expected.compositeResponse[1] ?? {}).sort());
    const errorKeys = (r: SubResponse | undefined): string[] => Object.keys((r?.body as object[])[0] ?? {}).sort();
    expect(errorKeys(responses[1])).toEqual(errorKeys(expected.compositeResponse[1]));
    expect((responses[1]?.body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_FIELD');
    expect(responses[2]).toEqual({ ...expected.compositeResponse[0], referenceId: 'NewPayment3' });
    const after = (await h.admin('GET', 'records/Event')).body as { records: unknown[] };
    expect(after.records).toHaveLength(before.records.length);
  });

  it('a reference to a failed subrequest halts only its dependant', async () => {
    const { body } = await composite([
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'bad', body: { Subject: 'no times' } },
      { method: 'GET', url: `${V}/sobjects/Event/@{bad.id}`, referenceId: 'dependant' },
      { method: 'POST', url: `${V}/sobjects/Event`, referenceId: 'fine', body: timedEvent() },
    ]);
    const responses = (body as { compositeResponse: SubResponse[] }).compositeResponse;
    expect(responses.map((r) => r.httpStatusCode)).toEqual([400, 400, 201]);
    expect((responses[1]?.body as { errorCode: string }[])[0]?.errorCode).toBe('PROCESSING_HALTED');
  });

  it('25 subrequests run; 26 are refused', async () => {
    const subs = (n: number) => Array.from({ length: n }, (_, i) => ({ method: 'GET', url: `${V}/limits`, referenceId: `r${i}` }));
    const ok = await composite(subs(25));
    expect(ok.status).toBe(200);
    expect((ok.body as { compositeResponse: unknown[] }).compositeResponse).toHaveLength(25);
    const refused = await composite(subs(26));
    expect(refused.status).toBe(400);
  });

  it('six collection or query subrequests are refused', async () => {
    const subs = Array.from({ length: 6 }, (_, i) => ({
      method: 'GET', url: `${V}/query?q=${encodeURIComponent('SELECT Id FROM Event')}`, referenceId: `q${i}`,
    }));
    const { status, body } = await composite(subs);
    expect(status).toBe(400);
    expect((body as { errorCode: string }[])[0]?.errorCode).toBe('LIMIT_EXCEEDED');
  });

  it('10,000 upserts in 10 composite calls count 10 API calls and query back', async () => {
    await h.admin('POST', 'stats/reset');
    const started = Date.now();
    for (let call = 0; call < 10; call += 1) {
      const compositeRequest = Array.from({ length: 5 }, (_, c) => ({
        method: 'PATCH', url: `${V}/composite/sobjects/Event/Syncline_Sync_Id__c`, referenceId: `c${c}`,
        body: { allOrNone: false, records: Array.from({ length: 200 }, (_, r) => ({
          attributes: { type: 'Event' }, Syncline_Sync_Id__c: `bench-${call}-${c}-${r}`, ...timedEvent(),
        })) },
      }));
      const { body } = await composite(compositeRequest);
      const responses = (body as { compositeResponse: SubResponse[] }).compositeResponse;
      expect(responses.every((r) => (r.body as { success: boolean }[]).every((x) => x.success))).toBe(true);
    }
    expect((await h.admin('GET', 'stats')).body).toMatchObject({ apiCalls: 10, byRoute: { 'POST /composite': 10 } });

    let page = (await h.api('GET', `query?q=${encodeURIComponent("SELECT Id, Syncline_Sync_Id__c FROM Event WHERE Syncline_Sync_Id__c LIKE 'bench-%'")}`)).body as { done: boolean; nextRecordsUrl?: string; records: unknown[] };
    let total = page.records.length;
    while (!page.done) {
      page = (await h.api('GET', String(page.nextRecordsUrl))).body as typeof page;
      total += page.records.length;
    }
    expect(total).toBe(10_000);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
