import { jitteredDelayMs } from './jitter.ts';

const MINUTE = 60_000;

/**
 * Waits after consecutive failed sessions: the first retry comes soon because most causes are brief, later ones
 * space out so a mailbox whose cause lasts days costs a few calls a day. The last step is the cap.
 */
const BACKOFF_STEPS_MS = [5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 4 * 60 * MINUTE, 12 * 60 * MINUTE, 24 * 60 * MINUTE] as const;

/** Share of each wait moved at random, so mailboxes that failed together do not retry together. */
const BACKOFF_JITTER = 0.1;

/** Return the wait before the next try after `failureCount` consecutive failures (1 or more), jittered, at most 24 h. */
export function backoffDelayMs(failureCount: number, random: () => number = Math.random): number {
  if (!Number.isInteger(failureCount) || failureCount < 1) {
    throw new RangeError(`failureCount must be a whole number of 1 or more, got ${failureCount}`);
  }

  const step = BACKOFF_STEPS_MS[Math.min(failureCount, BACKOFF_STEPS_MS.length) - 1] ?? BACKOFF_STEPS_MS[0];
  const cap = BACKOFF_STEPS_MS[BACKOFF_STEPS_MS.length - 1] ?? step;
  return Math.min(jitteredDelayMs(step, BACKOFF_JITTER, random), cap);
}
