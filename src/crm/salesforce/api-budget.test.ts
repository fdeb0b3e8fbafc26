import { describe, expect, it } from 'vitest';
import { OrgApiBudget } from './api-budget.ts';
import { estimateResumeAt, parseApiUsage } from './api-usage.ts';

const NOW = Date.parse('2026-05-04T12:00:00Z');
const usageHeader = (used: number, max: number) => new Headers({ 'Sforce-Limit-Info': `api-usage=${used}/${max}` });

function budgetAt(used: number, max: number, share = 0.5): OrgApiBudget {
  const budget = new OrgApiBudget({ share, now: () => NOW });
  budget.observe(usageHeader(used, max));
  return budget;
}

describe('parseApiUsage', () => {
  it('reads the documented forms', () => {
    expect(parseApiUsage('api-usage=18/5000')).toEqual({ used: 18, max: 5000 });
    expect(parseApiUsage('api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)')).toEqual({ used: 25, max: 5000 });
  });

  it('ignores a missing or foreign value', () => {
    expect(parseApiUsage(null)).toBeUndefined();
    expect(parseApiUsage('per-app-api-usage=17/250(appName=x)')).toBeUndefined();
    expect(parseApiUsage('api-usage=3/0')).toBeUndefined();
  });
});

describe('estimateResumeAt', () => {
  it('spreads the calls evenly over 24 hours', () => {
    expect(estimateResumeAt({ used: 1000, max: 2000 }, 750, NOW)).toBe('2026-05-04T18:00:00.000Z');
  });

  it('waits at least 15 minutes', () => {
    expect(estimateResumeAt({ used: 1000, max: 2000 }, 999, NOW)).toBe('2026-05-04T12:15:00.000Z');
  });
});

describe('OrgApiBudget', () => {
  it('lets calls go before any usage is known', () => {
    expect(new OrgApiBudget({ share: 0.5 }).admit()).toEqual({ action: 'go' });
  });

  it('lets calls go below 80 % of the share', () => {
    expect(budgetAt(3999, 10_000).admit()).toEqual({ action: 'go' });
  });

  it('slows down above 80 % of the share', () => {
    // Share 5,000 of 10,000; slowing starts at 4,000; at 4,500 it is half way to the full delay, which is the
    // smaller of 10 s and the pace at which the window frees calls (86,400 s / 4,500 calls = 19.2 s).
    expect(budgetAt(4500, 10_000).admit()).toEqual({ action: 'wait', waitMs: 5000 });
  });

  it('slow-down follows the pace of a busy org', () => {
    // 90,000 calls in the window free one call every 960 ms, less than the 10 s cap; half way gives 480 ms.
    expect(budgetAt(90_000, 200_000).admit()).toEqual({ action: 'wait', waitMs: 480 });
  });

  it('stops when the share is spent, with a resume time', () => {
    const decision = budgetAt(5000, 10_000).admit();
    expect(decision.action).toBe('stop');
    if (decision.action !== 'stop') return;
    expect(decision.failure).toMatchObject({ kind: 'suspend', code: 'API_BUDGET_REACHED', resumeAt: '2026-05-04T16:48:00.000Z' });
    expect(decision.failure.message).toContain('raise salesforce.apiBudgetShare');
  });

  it('counts calls made since the last header', () => {
    const budget = budgetAt(4, 10, 0.5);
    expect(budget.admit()).toEqual({ action: 'wait', waitMs: 0 });
    budget.noteCall();
    expect(budget.usage).toEqual({ used: 5, max: 10 });
    expect(budget.admit().action).toBe('stop');
    expect(budget.calls).toBe(1);
  });

  it('a new header replaces the estimate', () => {
    const budget = budgetAt(4, 10, 0.5);
    budget.noteCall();
    budget.observe(usageHeader(2, 10));
    expect(budget.usage).toEqual({ used: 2, max: 10 });
    budget.observe(new Headers());
    expect(budget.usage).toEqual({ used: 2, max: 10 });
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => new OrgApiBudget({ share: 0 })).toThrow(/apiBudgetShare/);
    expect(() => new OrgApiBudget({ share: 1.5 })).toThrow(/apiBudgetShare/);
  });
});
