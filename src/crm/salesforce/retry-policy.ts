import type { Failure } from '../../domain/errors.ts';

/** Decision after a failed attempt, kept as a value so callers and tests can read it. */
export interface RetryDecision {
  readonly retry: boolean;
  readonly waitMs: number;
  readonly reason: string;
}

export interface RetryRule {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

const DEFAULT_RULE: RetryRule = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 20_000 };

/**
 * Rules per Salesforce error code for failures of kind `retryLater`. Queries, and sObject Collections writes keyed
 * by record id or External ID, repeat freely. A request that carries plain inserts is not idempotent: the REST client
 * repeats it only after a refusal that proves Salesforce did not run it (401, 429, REQUEST_LIMIT_EXCEEDED), never
 * after a timeout, a network error or a 5xx (see `RequestOptions.idempotent`). Records that Salesforce reports as
 * failed in a collection wrote nothing, so those are sent again whatever their operation.
 */
export const RETRY_RULES: Readonly<Record<string, RetryRule>> = {
  // Lock contention clears in well under a second once the other transaction commits.
  UNABLE_TO_LOCK_ROW: { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 5_000 },
  // The concurrent long-request limit frees up as soon as one of the org's slow requests (20 s or more) ends.
  REQUEST_LIMIT_EXCEEDED: { maxAttempts: 4, baseDelayMs: 2_000, maxDelayMs: 30_000 },
  SERVER_UNAVAILABLE: DEFAULT_RULE,
  NETWORK_ERROR: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 },
  // Repeating the same page request cannot revive an expired query cursor; the query runner runs the query again.
  INVALID_QUERY_LOCATOR: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  // A concurrent upsert of the same External ID value created the record first; a repeat matches and updates it.
  DUPLICATE_VALUE: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 2_000 },
};

/** A server asking for a longer wait than this is left to the next session rather than holding this one. */
const MAX_SERVER_WAIT_MS = 60_000;

export interface RetryOptions {
  /** Multiplies every computed backoff delay (not a server's Retry-After); tests use a small value. */
  readonly delayScale?: number;
  readonly random?: () => number;
}

/** Decide whether attempt number `attempt` (1 for the first) that ended in `failure` is repeated, and when. */
export function decideRetry(failure: Failure, attempt: number, options: RetryOptions = {}): RetryDecision {
  if (failure.kind !== 'retryLater') {
    return { retry: false, waitMs: 0, reason: `${failure.code} is not temporary (${failure.kind})` };
  }

  const rule = RETRY_RULES[failure.code] ?? DEFAULT_RULE;
  if (attempt >= rule.maxAttempts) {
    return { retry: false, waitMs: 0, reason: `${failure.code} persisted after ${attempt} attempts` };
  }

  if (failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > MAX_SERVER_WAIT_MS) {
      return { retry: false, waitMs: 0, reason: `${failure.code}: Salesforce asked for a wait of ${failure.retryAfterMs} ms` };
    }
    return { retry: true, waitMs: failure.retryAfterMs, reason: `${failure.code}: waiting as Salesforce asked` };
  }

  const random = options.random ?? Math.random;
  const ceiling = Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (attempt - 1));
  // Half fixed, half random: keeps a floor under the wait while spreading many mailboxes that failed together.
  const waitMs = Math.round(ceiling * (0.5 + random() / 2) * (options.delayScale ?? 1));
  return { retry: true, waitMs, reason: `${failure.code}: backing off` };
}
