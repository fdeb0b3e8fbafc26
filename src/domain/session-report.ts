import type { Failure } from './errors.ts';
import type { Side } from './glossary.ts';
import type { ObjectKind } from './link.ts';

export interface WriteCounts {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

/** Writes to one Salesforce object in a session: totals over both sides, then each side's counts. */
export interface ObjectWriteCounts extends WriteCounts {
  readonly mailbox: WriteCounts;
  readonly crm: WriteCounts;
}

/** Per-side totals over every object kind, and the counts per Salesforce object name (`Event`, `Task`, `Contact`, …). */
export interface SessionWrites extends Readonly<Record<Side, WriteCounts>> {
  readonly byObject: Readonly<Record<string, ObjectWriteCounts>>;
}

export interface ItemErrorReport {
  /** The kind of item; absent in reports written before tasks and contacts were synced. */
  readonly objectKind?: ObjectKind;
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

export const SESSION_STATUSES = ['ok', 'partial', 'failed', 'needsReview', 'skipped'] as const;
/**
 * ok: everything applied. partial: some items, or some object kinds, failed and will be retried; the rest
 * was committed. failed: every object kind that ran failed, and none committed anything. The one exception is a
 * full listing read in chunks: the chunks committed before the failure stay, and the report counts their writes.
 * needsReview: a safety valve (mass delete, empty listing) held back changes an admin must confirm.
 * skipped: another session of the same mailbox was running, so this one did nothing.
 */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface AutoCreatedCounts {
  readonly Lead: number;
  readonly Contact: number;
  readonly Account: number;
}

/** The record of one session (start, end, what was read and written, API calls, item errors). */
/** The counts of saving emails in one session, beside the `emailsSaved` count. */
export interface EmailSavingCounts {
  /** Of the emails saved, the ones whose Salesforce record this session created (the others had one already). */
  readonly recordsCreated: number;
  readonly relationsAdded: number;
  readonly attachmentsSaved: number;
  /** Messages read and not saved, by reason: `notSelected`, `draft`, `blocklisted`, `bulk`, `alreadySaved`… */
  readonly skipped: Readonly<Record<string, number>>;
  /** Attachments left out by the org's rules, with the reason. */
  readonly skippedAttachments: readonly { readonly mailboxItemId: string; readonly name: string; readonly reason: string }[];
}

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
  readonly writes: SessionWrites;
  readonly apiCalls: Readonly<Record<Side, number>>;
  readonly conflicts: number;
  readonly itemErrors: readonly ItemErrorReport[];
  /** Why the session failed or needs review, in plain words; empty on success. */
  readonly notes: readonly string[];
  /** Emails of this mailbox saved to Salesforce this session; absent when the org saves no emails. */
  readonly emailsSaved?: number;
  /** The details of saving emails this session; absent when the org saves no emails or saving did not run. */
  readonly emailSaving?: EmailSavingCounts;
  /** Contacts, Leads, Accounts and Opportunities the links of saved emails and written meetings pointed at; absent when the session linked nothing and saves no emails. */
  readonly linked?: number;
  /** Records the linking engine created for unknown people this session; absent when the session linked nothing and saves no emails. */
  readonly autoCreated?: AutoCreatedCounts;
  /** For a `failed` session stopped by a classified connector failure: that failure, so the scheduler can suspend on `suspend`. */
  readonly failure?: Failure;
}
