import type { AccountStore, SessionLog } from '../domain/accounts.ts';
import type { ReplayIdStore } from '../domain/change-stream.ts';
import type { CredentialRows } from '../domain/credentials.ts';
import type { EmailSaveStore } from '../domain/email-saves.ts';
import type { ObjectKind } from '../domain/link.ts';
import type { ScheduleStore } from '../domain/mailbox-state.ts';
import type { ConflictUndo, HeldDeletion, QuarantineEntry, SyncStateStore } from '../domain/sync-store.ts';
import type { UserStore } from '../domain/users.ts';
import type { RecordedConflict } from './conflict-ledger.ts';
import type { SeenHeldDecision } from './quarantine.ts';
import type { LinkingRecords } from './linking-records.ts';
import type { ScheduleQueries } from './mailbox-schedules.ts';
import type { SharedMeetingStore } from '../sync/shared-meetings.ts';
import type { SeriesRegistryStore } from '../sync/series-mode-types.ts';
import type { SettingsEditStore } from './settings-edits.ts';
import type { MailboxSubscription } from './mailbox-subscriptions.ts';
import type { WorkerHeartbeats } from './worker-heartbeats.ts';

export type StoreOptions =
  /** `path` may be ':memory:' for a store that lives as long as the process. */
  | { kind: 'sqlite'; path: string }
  /** `schema` (default `public`) contains every table and is created when missing. */
  | { kind: 'postgres'; connectionString: string; schema?: string };

export interface SynclineStore extends SyncStateStore, AccountStore, SessionLog, ReplayIdStore, ScheduleStore, ScheduleQueries, WorkerHeartbeats, UserStore, CredentialRows, EmailSaveStore, LinkingRecords, SettingsEditStore, SharedMeetingStore, SeriesRegistryStore {
  /** Apply pending migrations; idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Remove every row of every table (sandbox reset); keeps the schema. */
  truncateAll(): Promise<void>;
  /** The mailbox's change notification subscription on `resource`, or null when it has none. */
  loadMailboxSubscription(mailboxId: string, resource: string): Promise<MailboxSubscription | null>;
  /** Every change notification subscription of a mailbox, by resource. */
  listMailboxSubscriptions(mailboxId: string): Promise<MailboxSubscription[]>;
  /** The subscription Graph names in a notification, or null when it is not one of ours. */
  findMailboxSubscription(subscriptionId: string): Promise<MailboxSubscription | null>;
  saveMailboxSubscription(subscription: MailboxSubscription): Promise<void>;
  deleteMailboxSubscription(mailboxId: string, resource: string): Promise<void>;
  /** The mailboxes whose links pair with these Salesforce record ids, by record id. */
  mailboxesOfCrmRecords(recordIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Remove the mailbox's session lease whoever holds it; only for a holder known to be dead (a killed worker). */
  breakSessionLease(mailboxId: string): Promise<void>;
  /** The conflict ledger of one mailbox and kind, newest first. */
  listConflicts(mailboxId: string, objectKind: ObjectKind, limit: number): Promise<RecordedConflict[]>;
  /** One decision of the ledger by its number, or null. */
  getConflict(mailboxId: string, objectKind: ObjectKind, seq: number): Promise<RecordedConflict | null>;
  /** The number of the ledger entry that undid decision `seq`, or null when it was never undone. */
  findUndoOf(mailboxId: string, objectKind: ObjectKind, seq: number): Promise<number | null>;
  /** Asks the next session to write a decision's losing value back; false when that undo is waiting already. */
  requestConflictUndo(undo: ConflictUndo): Promise<boolean>;
  /** The quarantine of one mailbox, newest deletion first. */
  listQuarantine(mailboxId: string): Promise<QuarantineEntry[]>;
  getQuarantineEntry(id: string): Promise<QuarantineEntry | null>;
  /** Asks the next session to make a quarantined item again; false when it is restored or asked for already. */
  requestQuarantineRestore(id: string, at: string): Promise<boolean>;
  /** Deletions the mass-delete breaker holds back for a mailbox, every kind. */
  listHeldDeletions(mailboxId: string): Promise<HeldDeletion[]>;
  /** Decide every held deletion of a mailbox at once; returns how many were held. */
  decideHeldDeletions(mailboxId: string, decision: 'confirm' | 'reject'): Promise<number>;
  /** Decide every held deletion of a mailbox only while the held set has the `version` the person saw (heldDeletionsVersion). */
  decideSeenHeldDeletions(mailboxId: string, decision: 'confirm' | 'reject', version: string): Promise<SeenHeldDecision>;
}
