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

/** Per-org choices that change what a session does with changes it found. */
export interface SyncPolicy {
  /** Who wins a field changed on both sides: the later modification, or always one side. */
  readonly conflict: 'latestWins' | 'mailboxWins' | 'crmWins';
  /** A meeting cancelled or deleted in the mailbox deletes its Salesforce Event; when false the pair is only unlinked. */
  readonly deleteCrmOnMailboxDelete: boolean;
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
}

/** The category that brings an item into sync unless the org names another. */
export const DEFAULT_SALESFORCE_CATEGORY = 'Salesforce';

export const defaultSyncPolicy: SyncPolicy = {
  conflict: 'latestWins',
  deleteCrmOnMailboxDelete: true,
  privateItems: 'withoutBody',
  massDelete: { maxShare: 0.2, maxCount: 25 },
  selection: { calendarItems: 'all', category: DEFAULT_SALESFORCE_CATEGORY, ownDomains: [] },
};

/** Subject written to Salesforce for private items under the `busyOnly` policy. */
export const BUSY_SUBJECT = 'Busy';
