import type { Failure, FailureKind } from '../../domain/errors.ts';

/** What to do after a failed attempt: a value, so the caller logs it and tests assert it. */
export interface RetryDecision {
  readonly retry: boolean;
  readonly waitMs: number;
  readonly reason: string;
}

export interface BackoffRule {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface RetryPolicy {
  readonly rules: Partial<Record<FailureKind, BackoffRule>>;
  /** A server delay beyond this is not waited out inside a session: the failure goes up and the session ends. */
  readonly maxServerDelayMs: number;
  /**
   * Attempts in all when the server names its delay (429 or 503 with Retry-After). The server paces these retries,
   * so they are bounded by `maxServerWaitMs` more than by their number.
   */
  readonly maxThrottledAttempts: number;
  /** Server delays of one request, summed, beyond which it gives up. */
  readonly maxServerWaitMs: number;
}

/**
 * Only temporary failures retry; every other kind is final for this request. A throttled request waits as long as
 * Outlook's 10-minute request window at most, so a throttling storm slows a session down instead of failing it.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  rules: {
    retryLater: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 },
  },
  maxServerDelayMs: 120_000,
  maxThrottledAttempts: 40,
  maxServerWaitMs: 600_000,
};

export interface RetryInput {
  readonly failure: Failure;
  /** Attempts made so far, 1 after the first failure. */
  readonly attempt: number;
  /** True when repeating the request cannot apply it twice. */
  readonly idempotent: boolean;
  /** True when the server said it did not act on the request (429), so even a create may be sent again. */
  readonly notProcessed: boolean;
  /** Server delays (Retry-After) this request already waited out, summed. */
  readonly serverWaitedMs?: number;
}

export function decideRetry(input: RetryInput, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random): RetryDecision {
  const { failure, attempt } = input;
  const rule = policy.rules[failure.kind];
  if (rule === undefined) {
    return { retry: false, waitMs: 0, reason: `${failure.code} is not temporary` };
  }

  if (!input.idempotent && !input.notProcessed) {
    return { retry: false, waitMs: 0, reason: `${failure.code} on a request that is not safe to repeat` };
  }

  if (failure.retryAfterMs !== undefined) {
    return serverDelay(failure, attempt, input.serverWaitedMs ?? 0, policy);
  }

  if (attempt >= rule.maxAttempts) {
    return { retry: false, waitMs: 0, reason: `${failure.code} after ${attempt} attempts` };
  }

  return { retry: true, waitMs: backoff(rule, attempt, random), reason: `${failure.code}, backing off` };
}

function serverDelay(failure: Failure, attempt: number, waitedMs: number, policy: RetryPolicy): RetryDecision {
  const waitMs = failure.retryAfterMs ?? 0;
  if (waitMs > policy.maxServerDelayMs) {
    return { retry: false, waitMs, reason: `${failure.code} asks for ${waitMs} ms, longer than a session waits` };
  }

  if (attempt >= policy.maxThrottledAttempts || waitedMs + waitMs > policy.maxServerWaitMs) {
    return { retry: false, waitMs: 0, reason: `${failure.code} after ${attempt} attempts and ${waitedMs} ms of server delays` };
  }

  return { retry: true, waitMs, reason: `${failure.code}, server asked for Retry-After` };
}

/** Exponential growth with the upper half jittered, so many mailboxes throttled together do not return together. */
function backoff(rule: BackoffRule, attempt: number, random: () => number): number {
  const ceiling = Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
