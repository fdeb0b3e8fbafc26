/** An org's daily API usage as Salesforce reports it in the `Sforce-Limit-Info` response header. */
export interface ApiUsage {
  /** Calls counted in the last 24 hours, by every client of the org. */
  readonly used: number;
  /** The org's daily allocation. */
  readonly max: number;
}

/** Read `api-usage=USED/MAX` from a `Sforce-Limit-Info` value such as `api-usage=18/5000; per-app-api-usage=17/250(appName=x)`. */
export function parseApiUsage(value: string | null): ApiUsage | undefined {
  const match = value === null ? null : /(?:^|[;\s])api-usage=(\d+)\/(\d+)/.exec(value);
  if (match === null) {
    return undefined;
  }
  const usage = { used: Number(match[1]), max: Number(match[2]) };
  return usage.max > 0 ? usage : undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Never promise a resume sooner than this: the usage header lags, and a quick return would only be refused again. */
const MIN_WAIT_MS = 15 * 60 * 1000;

/**
 * Estimate when the org's usage will have fallen to `target` calls, as an ISO instant.
 *
 * NOTE: Salesforce counts the daily allocation over a rolling 24 hours and does not publish when counted calls
 * leave the window. This estimate assumes the calls were spread evenly over the last 24 hours. A burst of calls
 * late in the window makes the real wait longer, and an early burst makes it shorter.
 */
export function estimateResumeAt(usage: ApiUsage, target: number, now: number = Date.now()): string {
  const excess = usage.used - Math.max(0, target);
  const share = usage.used > 0 ? excess / usage.used : 1;
  const waitMs = Math.min(DAY_MS, Math.max(MIN_WAIT_MS, Math.ceil(share * DAY_MS)));
  return new Date(now + waitMs).toISOString();
}
