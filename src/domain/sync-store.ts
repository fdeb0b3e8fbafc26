import type { Side } from './glossary.ts';
import type { ConflictDecision, Intent, Link, ObjectKind, PendingItem, PlannedBase } from './link.ts';

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
}

/** The part of the store the sync core uses. Implemented over SQLite and PostgreSQL with one set of migrations. */
export interface SyncStateStore {
  loadSyncState(mailboxId: string, objectKind: ObjectKind): Promise<SyncState>;

  /** Record intents in their own transaction, before the creates they announce are sent. */
  recordIntents(intents: readonly Intent[]): Promise<void>;

  /** Record planned bases in their own transaction, before the writes they describe; a commit clears them all. */
  recordPlannedBases(planned: readonly PlannedBase[]): Promise<void>;

  commitSession(commit: SessionCommit): Promise<void>;

  /**
   * Take the mailbox's session lease for `holder` for `ttlMs`; false while another holder's lease is live. Two
   * sessions of one mailbox at once (two workers, or `sync --once` beside `start`) would each write the other's
   * creates again, so a session without the lease does nothing.
   */
  acquireSessionLease(mailboxId: string, holder: string, ttlMs: number): Promise<boolean>;

  releaseSessionLease(mailboxId: string, holder: string): Promise<void>;
}
