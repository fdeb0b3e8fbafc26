import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support.ts';

const usageOf = (headers: Headers): { used: number; max: number } => {
  const match = /^api-usage=(\d+)\/(\d+)$/.exec(headers.get('sforce-limit-info') ?? '');
  if (!match) throw new Error(`no Sforce-Limit-Info header: ${headers.get('sforce-limit-info')}`);
  return { used: Number(match[1]), max: Number(match[2]) };
};

describe('salesforce emulator api limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dailyApiLimit: 50 });
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    await h.admin('POST', 'reset');
  });

  it('every REST response carries Sforce-Limit-Info counting up', async () => {
    const first = usageOf((await h.api('GET', 'limits')).headers);
    const missing = await h.api('GET', 'no/such/resource');
    expect(missing.status).toBe(404);
    expect(usageOf(missing.headers)).toEqual({ used: first.used + 1, max: 50 });
  });

  it('limits resource agrees with the header', async () => {
    const response = await h.api('GET', 'limits');
    const daily = (response.body as { DailyApiRequests: { Max: number; Remaining: number } }).DailyApiRequests;
    const usage = usageOf(response.headers);
    expect(daily).toEqual({ Max: usage.max, Remaining: usage.max - usage.used });
  });

  it('used-up daily limit refuses calls with TotalRequests', async () => {
    expect((await h.admin('POST', 'limits', { dailyApiCalls: 50 })).status).toBe(204);
    const refused = await h.api('GET', 'limits');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(usageOf(refused.headers).used).toBeGreaterThan(50);
  });

  it('limits admin rejects a bad count', async () => {
    expect((await h.admin('POST', 'limits', { dailyApiCalls: -1 })).status).toBe(400);
  });
});
