import { describe, expect, it } from 'vitest';
import type { Failure } from '../../domain/errors.ts';
import { decideRetry, DEFAULT_RETRY_POLICY } from './retry-policy.ts';

const busy: Failure = { kind: 'retryLater', code: 'ServiceUnavailable', message: 'busy' };
const throttled: Failure = { ...busy, code: 'TooManyRequests', retryAfterMs: 2128 };

describe('decideRetry', () => {
  it('backs off exponentially with jitter in the upper half', () => {
    const low = [1, 2, 3].map((attempt) => decideRetry({ failure: busy, attempt, idempotent: true, notProcessed: false }, DEFAULT_RETRY_POLICY, () => 0));
    const high = [1, 2, 3].map((attempt) => decideRetry({ failure: busy, attempt, idempotent: true, notProcessed: false }, DEFAULT_RETRY_POLICY, () => 1));

    expect(low.map((decision) => decision.waitMs)).toEqual([250, 500, 1000]);
    expect(high.map((decision) => decision.waitMs)).toEqual([500, 1000, 2000]);
    expect(low.every((decision) => decision.retry)).toBe(true);
  });

  it('lets Retry-After win over the backoff', () => {
    expect(decideRetry({ failure: throttled, attempt: 1, idempotent: true, notProcessed: true })).toEqual({
      retry: true,
      waitMs: 2128,
      reason: 'TooManyRequests, server asked for Retry-After',
    });
  });

  it('stops after the last attempt', () => {
    expect(decideRetry({ failure: busy, attempt: 4, idempotent: true, notProcessed: false }).retry).toBe(false);
  });

  it('does not repeat a create after an unclear failure', () => {
    expect(decideRetry({ failure: busy, attempt: 1, idempotent: false, notProcessed: false }).retry).toBe(false);
  });

  it('repeats a create the server throttled', () => {
    expect(decideRetry({ failure: throttled, attempt: 1, idempotent: false, notProcessed: true }).retry).toBe(true);
  });

  it('never retries final kinds', () => {
    const notFound: Failure = { kind: 'notFound', code: 'ErrorItemNotFound', message: 'gone' };

    expect(decideRetry({ failure: notFound, attempt: 1, idempotent: true, notProcessed: false })).toMatchObject({ retry: false, waitMs: 0 });
  });

  it('gives up on a server delay longer than a session waits', () => {
    const long: Failure = { ...throttled, retryAfterMs: 600_000 };

    expect(decideRetry({ failure: long, attempt: 1, idempotent: true, notProcessed: true }).retry).toBe(false);
  });
});
