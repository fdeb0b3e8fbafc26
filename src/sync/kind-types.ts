import type { CrmRecord, ItemSource, PullResult, SyncWindow } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { ItemErrorReport, WriteCounts } from '../domain/session-report.ts';
import type { SyncState, SyncStateStore } from '../domain/sync-store.ts';
import type { MappingTable } from '../mapping/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Plan } from './plan.ts';
import type { SyncPolicy } from './policy.ts';
import type { ReviewedPlan } from './reviews.ts';
import type { ValveResult } from './safety-valves.ts';
import type { SharedMeetings } from './shared-meetings.ts';
import type { FullReadReason } from './window-cursor.ts';

/*
 * The shapes of one object kind's session, apart from the code that runs it, so the whole read and the chunked read
 * of a large first listing can share them without importing each other.
 */

/** One object kind of a mailbox session: its table and the two sides' sources. */
/** The session facts `beforeCrmWrites` receives besides its writes. */
export interface CrmWritesContext {
  readonly logger: Logger;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  /**
   * Mailbox items this session starts syncing without a Salesforce create, keyed by mailbox item id: paired with a
   * record that exists (`crmRecordId`), or left out because another synced mailbox owns the meeting (null).
   */
  readonly keptFromCrm: ReadonlyMap<string, { readonly item: MailboxItem; readonly crmRecordId: string | null }>;
}

export interface KindSession {
  readonly mapping: MappingTable;
  /** Null when the mailbox connector has no source for this kind yet; the kind is then skipped with a note. */
  readonly mailboxSource: ItemSource<MailboxItem> | null;
  readonly crmSource: ItemSource<CrmRecord>;
  readonly crmRecordUrl: (id: string) => string;
  /**
   * Put in front of the sync ids this kind creates when its Salesforce object is another kind's standard object
   * (calendar items kept as Tasks), so that each kind's Salesforce scope can select its own records.
   */
  readonly syncIdPrefix?: string;
  /**
   * Work that follows the kind's writes on the pairs whose mailbox item was read this session, such as a meeting's
   * invitees. It returns item errors instead of throwing, so it never undoes the kind's committed writes.
   */
  readonly afterWrites?: (pairs: readonly WrittenPair[], logger: Logger) => Promise<readonly ItemErrorReport[]>;
  /**
   * Work before the kind's Salesforce creates and updates are sent, given their mailbox items, such as finding the
   * people a meeting is linked to. It returns notes for the report. An error it throws stops the kind before any write.
   */
  readonly beforeCrmWrites?: (writes: readonly PendingCrmWrite[], context: CrmWritesContext) => Promise<readonly string[]>;
  /**
   * For a calendar kind: the org's one Event per meeting. It drops the new pairs of copies whose meeting another
   * synced mailbox owns before any write, and records the Events of the meetings this mailbox owns after the commit.
   */
  readonly sharedMeetings?: Pick<SharedMeetings, 'screen' | 'settle' | 'revisit'>;
}

/** A Salesforce create or update about to be sent, with the mailbox item it comes from. */
export interface PendingCrmWrite {
  readonly syncId: string;
  readonly op: 'create' | 'update';
  readonly item: MailboxItem;
}

/** A pair the session left linked, with the mailbox item as read this session. */
export interface WrittenPair {
  readonly syncId: string;
  readonly crmRecordId: string;
  readonly mailboxItemId: string;
  readonly item: MailboxItem;
}

export interface KindContext {
  readonly mailboxId: string;
  readonly mailboxTimeZone: string;
  readonly store: SyncStateStore;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  readonly logger: Logger;
  /** The mailbox's address, for the commands the breaker's notes name; absent: the id. */
  readonly mailboxAddress?: string;
}

/** The result of one kind's run, committed in its own transaction. */
export interface KindOutcome {
  readonly status: 'ok' | 'partial' | 'needsReview';
  readonly fullRead: Readonly<Record<Side, boolean>>;
  readonly reads: Readonly<Record<Side, number>>;
  readonly writes: Readonly<Record<Side, WriteCounts>>;
  readonly conflicts: number;
  readonly itemErrors: readonly ItemErrorReport[];
  readonly notes: readonly string[];
}

/** What a kind's session reads and decides before it writes anything. */
export interface KindPlan {
  readonly state: SyncState;
  readonly windows: { readonly window: SyncWindow; readonly cursorWindow: SyncWindow };
  readonly mailboxPull: PullResult<MailboxItem>;
  readonly crmPull: PullResult<CrmRecord>;
  readonly mailboxReason: FullReadReason | null;
  readonly crmReason: FullReadReason | null;
  readonly plan: Plan;
  /** The plan's actions after the mass-delete breaker, and what it held back. */
  readonly valve: ValveResult;
  /** The admins' decisions since the last session, applied to the plan before the breaker. */
  readonly reviewed: ReviewedPlan;
  /** The un-sync rules' fingerprint the mailbox cursor is stored with (empty for kinds and orgs without rules). */
  readonly mailboxScope: string;
}
