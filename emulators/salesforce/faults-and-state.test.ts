import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpus, refreshToken, shapeOf, startHarness, timedEvent, type Harness } from './test-support.ts';

const errorCode = (body: unknown): string | undefined => (body as { errorCode: string }[])[0]?.errorCode;

describe('salesforce emulator faults, limits and stats', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dailyApiLimit: 50 });
  });
  afterAll(async () => h.close());

  it('a validation rule fails matching writes with FIELD_CUSTOM_VALIDATION_EXCEPTION', async () => {
    await h.admin('POST', 'faults', { faults: [{ type: 'validationRule', sobject: 'Event', field: 'Subject', pattern: '^Secret', message: 'Secret meetings are not allowed' }] });
    const single = await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'Secret plan' }));
    expect(single.status).toBe(400);
    expect(single.body).toEqual([{ message: 'Secret meetings are not allowed', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: ['Subject'] }]);
    const batch = await h.api('POST', 'composite/sobjects', { records: [
      { attributes: { type: 'Event' }, ...timedEvent({ Subject: 'Open' }) },
      { attributes: { type: 'Event' }, ...timedEvent({ Subject: 'Secret 2' }) },
    ] });
    expect((batch.body as { success: boolean }[]).map((r) => r.success)).toEqual([true, false]);
    await h.admin('DELETE', 'faults');
    expect((await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'Secret plan' }))).status).toBe(201);
  });

  it('throttle answers 403 REQUEST_LIMIT_EXCEEDED with Retry-After, then recovers', async () => {
    await h.admin('POST', 'faults', { faults: [{ type: 'throttle', count: 2, retryAfterSeconds: 7 }] });
    for (let i = 0; i < 2; i += 1) {
      const throttled = await h.api('GET', 'limits');
      expect(throttled.status).toBe(403);
      expect(throttled.headers.get('retry-after')).toBe('7');
      expect(errorCode(throttled.body)).toBe('REQUEST_LIMIT_EXCEEDED');
    }
    expect((await h.api('GET', 'limits')).status).toBe(200);
  });

  it('failNth fails exactly the nth request', async () => {
    await h.admin('POST', 'faults', { faults: [{ type: 'failNth', n: 2, status: 503, errorCode: 'SERVER_UNAVAILABLE' }] });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await h.api('GET', 'limits')).status);
    expect(statuses).toEqual([200, 503, 200]);
  });

  it('latency delays requests until faults are cleared', async () => {
    await h.admin('POST', 'faults', { faults: [{ type: 'latency', ms: 150 }] });
    const started = Date.now();
    await h.api('GET', 'limits');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await h.admin('DELETE', 'faults');
  });

  it('limits has the corpus keys and DailyApiRequests counts down', async () => {
    const first = (await h.api('GET', 'limits')).body as Record<string, { Max: number; Remaining: number }>;
    const second = (await h.api('GET', 'limits')).body as Record<string, { Max: number; Remaining: number }>;
    expect(first.DailyApiRequests?.Max).toBe(50);
    expect(second.DailyApiRequests?.Remaining).toBe((first.DailyApiRequests?.Remaining ?? 0) - 1);
    const sample = corpus('sf-limits.json') as Record<string, unknown>;
    expect(shapeOf(first.DailyApiRequests)).toEqual(shapeOf(sample.DailyApiRequests));
  });

  it('stats count REST calls by route and reset', async () => {
    await h.admin('POST', 'stats/reset');
    await h.api('GET', 'limits');
    await h.api('GET', `query?q=${encodeURIComponent('SELECT Id FROM Event')}`);
    await refreshToken(h.emulator.url);
    expect((await h.admin('GET', 'stats')).body).toEqual({ apiCalls: 2, byRoute: { 'GET /limits': 1, 'GET /query': 1 } });
  });

  it('an exhausted daily limit is REQUEST_LIMIT_EXCEEDED TotalRequests', async () => {
    let last = await h.api('GET', 'limits');
    for (let i = 0; i < 60 && last.status === 200; i += 1) last = await h.api('GET', 'limits');
    expect(last.status).toBe(403);
    expect(last.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    await h.admin('POST', 'reset');
    expect((await h.api('GET', 'limits')).status).toBe(200);
  });
});

describe('salesforce emulator persistence', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sf-emulator-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('records, deletions and tokens survive a restart', async () => {
    const first = await startHarness({ dataDir });
    const created = await first.api('PATCH', 'sobjects/Event/Syncline_Sync_Id__c/keep-1', timedEvent({ Subject: 'kept' }));
    const gone = await first.api('POST', 'sobjects/Event', timedEvent({ Subject: 'gone' }));
    await first.api('DELETE', `sobjects/Event/${(gone.body as { id: string }).id}`);
    const token = first.token;
    await first.close();

    const second = await startHarness({ dataDir });
    second.token = token;
    const all = await second.api('GET', `queryAll?q=${encodeURIComponent('SELECT Id, Subject, IsDeleted FROM Event ORDER BY Subject DESC')}`);
    expect(all.status).toBe(200);
    const records = (all.body as { records: { Id: string; Subject: string; IsDeleted: boolean }[] }).records;
    expect(records.map((r) => [r.Subject, r.IsDeleted])).toEqual([['kept', false], ['gone', true]]);
    expect(records[0]?.Id).toBe((created.body as { id: string }).id);
    const next = await second.api('POST', 'sobjects/Event', timedEvent());
    expect(records.map((r) => r.Id)).not.toContain((next.body as { id: string }).id);
    await second.close();
  });
});
