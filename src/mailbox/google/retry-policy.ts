import type { Failure } from '../../domain/errors.ts';

/** The decision after a failed attempt, as a value, so the caller logs it and tests assert it. */
export interface RetryDecision {
  readonly retry: boolean;
  readonly waitMs: number;
  readonly reason: string;
}

export interface RetryPolicy {
  /** Attempts in all for a temporary failure, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A server delay (Retry-After) beyond this is not waited out inside a session: the failure goes up. */
  readonly maxServerDelayMs: number;
}

/**
 * Google's guidance for 403 rate limits, 429 and 5xx: truncated exponential backoff, 1, 2, 4, 8… seconds plus up to
 * a second of jitter, capped at 32 seconds.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 32_000, maxServerDelayMs: 120_000 };

export interface RetryInput {
  readonly failure: Failure;
  /** Attempts made so far, 1 after the first failure. */
  readonly attempt: number;
  /** True when repeating the request cannot apply it twice. */
  readonly idempotent: boolean;
  /** True when the server refused before acting (429, or a 403 rate limit), so even a create may be sent again. */
  readonly notProcessed: boolean;
}

export function decideRetry(input: RetryInput, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random): RetryDecision {
  const { failure, attempt } = input;
  if (failure.kind !== 'retryLater') {
    return { retry: false, waitMs: 0, reason: `${failure.code} is not temporary` };
  }
  if (!input.idempotent && !input.notProcessed) {
    return { retry: false, waitMs: 0, reason: `${failure.code} on a request that is not safe to repeat` };
  }
  if (attempt >= policy.maxAttempts) {
    return { retry: false, waitMs: 0, reason: `${failure.code} after ${attempt} attempts` };
  }

  if (failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > policy.maxServerDelayMs) {
      return { retry: false, waitMs: failure.retryAfterMs, reason: `${failure.code} asks for ${failure.retryAfterMs} ms, longer than a session waits` };
    }
    return { retry: true, waitMs: failure.retryAfterMs, reason: `${failure.code}, server asked for Retry-After` };
  }

  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { retry: true, waitMs: Math.round(exponential + random() * policy.baseDelayMs), reason: `${failure.code}, backing off` };
}
