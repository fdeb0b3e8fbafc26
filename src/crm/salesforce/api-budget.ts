import type { Failure } from '../../domain/errors.ts';
import { estimateResumeAt, parseApiUsage, type ApiUsage } from './api-usage.ts';

export interface OrgApiBudgetOptions {
  /** Share of the org's daily API allocation Syncline may use, above 0 and at most 1 (config `apiBudgetShare`). */
  readonly share: number;
  /** Maximum pause before one call while usage is in the slow-down band; default 10 s. */
  readonly maxDelayMs?: number;
  readonly now?: () => number;
}

/** The budget's decision about the next call. */
export type BudgetDecision =
  | { readonly action: 'go' }
  | { readonly action: 'wait'; readonly waitMs: number }
  | { readonly action: 'stop'; readonly failure: Failure };

/** Above this part of its share Syncline slows down, so other integrations of the org keep room until the window frees calls. */
const SLOW_DOWN_FROM = 0.8;
const DEFAULT_MAX_DELAY_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The API calls of one Salesforce org, shared by every connector of that org in this process. It reads the org's
 * usage from each response's `Sforce-Limit-Info` header and adds the calls made since. Calls slow down above 80 %
 * of Syncline's share of the daily allocation and stop when the share is spent.
 */
export class OrgApiBudget {
  /** REST calls this process made for the org. */
  calls = 0;
  private reported: ApiUsage | null = null;
  private callsSinceReport = 0;
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OrgApiBudgetOptions) {
    if (!(options.share > 0 && options.share <= 1)) {
      throw new RangeError(`apiBudgetShare must be above 0 and at most 1, got ${options.share}`);
    }
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.now = options.now ?? Date.now;
  }

  /** The org's usage as last reported plus the calls made since; null before the first response. */
  get usage(): ApiUsage | null {
    return this.reported === null ? null : { used: this.reported.used + this.callsSinceReport, max: this.reported.max };
  }

  /** Decide about the next call, before it is sent. */
  admit(): BudgetDecision {
    const usage = this.usage;
    if (usage === null) {
      return { action: 'go' };
    }

    const allowed = Math.floor(usage.max * this.options.share);
    if (usage.used >= allowed) {
      return { action: 'stop', failure: this.spentFailure(usage, allowed) };
    }

    const slowFrom = allowed * SLOW_DOWN_FROM;
    if (usage.used < slowFrom) {
      return { action: 'go' };
    }
    // Delay grows from nothing at 80 % of the share to the pace at which the rolling 24-hour window frees calls
    // (a day divided by the calls in it), capped so a session never stalls for long on one call.
    const depth = (usage.used - slowFrom) / (allowed - slowFrom);
    const sustainablePaceMs = DAY_MS / Math.max(1, usage.used);
    return { action: 'wait', waitMs: Math.round(depth * Math.min(this.maxDelayMs, sustainablePaceMs)) };
  }

  /** Count a call as it is sent. */
  noteCall(): void {
    this.calls += 1;
    this.callsSinceReport += 1;
  }

  /** Read the usage a response reported; responses without the header leave the estimate as it is. */
  observe(headers: Headers): void {
    const usage = parseApiUsage(headers.get('sforce-limit-info'));
    if (usage === undefined) {
      return;
    }
    this.reported = usage;
    this.callsSinceReport = 0;
  }

  private spentFailure(usage: ApiUsage, allowed: number): Failure {
    const resumeAt = estimateResumeAt(usage, allowed * SLOW_DOWN_FROM, this.now());
    return {
      kind: 'suspend',
      code: 'API_BUDGET_REACHED',
      resumeAt,
      message: `Syncline's share of the org's daily Salesforce API allocation is spent (${usage.used} of ${usage.max} calls used, share ${this.options.share}): sync resumes around ${resumeAt} (an estimate), or raise salesforce.apiBudgetShare`,
    };
  }
}
