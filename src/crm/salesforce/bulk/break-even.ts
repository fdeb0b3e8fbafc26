import { COLLECTIONS_PER_COMPOSITE, RECORDS_PER_COLLECTION } from '../write-batches.ts';

/** When the connector reads a running job's state: waits that double from `firstPollMs` up to `maxPollMs`. */
export interface PollSchedule {
  readonly firstPollMs: number;
  readonly maxPollMs: number;
  /** A job still running after this long is aborted, and its records without a result go through Composite. */
  readonly timeoutMs: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstPollMs: 2_000, maxPollMs: 30_000, timeoutMs: 20 * 60_000 };

/**
 * Calls a job costs besides its polls: create, upload, close, then the successful and the failed results. The
 * failed results are read only when some record failed; counting them anyway makes the estimate lean to Composite.
 */
const JOB_CALLS_BESIDES_POLLS = 5;

// Assumed pace of a real org, for the estimate only: a closed job waits a few seconds in the queue, then
// Salesforce writes Events at about 1,000 records a second (sharing and triggers included).
const ASSUMED_QUEUE_MS = 2_000;
const ASSUMED_RECORDS_PER_SECOND = 1_000;

/** Calls to send `records` writes of one kind through Composite: five collections of 200 per call. */
export function compositeCallsFor(records: number): number {
  return Math.ceil(records / (RECORDS_PER_COLLECTION * COLLECTIONS_PER_COMPOSITE));
}

/** The wait before poll number `poll` (1 for the first) of a job's state. */
export function pollDelayMs(poll: number, schedule: PollSchedule): number {
  return Math.min(schedule.maxPollMs, schedule.firstPollMs * 2 ** (poll - 1));
}

/** Calls one Bulk API 2.0 job of `records` records is expected to cost at the assumed pace. */
export function bulkCallsFor(records: number, schedule: PollSchedule = DEFAULT_POLL_SCHEDULE): number {
  const readyAfterMs = ASSUMED_QUEUE_MS + (records / ASSUMED_RECORDS_PER_SECOND) * 1000;
  let waitedMs = 0;
  let polls = 0;
  do {
    polls += 1;
    waitedMs += pollDelayMs(polls, schedule);
  } while (waitedMs < readyAfterMs);
  return JOB_CALLS_BESIDES_POLLS + polls;
}

/**
 * True when one Bulk API job is expected to cost at most half the calls of Composite for `records` writes of one
 * kind. Composite costs ⌈N/1000⌉ calls; a job costs create + upload + close + polls + results, at least 6. Bulk
 * must halve the count, not merely beat it: a job adds minutes of latency to the session, spends the org's
 * separate daily batch allocation, and its number of polls is only an estimate. With the default schedule (polls
 * after 2, 6, 14, 30 s…) that holds above 17,000 records: 4 polls, 9 calls against 18. `minRecords` replaces the
 * estimate by a fixed threshold.
 */
export function bulkSavesCalls(records: number, schedule: PollSchedule = DEFAULT_POLL_SCHEDULE, minRecords?: number): boolean {
  if (records === 0) {
    return false;
  }
  if (minRecords !== undefined) {
    return records >= minRecords;
  }
  return 2 * bulkCallsFor(records, schedule) <= compositeCallsFor(records);
}
