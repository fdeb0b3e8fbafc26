import type { CrmRecord } from '../domain/connector.ts';
import type { CalendarEvent } from '../domain/calendar-event.ts';
import type { Side } from '../domain/glossary.ts';
import type { Link } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { objectTypeOf } from './object-types/index.ts';
import type { ItemView, PairAction, PlannerInput } from './plan.ts';
import { isOrganizedMeeting, unsyncRuleForEvent, unsyncRuleForValues, type UnsyncRule } from './unsync-rules.ts';

/** The counts of one plan's un-sync decisions that write nothing, per reason, for the session's notes. */
export interface UnsyncTally {
  /** Mailbox events left out of sync that no link covers. */
  notStartedMailbox: number;
  /** Salesforce Events not created in the mailbox. */
  notStartedCrm: number;
  /** Meetings the mailbox organizes that a rule matches but that stay, by rule name. */
  keptOrganized: Map<string, number>;
}

export function emptyUnsyncTally(): UnsyncTally {
  return { notStartedMailbox: 0, notStartedCrm: 0, keptOrganized: new Map() };
}

/** True when the plan's kind takes un-sync rules at all: calendar events, under an org that has some. */
function unsyncApplies(input: PlannerInput): boolean {
  return input.objectKind === 'event' && (input.policy.unsync?.length ?? 0) > 0;
}

/**
 * Plan the un-sync of a linked pair whose mailbox event, as read this session, a rule matches. The mailbox event is
 * deleted and the link stays as a tombstone of the mailbox side. The Salesforce Event is therefore kept, never changed
 * by the pair again and never copied back. Returns null when the pair syncs as usual: a deleted, cancelled or
 * privacy-skipped event follows its own rule, and a meeting the mailbox organizes stays because deleting it would
 * cancel it for the attendees.
 */
export function unsyncLinkedPair(input: PlannerInput, link: Link, tally: UnsyncTally): PairAction | null {
  if (!unsyncApplies(input) || link.tombstone !== null) {
    return null;
  }
  const mailboxState = input.mailbox.get(link.mailboxItemId);
  const crmState = input.crm.get(link.crmRecordId);
  if (mailboxState?.kind !== 'upsert' || crmState?.kind === 'deleted') {
    return null;
  }
  const view = mailboxState.view;
  if (view.excluded || objectTypeOf(input.objectKind).isGone(view.item)) {
    return null;
  }
  const rule = ruleForMailbox(input, view);
  if (rule === null || keepsOrganized(input, view, rule, tally)) {
    return null;
  }

  return {
    syncId: link.syncId,
    link,
    mailboxItemId: link.mailboxItemId,
    crmRecordId: link.crmRecordId,
    // No item: the follow-up work on written pairs (invitees) must leave the kept Salesforce Event alone.
    mailboxItem: null,
    mailboxWrite: { op: 'delete' },
    crmWrite: null,
    nextBase: link.base,
    mergeBase: link.base,
    seenVersions: { mailbox: view.version, crm: crmState?.kind === 'upsert' ? crmState.view.version : link.crmVersion },
    origin: link.origin,
    tombstone: 'mailbox',
    conflicts: [],
    sources: [{ side: 'mailbox', id: link.mailboxItemId }],
    reason: unsyncReason(rule),
    deletedValues: view.values,
    unsyncRule: rule.name,
  };
}

/**
 * Apply the rules to the pairs a session starts. A new item a rule matches is not created on the other side. A mailbox
 * event that a first sync pairs with an existing Salesforce Event is un-synced like a linked one.
 */
export function unsyncNewPairs(
  input: PlannerInput,
  actions: readonly PairAction[],
  unlinked: { readonly mailbox: readonly ItemView<MailboxItem>[]; readonly crm: readonly ItemView<CrmRecord>[] },
  tally: UnsyncTally,
): PairAction[] {
  if (!unsyncApplies(input)) {
    return [...actions];
  }
  const mailboxViews = new Map(unlinked.mailbox.map((view) => [view.id, view]));
  const crmViews = new Map(unlinked.crm.map((view) => [view.id, view]));
  const now = input.now ?? new Date();

  const result: PairAction[] = [];
  for (const action of actions) {
    const mailboxView = action.mailboxItemId === null ? undefined : mailboxViews.get(action.mailboxItemId);
    const crmView = action.crmRecordId === null ? undefined : crmViews.get(action.crmRecordId);
    const mailboxRule = mailboxView === undefined ? null : ruleForMailbox(input, mailboxView);
    const crmRule = crmView === undefined ? null : unsyncRuleForValues(input.policy.unsync, crmView.values, now);

    // A mailbox event no Salesforce Event stands for: it simply does not start syncing.
    if (action.crmWrite?.op === 'create' && mailboxRule !== null) {
      tally.notStartedMailbox += 1;
      continue;
    }
    // A Salesforce Event without a mailbox counterpart: it is not made in the mailbox.
    if (action.mailboxWrite?.op === 'create' && crmRule !== null) {
      tally.notStartedCrm += 1;
      continue;
    }

    const rule = mailboxRule ?? crmRule;
    const pairsExisting = mailboxView !== undefined && action.crmRecordId !== null && action.mailboxWrite?.op !== 'delete' && action.crmWrite?.op !== 'delete';
    if (rule === null || !pairsExisting || keepsOrganized(input, mailboxView, rule, tally)) {
      result.push(action);
      continue;
    }
    result.push({
      ...action,
      mailboxItem: null,
      mailboxWrite: { op: 'delete' },
      crmWrite: null,
      tombstone: 'mailbox',
      conflicts: [],
      reason: unsyncReason(rule),
      deletedValues: mailboxView.values,
      unsyncRule: rule.name,
    });
  }
  return result;
}

/** Describe one plan's un-sync decisions that write nothing. The removals are counted from the writes instead. */
export function unsyncPlanNotes(tally: UnsyncTally): string[] {
  const notes: string[] = [];
  if (tally.notStartedMailbox > 0 || tally.notStartedCrm > 0) {
    notes.push(`Un-sync rules kept ${tally.notStartedMailbox} mailbox events out of Salesforce and ${tally.notStartedCrm} Salesforce Events out of the mailbox`);
  }
  for (const [rule, count] of [...tally.keptOrganized.entries()].sort(([left], [right]) => left.localeCompare(right))) {
    notes.push(
      `Un-sync rule '${rule}' matches ${count} meetings this mailbox organizes; they stay in the mailbox and in sync, because removing the organizer's copy would cancel the meeting for its attendees`,
    );
  }
  return notes;
}

/** Count a session's un-sync removals whose mailbox delete succeeded, by rule, as one note. */
export function unsyncedNotes(actions: readonly PairAction[], failures: readonly { readonly action: PairAction; readonly side: Side }[]): string[] {
  const failed = new Set(failures.filter((failure) => failure.side === 'mailbox').map((failure) => failure.action.syncId));
  const removedByRule = new Map<string, number>();
  for (const action of actions) {
    if (action.unsyncRule !== undefined && !failed.has(action.syncId)) {
      removedByRule.set(action.unsyncRule, (removedByRule.get(action.unsyncRule) ?? 0) + 1);
    }
  }
  if (removedByRule.size === 0) {
    return [];
  }
  const total = [...removedByRule.values()].reduce((sum, count) => sum + count, 0);
  const perRule = [...removedByRule.entries()]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([rule, count]) => `'${rule}' ${count}`)
    .join(', ');
  return [`Un-synced ${total} calendar events: removed from the mailbox and kept in Salesforce (by rule: ${perRule})`];
}

function ruleForMailbox(input: PlannerInput, view: ItemView<MailboxItem>): UnsyncRule | null {
  return unsyncRuleForEvent(input.policy.unsync, view.item as CalendarEvent, input.now ?? new Date());
}

function keepsOrganized(input: PlannerInput, view: ItemView<MailboxItem>, rule: UnsyncRule, tally: UnsyncTally): boolean {
  if (!isOrganizedMeeting(view.item as CalendarEvent, input.mailboxAddress)) {
    return false;
  }
  tally.keptOrganized.set(rule.name, (tally.keptOrganized.get(rule.name) ?? 0) + 1);
  return true;
}

function unsyncReason(rule: UnsyncRule): string {
  return `un-sync rule '${rule.name}' matches: remove from the mailbox, keep in Salesforce and leave a tombstone`;
}
