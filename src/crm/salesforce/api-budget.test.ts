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
    expect(decision.failure.message).toBe(
      'The org has used 5000 of its 10000 daily Salesforce API calls; Syncline stops at 5000 (apiBudgetShare 0.5) so other integrations keep working; resumes around 2026-05-04T16:48:00.000Z (an estimate), or raise salesforce.apiBudgetShare',
    );
  });

  it('counts an admitted call at once', () => {
    const budget = budgetAt(4, 10, 0.5);
    expect(budget.admit()).toEqual({ action: 'go' });
    expect(budget.usage).toEqual({ used: 5, max: 10 });
    expect(budget.admit().action).toBe('stop');
    expect(budget.calls).toBe(1);
  });

  it('concurrent callers share the rest', () => {
    const budget = budgetAt(96, 200, 0.5);
    const decisions = Array.from({ length: 20 }, () => budget.admit(true));
    expect(decisions.filter((decision) => decision.action === 'go')).toHaveLength(4);
    expect(budget.calls).toBe(4);
  });

  it('rechecks after a wait', () => {
    const budget = budgetAt(4500, 10_000);
    expect(budget.admit().action).toBe('wait');
    expect(budget.admit(true)).toEqual({ action: 'go' });
    const spent = budgetAt(5000, 10_000);
    expect(spent.admit(true).action).toBe('stop');
  });

  it('header keeps in-flight calls counted', () => {
    const budget = budgetAt(4, 100, 0.5);
    budget.admit();
    budget.admit();
    expect(budget.usage).toEqual({ used: 6, max: 100 });
    // The first answer reports 2 calls; the second call is still in flight.
    budget.observe(usageHeader(2, 100));
    expect(budget.usage).toEqual({ used: 3, max: 100 });
    budget.observe(new Headers());
    expect(budget.usage).toEqual({ used: 3, max: 100 });
  });

  it('lost response stays counted', () => {
    const budget = budgetAt(10, 100, 0.5);
    budget.admit();
    budget.observe(null);
    expect(budget.usage).toEqual({ used: 11, max: 100 });
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => new OrgApiBudget({ share: 0 })).toThrow(/apiBudgetShare/);
    expect(() => new OrgApiBudget({ share: 1.5 })).toThrow(/apiBudgetShare/);
  });
});
