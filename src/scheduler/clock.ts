/**
 * The source of time and timers for the scheduler. Production uses the system clock. Tests pass a clock they move
 * by hand, so hours of schedule run in milliseconds.
 */
export interface Clock {
  now(): Date;
  /** Call `callback` once after `delayMs`; returns a handle for `clearTimer`. */
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Node clamps longer delays to 1 ms, so a far-away timer would fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.min(Math.max(0, delayMs), LONGEST_TIMER_MS)),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
