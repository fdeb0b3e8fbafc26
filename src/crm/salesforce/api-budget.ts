import type { Failure } from '../../domain/errors.ts';
import { estimateResumeAt, parseApiUsage, type ApiUsage } from './api-usage.ts';

export interface OrgApiBudgetOptions {
  /**
   * Share of the org's whole daily API limit (config `apiBudgetShare`), above 0 and at most 1. Usage counts every
   * client of the org, as Salesforce reports it, so Syncline stops once the org has used share × limit calls.
   */
  readonly share: number;
  /** Maximum pause before one call while usage is in the slow-down band; default 10 s. */
  readonly maxDelayMs?: number;
  readonly now?: () => number;
}

/** The budget's decision about the next call; `go` has already counted the call against the budget. */
export type BudgetDecision =
  | { readonly action: 'go' }
  | { readonly action: 'wait'; readonly waitMs: number }
  | { readonly action: 'stop'; readonly failure: Failure };

/** Above this part of its share Syncline slows down, so other integrations of the org keep room until the window frees calls. */
const SLOW_DOWN_FROM = 0.8;
const DEFAULT_MAX_DELAY_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The API calls of one Salesforce org, shared by every connector of that org in this process.
 *
 * The share is of the org's whole daily API limit, and the usage it is compared with is the org's, as Salesforce
 * reports it in each response's `Sforce-Limit-Info` header: calls of other integrations count too. Syncline slows
 * down once the org's usage passes 80 % of share × limit and stops when the usage reaches share × limit, so the
 * rest of the limit stays free for the org's other integrations.
 *
 * Each call is counted when `admit` lets it go and settled by `observe` when its response (or its failure) comes,
 * so calls of concurrent sessions that are still in flight count against the budget too.
 */
export class OrgApiBudget {
  /** REST calls this process made for the org. */
  calls = 0;
  private reported: ApiUsage | null = null;
  /** Calls admitted whose response has not come yet. */
  private inFlight = 0;
  /** Calls completed since the last usage header, by responses without one. */
  private unreported = 0;
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OrgApiBudgetOptions) {
    if (!(options.share > 0 && options.share <= 1)) {
      throw new RangeError(`apiBudgetShare must be above 0 and at most 1, got ${options.share}`);
    }
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.now = options.now ?? Date.now;
  }

  /** The org's usage as last reported plus the calls sent since (completed or in flight); null before the first report. */
  get usage(): ApiUsage | null {
    return this.reported === null ? null : { used: this.reported.used + this.unreported + this.inFlight, max: this.reported.max };
  }

  /**
   * Decide about the next call, before it is sent. `go` counts the call at once, so concurrent callers cannot all
   * pass the last free call; settle it with `observe`. After a `wait`, ask again with `afterWait` true: the usage
   * is checked again, and the call goes (or stops) without a second wait.
   */
  admit(afterWait = false): BudgetDecision {
    const usage = this.usage;
    if (usage !== null) {
      const allowed = Math.floor(usage.max * this.options.share);
      if (usage.used >= allowed) {
        return { action: 'stop', failure: this.spentFailure(usage, allowed) };
      }
      const waitMs = afterWait ? 0 : this.slowDownMs(usage, allowed);
      if (waitMs > 0) {
        return { action: 'wait', waitMs };
      }
    }
    this.calls += 1;
    this.inFlight += 1;
    return { action: 'go' };
  }

  /**
   * Settle one admitted call: `headers` of its response, or null when no response came. A `Sforce-Limit-Info`
   * header replaces the estimate (the calls still in flight stay counted on top of it).
   */
  observe(headers: Headers | null): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const usage = headers === null ? undefined : parseApiUsage(headers.get('sforce-limit-info'));
    if (usage === undefined) {
      // Salesforce counts a call whose response had no usage header, and one whose response was lost may have counted too.
      this.unreported += 1;
      return;
    }
    this.reported = usage;
    this.unreported = 0;
  }

  /**
   * Delay before a call in the slow-down band: from nothing at 80 % of the share to the pace at which the rolling
   * 24-hour window frees calls (a day divided by the calls in it), capped so a session never stalls for long.
   */
  private slowDownMs(usage: ApiUsage, allowed: number): number {
    const slowFrom = allowed * SLOW_DOWN_FROM;
    if (usage.used < slowFrom) {
      return 0;
    }
    const depth = (usage.used - slowFrom) / (allowed - slowFrom);
    const sustainablePaceMs = DAY_MS / Math.max(1, usage.used);
    return Math.round(depth * Math.min(this.maxDelayMs, sustainablePaceMs));
  }

  private spentFailure(usage: ApiUsage, allowed: number): Failure {
    const resumeAt = estimateResumeAt(usage, allowed * SLOW_DOWN_FROM, this.now());
    return {
      kind: 'suspend',
      code: 'API_BUDGET_REACHED',
      resumeAt,
      message: `The org has used ${usage.used} of its ${usage.max} daily Salesforce API calls; Syncline stops at ${allowed} (apiBudgetShare ${this.options.share}) so other integrations keep working; resumes around ${resumeAt} (an estimate), or raise salesforce.apiBudgetShare`,
    };
  }
}
