import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpus, shapeOf, startHarness, timedEvent, type Harness } from './test-support.ts';

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: { Id: string; IsDeleted?: boolean }[];
}

describe('salesforce emulator query paging', () => {
  let h: Harness;
  let ids: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const records = Array.from({ length: 2450 }, (_, i) => timedEvent({ Subject: `Event ${i}` }));
    ids = ((await h.admin('POST', 'records', { sobject: 'Event', records })).body as { ids: string[] }).ids;
  });
  afterAll(async () => h.close());

  it('default batch is 2000 with nextRecordsUrl for the rest', async () => {
    const first = (await h.api('GET', `query?q=${encodeURIComponent('SELECT Id FROM Event')}`)).body as Page;
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    expect(first.totalSize).toBe(2450);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-2000$/);
    expect(shapeOf({ ...first, records: [] })).toEqual(shapeOf({ ...(corpus('sf-query-page1-nextRecordsUrl.json') as object), records: [] }));

    const second = (await h.api('GET', String(first.nextRecordsUrl))).body as Page;
    expect(second.records).toHaveLength(450);
    expect(second.done).toBe(true);
    expect(second.nextRecordsUrl).toBeUndefined();
    expect(Object.keys(second).sort()).toEqual(Object.keys(corpus('sf-query-page2-done.json') as object).sort());
    expect(new Set([...first.records, ...second.records].map((r) => r.Id))).toEqual(new Set(ids));
  });

  it('Sforce-Query-Options batchSize pages by that size', async () => {
    const headers = { 'Sforce-Query-Options': 'batchSize=500' };
    let page = (await h.api('GET', `query?q=${encodeURIComponent('SELECT Id FROM Event ORDER BY Id')}`, undefined, headers)).body as Page;
    const seen: string[] = [];
    let pages = 0;
    for (;;) {
      pages += 1;
      seen.push(...page.records.map((r) => r.Id));
      if (page.done) break;
      page = (await h.api('GET', String(page.nextRecordsUrl))).body as Page;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual([...ids].sort());
  });

  it('a batch size below 200 is raised to 200', async () => {
    const page = (await h.api('GET', `query?q=${encodeURIComponent('SELECT Id FROM Event')}`, undefined,
      { 'Sforce-Query-Options': 'batchSize=10' })).body as Page;
    expect(page.records).toHaveLength(200);
  });

  it('an unknown locator is INVALID_QUERY_LOCATOR', async () => {
    const { status, body } = await h.api('GET', 'query/01gNOPE-2000');
    expect(status).toBe(400);
    expect((body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('empty result matches the corpus', async () => {
    const { body } = await h.api('GET', `query?q=${encodeURIComponent("SELECT Id FROM Event WHERE Subject = 'none'")}`);
    expect(body).toEqual(corpus('sf-query-empty.json'));
  });

  it('query hides deleted records and queryAll returns them with IsDeleted', async () => {
    const [victim = ''] = ids;
    expect((await h.api('DELETE', `sobjects/Event/${victim}`)).status).toBe(204);
    const soql = encodeURIComponent(`SELECT Id, IsDeleted FROM Event WHERE Id = '${victim}'`);
    expect(((await h.api('GET', `query?q=${soql}`)).body as Page).totalSize).toBe(0);
    const all = (await h.api('GET', `queryAll?q=${soql}`)).body as Page;
    expect(all.records).toEqual([expect.objectContaining({ Id: victim, IsDeleted: true })]);
    const deleted = (await h.api('GET', `queryAll?q=${encodeURIComponent('SELECT Id FROM Event WHERE IsDeleted = true')}`)).body as Page;
    expect(deleted.records.map((r) => r.Id)).toEqual([victim]);
  });
});

describe('salesforce emulator getUpdated and getDeleted', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('list changed and deleted ids shaped like the corpus', async () => {
    const start = new Date(Date.now() - 60_000).toISOString();
    const kept = (await h.api('POST', 'sobjects/Event', timedEvent())).body as { id: string };
    const gone = (await h.api('POST', 'sobjects/Event', timedEvent())).body as { id: string };
    await h.api('DELETE', `sobjects/Event/${gone.id}`);
    const end = new Date(Date.now() + 120_000).toISOString();
    const window = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;

    const updated = await h.api('GET', `sobjects/Event/updated/?${window}`);
    expect(updated.body).toMatchObject({ ids: [kept.id] });
    expect(shapeOf(updated.body)).toEqual(shapeOf(corpus('sf-getupdated.json')));
    const deleted = await h.api('GET', `sobjects/Event/deleted/?${window}`);
    expect((deleted.body as { deletedRecords: { id: string }[] }).deletedRecords.map((r) => r.id)).toEqual([gone.id]);
    expect(shapeOf(deleted.body)).toEqual(shapeOf(corpus('sf-getdeleted.json')));
  });
});
