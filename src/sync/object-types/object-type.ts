import type { SyncWindow } from '../../domain/connector.ts';
import type { Link, MappedValue, MappedValues, ObjectKind } from '../../domain/link.ts';
import type { MailboxItem } from '../../domain/mailbox-items.ts';
import type { SyncPolicy } from '../policy.ts';

/** The privacy policy's effect on one mailbox item: keep it out, or replace some fields' values (by mailbox field). */
export interface PrivacyMasks {
  readonly excluded: boolean;
  readonly fields: Readonly<Record<string, MappedValue>>;
}

/**
 * One way of pairing unlinked items by content on a first sync. `key` returns null for an item this pass cannot pair;
 * `compatible`, when given, must hold for the two items of a pair.
 */
export interface MatchPass {
  readonly description: string;
  key(values: MappedValues): string | null;
  compatible?(mailbox: MappedValues, crm: MappedValues): boolean;
}

/** The behaviour of one object kind that the generic sync core needs besides its mapping table. */
export interface ObjectType {
  readonly kind: ObjectKind;
  /** The item's name in notes and logs, e.g. `calendar event`. */
  readonly label: string;
  /** True when only items inside the sync window are mirrored; tasks and contacts have no time range. */
  readonly windowed: boolean;
  /** True when the mailbox item no longer takes part although it exists: a cancelled meeting. */
  isGone(item: MailboxItem): boolean;
  /** True when an unlinked mailbox item starts syncing under the org's selection. */
  mailboxInScope(item: MailboxItem, policy: SyncPolicy): boolean;
  /** True when an unlinked Salesforce record, as mapped values, is in scope. */
  crmInScope(values: MappedValues, window: SyncWindow): boolean;
  privacyMasks(item: MailboxItem, policy: SyncPolicy): PrivacyMasks;
  /** Passes in order; an item paired in one pass is not offered to the next. */
  readonly matchPasses: readonly MatchPass[];
  /**
   * True when a pair changed only in Salesforce needs its mailbox item read first: to know which fields its privacy
   * hides, or to keep the other fields of an object (phones, an address) that one pair writes into.
   */
  needsMailboxCounterpart(link: Link): boolean;
}

export const NO_MASKS: PrivacyMasks = { excluded: false, fields: {} };

/** Text compared for matching: trimmed and lower-cased, empty as null. */
export function matchText(value: MappedValue | undefined): string | null {
  if (typeof value !== 'string') {
    return null;
  }
  const text = value.trim().toLowerCase();
  return text === '' ? null : text;
}
