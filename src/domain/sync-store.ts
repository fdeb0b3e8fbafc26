import type { Side } from './glossary.ts';
import type { ConflictDecision, Intent, Link, MappedValue, MappedValues, ObjectKind, PendingItem, PlannedBase } from './link.ts';

/** Everything a session needs to know about one mailbox and object kind before it pulls. */
export interface SyncState {
  readonly links: readonly Link[];
  readonly cursors: Readonly<Record<Side, string | null>>;
  readonly intents: readonly Intent[];
  readonly pending: readonly PendingItem[];
  readonly plannedBases: readonly PlannedBase[];
}

/** What a session stores once its writes are done, in one transaction. */
export interface SessionCommit {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly upsertLinks: readonly Link[];
  /** Sync ids of links to remove (the pair was deleted or unlinked). */
  readonly deleteLinks: readonly string[];
  /** New cursor per side; a side absent here keeps its cursor. */
  readonly cursors: Partial<Readonly<Record<Side, string>>>;
  /** Sync ids of intents whose create is now linked or abandoned. */
  readonly resolvedIntents: readonly string[];
  /** The complete new set of pending items for this mailbox and kind (replaces the old set). */
  readonly pending: readonly PendingItem[];
  readonly conflicts: readonly ConflictDecision[];
  /** Items the session deleted, kept in the quarantine so an admin can restore them. */
  readonly quarantine?: readonly QuarantineEntry[];
  /** Ids of quarantine entries whose restore the session made. */
  readonly restoredQuarantine?: readonly string[];
  /** Quarantine entries of this mailbox and kind deleted before this instant are purged, except those whose restore is pending. */
  readonly purgeQuarantineBefore?: string;
  /** The complete new set of deletions held back by the mass-delete breaker (replaces the old set); absent keeps it. */
  readonly heldDeletions?: readonly HeldDeletion[];
  /** Ledger numbers of the conflict undos the session applied or dropped; their requests go. */
  readonly settledUndos?: readonly number[];
  /**
   * Plans of pairs whose writes failed, kept for the next session while every other plan is cleared. Without its plan
   * a pair that has no link yet would be merged against an empty base, and an edit the failed write carried could be lost.
   */
  readonly keptPlannedBases?: readonly PlannedBase[];
}

/** An item a session deleted on one side, with what it held, so it can be made again. */
export interface QuarantineEntry {
  readonly id: string;
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  /** The side the engine deleted the item from. */
  readonly side: Side;
  readonly itemId: string;
  /** The item of the pair on the other side (deleted by a person, or kept), for the record. */
  readonly otherItemId: string | null;
  readonly syncId: string;
  /** The last mapped values of the pair (its base). */
  readonly values: MappedValues;
  readonly origin: Side;
  readonly reason: string;
  readonly deletedAt: string;
  /** Set by `syncline quarantine restore`; the next session of the mailbox makes the item again. */
  readonly restoreRequestedAt: string | null;
  readonly restoredAt: string | null;
}

/** A deletion the mass-delete breaker held back, with the admin's decision once there is one. */
export interface HeldDeletion {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly syncId: string;
  /** The side whose item the held deletion removes or leaves alone (the other side deleted its item). */
  readonly side: Side;
  readonly itemId: string;
  readonly heldAt: string;
  /** `confirm`: the next session makes the deletion; `reject`: it makes the deleted item again; null: undecided. */
  readonly decision: 'confirm' | 'reject' | null;
}

/** An admin's request to write the losing value of a ledger decision back to both sides. */
export interface ConflictUndo {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  /** The ledger number of the decision to undo. */
  readonly seq: number;
  readonly syncId: string;
  readonly field: string;
  /** The value that lost, written back. */
  readonly value: MappedValue;
  /** The side whose value lost, and wins now. */
  readonly side: Side;
  readonly requestedAt: string;
}

/** The admins' requests for a mailbox and kind since its last session: decisions on held deletions, restores, undos. */
export interface ReviewState {
  readonly held: readonly HeldDeletion[];
  readonly restores: readonly QuarantineEntry[];
  readonly undos: readonly ConflictUndo[];
}

/** The part of the store the sync core uses. Implemented over SQLite and PostgreSQL with one set of migrations. */
export interface SyncStateStore {
  loadSyncState(mailboxId: string, objectKind: ObjectKind): Promise<SyncState>;

  /** Record intents in their own transaction, before the creates they announce are sent. */
  recordIntents(intents: readonly Intent[]): Promise<void>;

  /** Record planned bases in their own transaction, before the writes they describe; a commit clears them all. */
  recordPlannedBases(planned: readonly PlannedBase[]): Promise<void>;

  commitSession(commit: SessionCommit): Promise<void>;

  /** Admins' pending decisions for one mailbox and kind, read by a session before it plans. */
  loadReviewState(mailboxId: string, objectKind: ObjectKind): Promise<ReviewState>;

  /**
   * Take the mailbox's session lease for `holder` for `ttlMs`; false while another holder's lease is live. Two
   * sessions of one mailbox at once (two workers, or `sync --once` beside `start`) would each write the other's
   * creates again, so a session without the lease does nothing.
   */
  acquireSessionLease(mailboxId: string, holder: string, ttlMs: number): Promise<boolean>;

  releaseSessionLease(mailboxId: string, holder: string): Promise<void>;
}
