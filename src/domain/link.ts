import type { Side } from './glossary.ts';

/** The kinds of item pairs the engine mirrors: calendar events, tasks and contacts. */
export const OBJECT_KINDS = ['event', 'task', 'contact'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** A mapped value as stored in a base: JSON-safe, compared by value. */
export type MappedValue = string | number | boolean | null | { readonly [key: string]: MappedValue } | readonly MappedValue[];
export type MappedValues = Readonly<Record<string, MappedValue>>;

export interface Link {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly syncId: string;
  readonly mailboxItemId: string;
  readonly crmRecordId: string;
  /** Last version seen or written per side; null when a write did not return one. */
  readonly mailboxVersion: string | null;
  readonly crmVersion: string | null;
  /** Mapped values both sides agreed on after the last successful sync. */
  readonly base: MappedValues;
  readonly baseHash: string;
  /** The side the item was first created on; a CRM deletion removes the mailbox copy only when origin is `crm`. */
  readonly origin: Side;
  /**
   * The side whose deletion ended the pair while the other side's item stays (the org keeps such items).
   * The link is kept as a tombstone so the surviving item is never copied across again; null for a live link.
   */
  readonly tombstone: Side | null;
}

/** Recorded before a create so that a repeated create after a crash reuses the same sync id. */
export interface Intent {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  /** Side of the item the create copies from, and that item's id. */
  readonly sourceSide: Side;
  readonly sourceId: string;
  readonly syncId: string;
}

/**
 * The base a pair will have once a session's writes land, recorded before the writes. After a crash between the
 * writes and the commit, a field whose target side now holds the planned value shows the engine's own write, not
 * an edit; a field whose write did not land keeps the base the plan was made against.
 */
export interface PlannedBase {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly syncId: string;
  /** The base after the writes. */
  readonly base: MappedValues;
  /** The base the plan was computed against; empty for a pair made in that session. */
  readonly fromBase: MappedValues;
  /** Per mapped field, the sides the plan writes it to. */
  readonly targets: Readonly<Record<string, readonly Side[]>>;
  /** The un-sync the plan makes, if any. Its mailbox delete is the engine's own and never passes to Salesforce. */
  readonly unsync?: PlannedUnsync;
}

/**
 * An un-sync recorded before its mailbox delete is sent. After a crash between that delete and the commit, the next
 * session reads the mailbox item as deleted. This record makes that session finish the un-sync, so the deletion policy
 * never reaches the Salesforce record the rule keeps.
 */
export interface PlannedUnsync {
  /** The name of the un-sync rule that removes the mailbox item. */
  readonly rule: string;
  readonly mailboxItemId: string;
  readonly crmRecordId: string;
  /** The side the pair's items were first created on. */
  readonly origin: Side;
  /** The mapped values of the deleted mailbox item, for its quarantine entry. */
  readonly deletedValues: MappedValues;
}

/** An item whose change could not be applied; the next session reads it by id and tries again. */
export interface PendingItem {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly side: Side;
  readonly itemId: string;
  readonly code: string;
  readonly message: string;
  /** How many sessions in a row have failed on this item. */
  readonly attempts: number;
}

export interface ConflictDecision {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly syncId: string;
  readonly field: string;
  readonly baseValue: MappedValue;
  readonly mailboxValue: MappedValue;
  readonly crmValue: MappedValue;
  readonly winner: Side;
  /** Why the winner won, e.g. `latestWins: mailbox modified 2026-05-04T10:00:00Z after crm 09:58:00Z`. */
  readonly reason: string;
  /** For an undo: the ledger number (per mailbox and kind) of the decision it reverses. */
  readonly undoes?: number;
}
