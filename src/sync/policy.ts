import type { ObjectKind } from '../domain/link.ts';
import type { UnsyncRule } from './unsync-rules.ts';

/** The unlinked calendar items that start syncing: every one, those with the Salesforce category, or meetings with outsiders. */
export const CALENDAR_SELECTIONS = ['all', 'salesforceCategory', 'externalAttendees'] as const;
export type CalendarSelection = (typeof CALENDAR_SELECTIONS)[number];

export interface SelectionPolicy {
  readonly calendarItems: CalendarSelection;
  /** The category that brings any item into sync whatever `calendarItems` is set to, compared without regard to case. */
  readonly category: string;
  /** The org's own email domains: an attendee outside them makes a meeting external. */
  readonly ownDomains: readonly string[];
}

/**
 * The action on the Salesforce record of a pair whose mailbox item was deleted. `delete` deletes it into the quarantine
 * and `keep` only unlinks it. `mark` keeps it and sets one field to a value, so people can find it.
 */
export type DeletionPolicy =
  | { readonly action: 'delete' }
  | { readonly action: 'keep' }
  | { readonly action: 'mark'; readonly field: string; readonly value: string | number | boolean };

/** Days the quarantine keeps an item the engine deleted unless the org sets another number. */
export const DEFAULT_QUARANTINE_DAYS = 30;

/** Per-org choices that change what a session does with changes it found. */
export interface SyncPolicy {
  /** Who wins a field changed on both sides: the later modification, or always one side. */
  readonly conflict: 'latestWins' | 'mailboxWins' | 'crmWins';
  /** Per object kind, what a deletion or cancellation in the mailbox does to the Salesforce record. */
  readonly deletions: Readonly<Record<ObjectKind, DeletionPolicy>>;
  /** Days an item the engine deleted stays restorable in the quarantine. */
  readonly quarantineDays: number;
  /**
   * Private and confidential mailbox items: `skip` never syncs them, `withoutBody` syncs them marked private
   * without their body, `busyOnly` syncs only the time, as "Busy".
   */
  readonly privateItems: 'skip' | 'withoutBody' | 'busyOnly';
  /**
   * Safety valve: a session that would delete more than `maxCount` of a side's linked items, or more than
   * `maxShare` of them (when that is more than a handful), holds every deletion back for an admin to confirm.
   */
  readonly massDelete: { readonly maxShare: number; readonly maxCount: number };
  readonly selection: SelectionPolicy;
  /**
   * The admins' un-sync rules (docs/unsync.md): calendar events they match are removed from the mailbox and kept in
   * Salesforce. Absent or empty: none.
   */
  readonly unsync?: readonly UnsyncRule[];
}

/** The category that brings an item into sync unless the org names another. */
export const DEFAULT_SALESFORCE_CATEGORY = 'Salesforce';

export const defaultSyncPolicy: SyncPolicy = {
  conflict: 'latestWins',
  deletions: { event: { action: 'delete' }, task: { action: 'delete' }, contact: { action: 'delete' } },
  quarantineDays: DEFAULT_QUARANTINE_DAYS,
  privateItems: 'withoutBody',
  massDelete: { maxShare: 0.2, maxCount: 25 },
  selection: { calendarItems: 'all', category: DEFAULT_SALESFORCE_CATEGORY, ownDomains: [] },
  unsync: [],
};

/** Subject written to Salesforce for private items under the `busyOnly` policy. */
export const BUSY_SUBJECT = 'Busy';
