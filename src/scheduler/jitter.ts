/**
 * Spread a wait at random by up to `jitter` (a share of the interval, 0 to 0.5) either way, so that mailboxes
 * started together drift apart and do not hit the services at the same moment every interval.
 * The result lies in [intervalMs × (1 − jitter), intervalMs × (1 + jitter)].
 */
export function jitteredDelayMs(intervalMs: number, jitter: number, random: () => number = Math.random): number {
  if (!(intervalMs >= 0)) {
    throw new RangeError(`intervalMs must be 0 or more, got ${intervalMs}`);
  }

  if (!(jitter >= 0 && jitter <= 0.5)) {
    throw new RangeError(`jitter must be a share between 0 and 0.5, got ${jitter}`);
  }

  const offset = jitter * (2 * random() - 1);
  return Math.round(intervalMs * (1 + offset));
}
