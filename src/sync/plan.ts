import type { CrmRecord, SyncWindow } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { ConflictDecision, Intent, Link, MappedValues, ObjectKind, PlannedBase } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { MappingTable } from '../mapping/index.ts';
import type { SyncPolicy } from './policy.ts';

/** An item in the planner's terms: what the side reported, projected to mapped values. */
export interface ItemView<T> {
  readonly id: string;
  readonly version: string;
  readonly modifiedAt: string;
  readonly syncId: string | null;
  readonly item: T;
  readonly values: MappedValues;
  /** Keys the privacy policy hides on this item: they never flow from it to the other side. */
  readonly maskedKeys: ReadonlySet<string>;
  /** True when the privacy policy keeps this item out of sync entirely. */
  readonly excluded: boolean;
}

/** The state of one item of a side after the session's pull. */
export type ItemState<T> = { readonly kind: 'upsert'; readonly view: ItemView<T> } | { readonly kind: 'deleted' };

export type MailboxItemState = ItemState<MailboxItem>;
export type CrmItemState = ItemState<CrmRecord>;

/** A write the executor will send to one side. */
export type PlannedWrite =
  | { readonly op: 'create'; readonly values: MappedValues }
  | { readonly op: 'update'; readonly values: MappedValues; readonly marker?: DeletionMarker }
  | { readonly op: 'delete' };

/** A Salesforce field set on a record kept after its mailbox item was deleted (the `mark` deletion policy). */
export interface DeletionMarker {
  readonly field: string;
  readonly value: string | number | boolean;
}

/** Everything a session does to one pair of items, and the link that results if its writes succeed. */
export interface PairAction {
  readonly syncId: string;
  /** The link before this session; null for a pair made this session. */
  readonly link: Link | null;
  readonly mailboxItemId: string | null;
  readonly crmRecordId: string | null;
  /** The mailbox item as read this session, so an update keeps its zone and the other fields of an object it writes into. */
  readonly mailboxItem: MailboxItem | null;
  readonly mailboxWrite: PlannedWrite | null;
  readonly crmWrite: PlannedWrite | null;
  /** The base to store after the writes; null removes the link. */
  readonly nextBase: MappedValues | null;
  /** The base the writes were computed against, recorded with the plan so a crash can be distinguished from an edit. */
  readonly mergeBase: MappedValues;
  readonly seenVersions: { readonly mailbox: string | null; readonly crm: string | null };
  readonly origin: Side;
  /** Set when the pair ends by a deletion on this side while the other side's item stays. */
  readonly tombstone: Side | null;
  readonly conflicts: readonly ConflictDecision[];
  /** Items whose change this action applies: on a failed write they are read again next session. */
  readonly sources: readonly { readonly side: Side; readonly id: string }[];
  /** One line for the debug log: which rule of the decision table chose this action. */
  readonly reason: string;
  /** For an action that deletes an item: the values it held, kept in the quarantine. Absent: the link's base. */
  readonly deletedValues?: MappedValues;
  /** The name of the un-sync rule that removes the mailbox item while the Salesforce record stays. */
  readonly unsyncRule?: string;
  /** For an un-sync removal of a pair made this session: the pairing it replaced, which a rejected removal falls back to. */
  readonly pairedBeforeUnsync?: PairAction;
  /**
   * True for the end of an un-sync whose mailbox delete a crashed session made: the item is gone already, so the
   * mass-delete breaker neither counts it nor defers it.
   */
  readonly finishesCrashedUnsync?: true;
}

export interface Plan {
  readonly actions: readonly PairAction[];
  /** Sync ids of intents that no longer lead anywhere (their source item is gone). */
  readonly abandonedIntents: readonly string[];
  /** What the un-sync rules kept out of sync or left in place, one line each, for the session's notes. */
  readonly notes: readonly string[];
  /** The counts behind those notes, so a chunked full read can note its chunks' decisions once. */
  readonly unsync?: UnsyncTally;
}

export interface UnsyncTally {
  /** Mailbox events left out of sync that no link covers. */
  notStartedMailbox: number;
  /** Salesforce Events not created in the mailbox. */
  notStartedCrm: number;
  /** Meetings the mailbox organizes that a rule matches but that stay, by rule name. */
  keptOrganized: Map<string, number>;
}

export interface PlannerInput {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly links: readonly Link[];
  /** Changes per mailbox item id; deletions here are confirmed ones. */
  readonly mailbox: ReadonlyMap<string, MailboxItemState>;
  readonly crm: ReadonlyMap<string, CrmItemState>;
  readonly intents: readonly Intent[];
  /** Plans a crashed session recorded, by sync id. */
  readonly plannedBases: ReadonlyMap<string, PlannedBase>;
  /** The kind's table; its `kind` must equal `objectKind`. */
  readonly mapping: MappingTable;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  readonly newSyncId: () => string;
  /** The mailbox's address: un-sync rules never remove a meeting it organizes. Absent: such meetings are told by their attendees alone. */
  readonly mailboxAddress?: string;
  /** The time age conditions of un-sync rules are measured from; absent: now. */
  readonly now?: Date;
}
