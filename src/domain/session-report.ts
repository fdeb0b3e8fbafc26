import type { Failure } from './errors.ts';
import type { Side } from './glossary.ts';

export interface WriteCounts {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

export interface ItemErrorReport {
  /** The side whose write or read failed. */
  readonly side: Side;
  /** Id of the item on the side it came from, when known. */
  readonly itemId: string | null;
  readonly syncId: string | null;
  readonly code: string;
  readonly message: string;
  /** Link that opens the Salesforce record so a person can fix the value; null when there is no record yet. */
  readonly recordUrl: string | null;
}

export const SESSION_STATUSES = ['success', 'partial', 'failed', 'needsReview', 'skipped'] as const;
/**
 * success: everything applied. partial: some items failed and will be retried. failed: nothing was committed.
 * needsReview: a safety valve (mass delete, empty listing) held back changes an admin must confirm.
 * skipped: another session of the same mailbox was running, so this one did nothing.
 */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** The record of one session (start, end, what was read and written, API calls, item errors). */
export interface SessionReport {
  readonly sessionId: string;
  readonly mailboxId: string;
  /** The mailbox's address, for people reading the report. */
  readonly mailbox: string;
  readonly kind: string;
  readonly status: SessionStatus;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Per side: true when the session listed everything because there was no cursor or it had expired. */
  readonly fullRead: Readonly<Record<Side, boolean>>;
  readonly reads: Readonly<Record<Side, number>>;
  readonly writes: Readonly<Record<Side, WriteCounts>>;
  readonly apiCalls: Readonly<Record<Side, number>>;
  readonly conflicts: number;
  readonly itemErrors: readonly ItemErrorReport[];
  /** Why the session failed or needs review, in plain words; empty on success. */
  readonly notes: readonly string[];
  /** For a `failed` session stopped by a classified connector failure: that failure, so the scheduler can suspend on `suspend`. */
  readonly failure?: Failure;
}
