import { describe, expect, it } from 'vitest';
import type { Failure } from '../../domain/errors.ts';
import { decideRetry } from './retry-policy.ts';

const temporary = (code: string, retryAfterMs?: number): Failure => ({
  kind: 'retryLater',
  code,
  message: code,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

describe('decideRetry', () => {
  it('never repeats a failure that is not temporary', () => {
    const decision = decideRetry({ kind: 'itemError', code: 'STRING_TOO_LONG', message: 'x' }, 1);
    expect(decision.retry).toBe(false);
  });

  it('backs off exponentially within the jitter band', () => {
    const low = decideRetry(temporary('SERVER_UNAVAILABLE'), 1, { random: () => 0 });
    const high = decideRetry(temporary('SERVER_UNAVAILABLE'), 2, { random: () => 1 });
    expect(low).toEqual({ retry: true, waitMs: 500, reason: 'SERVER_UNAVAILABLE: backing off' });
    expect(high.waitMs).toBe(2000);
  });

  it('lets Retry-After win over the backoff', () => {
    expect(decideRetry(temporary('SERVER_UNAVAILABLE', 7000), 1).waitMs).toBe(7000);
  });

  it('leaves a very long server wait to the next session', () => {
    expect(decideRetry(temporary('SERVER_UNAVAILABLE', 3_600_000), 1).retry).toBe(false);
  });

  it('stops after the rule attempts', () => {
    expect(decideRetry(temporary('UNABLE_TO_LOCK_ROW'), 4).retry).toBe(true);
    expect(decideRetry(temporary('UNABLE_TO_LOCK_ROW'), 5).retry).toBe(false);
    expect(decideRetry(temporary('INVALID_QUERY_LOCATOR'), 1).retry).toBe(false);
  });

  it('scales computed delays', () => {
    expect(decideRetry(temporary('NETWORK_ERROR'), 1, { random: () => 1, delayScale: 0.01 }).waitMs).toBe(5);
  });
});
