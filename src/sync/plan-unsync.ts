import type { CrmRecord } from '../domain/connector.ts';
import type { CalendarEvent } from '../domain/calendar-event.ts';
import type { Side } from '../domain/glossary.ts';
import type { Link, MappedValues, PlannedUnsync } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { mergeViews } from './merge-views.ts';
import { objectTypeOf } from './object-types/index.ts';
import type { ItemView, PairAction, PlannerInput, UnsyncTally } from './plan.ts';
import type { SyncPolicy } from './policy.ts';
import { meetingKeyOf } from './shared-meetings.ts';
import { unsyncRuleForEvent, unsyncRuleForValues, type UnsyncRule } from './unsync-rules.ts';

/** The counts of one plan's un-sync decisions that write nothing, per reason, for the session's notes. */
export function emptyUnsyncTally(): UnsyncTally {
  return { notStartedMailbox: 0, notStartedCrm: 0, keptOrganized: new Map() };
}

/**
 * True when a session would start syncing this mailbox event, which no link pairs yet, to Salesforce: it is not
 * cancelled, the org's selection takes it, `privateItems` does not skip it, and no un-sync rule keeps it out. These are
 * the planner's own tests (planner.ts and unsyncNewPairs), so that series mode awaits exactly the occurrences a session
 * creates.
 */
export function startsSyncingMailboxEvent(event: CalendarEvent, policy: SyncPolicy, now: Date = new Date()): boolean {
  const type = objectTypeOf('event');
  if (type.isGone(event) || !type.mailboxInScope(event, policy) || type.privacyMasks(event, policy).excluded) {
    return false;
  }
  // A new event a rule matches never starts syncing, even one the mailbox organizes: keepsOrganized spares only existing pairs.
  return unsyncRuleForEvent(policy.unsync, event, now) === null;
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
    nextBase: withMeetingKey(link.base, view.item as CalendarEvent),
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
 * Plan the end of each un-sync that a crashed session recorded and whose mailbox delete landed, by sync id. The deletion
 * is the engine's own, so the pair becomes the un-sync's tombstone and the Salesforce record stays, even when no rule
 * matches any more. The delete is sent again and finds the item gone, so the removal is quarantined and counted like any other.
 * A pair that a crashed first sync made has no link yet, and its action has a null link.
 */
export function finishCrashedUnsyncs(input: PlannerInput): Map<string, PairAction> {
  const linksBySyncId = new Map(input.links.map((link) => [link.syncId, link]));
  const linkedCrmIds = new Set(input.links.map((link) => link.crmRecordId));
  const finished = new Map<string, PairAction>();
  for (const planned of input.plannedBases.values()) {
    const unsync = planned.unsync;
    const link = linksBySyncId.get(planned.syncId) ?? null;
    if (unsync === undefined || !plannedUnsyncLanded(input, unsync, link, linkedCrmIds)) {
      continue;
    }
    const crmState = input.crm.get(unsync.crmRecordId);
    finished.set(planned.syncId, {
      syncId: planned.syncId,
      link,
      mailboxItemId: unsync.mailboxItemId,
      crmRecordId: unsync.crmRecordId,
      mailboxItem: null,
      mailboxWrite: { op: 'delete' },
      crmWrite: null,
      nextBase: planned.base,
      mergeBase: planned.fromBase,
      seenVersions: { mailbox: null, crm: crmState?.kind === 'upsert' ? crmState.view.version : (link?.crmVersion ?? null) },
      origin: link?.origin ?? unsync.origin,
      tombstone: 'mailbox',
      conflicts: [],
      sources: [{ side: 'mailbox', id: unsync.mailboxItemId }],
      reason: `${unsyncReason({ name: unsync.rule })} (the un-sync a crashed session began)`,
      deletedValues: unsync.deletedValues,
      unsyncRule: unsync.rule,
      finishesCrashedUnsync: true,
    });
  }
  return finished;
}

/**
 * Return true when a recorded un-sync's mailbox delete landed before the crash and its Salesforce record is not deleted.
 * A linked pair must not be a tombstone yet. A new pair counts only while no link has its Salesforce record.
 */
function plannedUnsyncLanded(input: PlannerInput, unsync: PlannedUnsync, link: Link | null, linkedCrmIds: ReadonlySet<string>): boolean {
  if (input.crm.get(unsync.crmRecordId)?.kind === 'deleted') {
    return false;
  }
  const mailboxState = input.mailbox.get(unsync.mailboxItemId);
  const mailboxGone = mailboxState?.kind === 'deleted' || (mailboxState?.kind === 'upsert' && objectTypeOf(input.objectKind).isGone(mailboxState.view.item));
  if (link !== null) {
    return link.tombstone === null && link.mailboxItemId === unsync.mailboxItemId && link.crmRecordId === unsync.crmRecordId && mailboxGone;
  }
  return !linkedCrmIds.has(unsync.crmRecordId) && (mailboxGone || mailboxState === undefined);
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
  finishing: Map<string, PairAction> = new Map(),
): PairAction[] {
  const mailboxViews = new Map(unlinked.mailbox.map((view) => [view.id, view]));
  const redelivered = redeliveredCopies(input, actions, mailboxViews, tally, finishing);
  if (!unsyncApplies(input)) {
    return actions.map((action) => redelivered.get(action) ?? action);
  }
  const crmViews = new Map(unlinked.crm.map((view) => [view.id, view]));
  const now = input.now ?? new Date();

  const result: PairAction[] = [];
  for (const action of actions) {
    const again = redelivered.get(action);
    if (again !== undefined) {
      result.push(again);
      continue;
    }
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
      nextBase: action.nextBase === null ? null : withMeetingKey(action.nextBase, mailboxView.item as CalendarEvent),
      tombstone: 'mailbox',
      conflicts: [],
      reason: unsyncReason(rule),
      deletedValues: mailboxView.values,
      unsyncRule: rule.name,
      pairedBeforeUnsync: action,
    });
  }
  return result;
}

/**
 * The base key under which an un-sync tombstone keeps the meeting key of the copy it removed. An organizer's update
 * can put a new copy with the same UID into an attendee's calendar (Exchange does so for an attendee who deleted an
 * earlier version), and only this key distinguishes that copy from a new meeting. It is not a field of the mapping
 * table, so merges drop it, and a tombstone is never merged.
 */
const UNSYNC_MEETING_KEY = 'syncline:unsyncedMeeting';

function withMeetingKey(base: MappedValues, event: CalendarEvent): MappedValues {
  const key = meetingKeyOf(event);
  return key === null ? base : { ...base, [UNSYNC_MEETING_KEY]: key };
}

function withoutMeetingKey(base: MappedValues): MappedValues {
  const { [UNSYNC_MEETING_KEY]: _key, ...rest } = base;
  return rest;
}

/**
 * Find the new mailbox events that are copies of meetings an un-sync rule removed before, delivered again by the
 * organizer's update, and plan them against the kept pair instead of a second Salesforce Event. A copy a rule still
 * matches is removed again under the same tombstone. Any other copy is linked to the kept Salesforce Event, so the two
 * sync as a normal pair from then on.
 */
function redeliveredCopies(
  input: PlannerInput,
  actions: readonly PairAction[],
  mailboxViews: ReadonlyMap<string, ItemView<MailboxItem>>,
  tally: UnsyncTally,
  finishing: Map<string, PairAction>,
): Map<PairAction, PairAction> {
  const replaced = new Map<PairAction, PairAction>();
  if (input.objectKind !== 'event') {
    return replaced;
  }
  const tombstones = new Map<string, Link>();
  for (const link of input.links) {
    const key = link.base[UNSYNC_MEETING_KEY];
    if (link.tombstone === 'mailbox' && typeof key === 'string' && input.crm.get(link.crmRecordId)?.kind !== 'deleted') {
      tombstones.set(key, link);
    }
  }
  // An un-sync a crashed session began is a tombstone from this session on, so a copy delivered again meanwhile
  // takes its place: the finishing action goes, and the copy is linked or removed again in its stead.
  const finishingByKey = new Map<string, string>();
  for (const action of finishing.values()) {
    const key = action.nextBase?.[UNSYNC_MEETING_KEY];
    if (action.link !== null && action.nextBase !== null && action.crmRecordId !== null && typeof key === 'string' && !tombstones.has(key)) {
      tombstones.set(key, { ...action.link, mailboxItemId: action.mailboxItemId ?? action.link.mailboxItemId, base: action.nextBase, tombstone: 'mailbox' });
      finishingByKey.set(key, action.syncId);
    }
  }
  if (tombstones.size === 0) {
    return replaced;
  }

  for (const action of actions) {
    const view = action.crmWrite?.op === 'create' && action.mailboxItemId !== null ? mailboxViews.get(action.mailboxItemId) : undefined;
    const key = view === undefined ? null : meetingKeyOf(view.item as CalendarEvent);
    const link = key === null ? undefined : tombstones.get(key);
    if (view === undefined || key === null || link === undefined) {
      continue;
    }
    // One kept Event takes one copy; a second copy of the same meeting in one session syncs on its own.
    tombstones.delete(key);
    const finished = finishingByKey.get(key);
    if (finished !== undefined) {
      finishing.delete(finished);
    }
    const rule = unsyncApplies(input) ? ruleForMailbox(input, view) : null;
    replaced.set(action, rule !== null && !keepsOrganized(input, view, rule, tally) ? removeAgain(link, view, rule) : relink(input, link, view));
  }
  return replaced;
}

function removeAgain(link: Link, view: ItemView<MailboxItem>, rule: UnsyncRule): PairAction {
  return {
    syncId: link.syncId,
    link,
    mailboxItemId: view.id,
    crmRecordId: link.crmRecordId,
    mailboxItem: null,
    mailboxWrite: { op: 'delete' },
    crmWrite: null,
    nextBase: link.base,
    mergeBase: link.base,
    seenVersions: { mailbox: view.version, crm: link.crmVersion },
    origin: link.origin,
    tombstone: 'mailbox',
    conflicts: [],
    sources: [{ side: 'mailbox', id: view.id }],
    reason: `${unsyncReason(rule)} (a copy of an un-synced meeting, delivered again)`,
    deletedValues: view.values,
    unsyncRule: rule.name,
  };
}

/**
 * Link a copy delivered again to the Salesforce Event its tombstone kept. The tombstone's base is what both sides last
 * agreed on, so the copy's changes (the organizer's update) flow to the Event. The Event is not read this session:
 * no version check is asked for, so an edit made in Salesforce meanwhile keeps the fields the copy does not change.
 */
function relink(input: PlannerInput, link: Link, view: ItemView<MailboxItem>): PairAction {
  const base = withoutMeetingKey(link.base);
  const merged = mergeViews(input, link.syncId, base, { view, changed: true }, { view: null, changed: false });
  return {
    syncId: link.syncId,
    link,
    mailboxItemId: view.id,
    crmRecordId: link.crmRecordId,
    mailboxItem: view.item,
    mailboxWrite: Object.keys(merged.toMailbox).length > 0 ? { op: 'update', values: merged.toMailbox } : null,
    crmWrite: Object.keys(merged.toCrm).length > 0 ? { op: 'update', values: merged.toCrm } : null,
    nextBase: merged.nextBase,
    mergeBase: base,
    seenVersions: { mailbox: view.version, crm: null },
    origin: link.origin,
    tombstone: null,
    conflicts: merged.conflicts,
    sources: [{ side: 'mailbox', id: view.id }],
    reason: 'a copy of an un-synced meeting, delivered again by its organizer: link it to the kept Salesforce Event',
  };
}

/** Describe one plan's un-sync decisions that write nothing. The removals are counted from the writes instead. */
export function unsyncPlanNotes(tally: UnsyncTally): string[] {
  const notes: string[] = [];
  if (tally.notStartedMailbox > 0 || tally.notStartedCrm > 0) {
    notes.push(`Un-sync rules kept ${tally.notStartedMailbox} mailbox events out of Salesforce and ${tally.notStartedCrm} Salesforce Events out of the mailbox`);
  }
  for (const [rule, count] of [...tally.keptOrganized.entries()].sort(([left], [right]) => left.localeCompare(right))) {
    notes.push(
      `Un-sync rule '${rule}' matches ${count} meetings this mailbox organizes, or may organize under another address; they stay in the mailbox and in sync, because removing the organizer's copy would cancel the meeting for its attendees`,
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
  if (mayRemoveCopy(view.item as CalendarEvent, input.mailboxAddress)) {
    return false;
  }
  tally.keptOrganized.set(rule.name, (tally.keptOrganized.get(rule.name) ?? 0) + 1);
  return true;
}

function unsyncReason(rule: Pick<UnsyncRule, 'name'>): string {
  return `un-sync rule '${rule.name}' matches: remove from the mailbox, keep in Salesforce and leave a tombstone`;
}

/** A plain SMTP address: no Exchange legacy DN (`/o=…`), no routing prefix (`EX:`), no spaces. */
const SMTP_ADDRESS = /^[^\s@/:]+@[^\s@/:]+\.[^\s@/:]+$/;

/**
 * True when deleting the mailbox's copy of an event cannot cancel a meeting for anyone. That holds for an event that
 * invites nobody but the mailbox, and for an attendee's copy whose organizer is clearly someone else. Deleting an
 * organizer's copy cancels the meeting for everyone, and the mailbox's aliases are not known here, so every doubt
 * keeps the copy: an unknown mailbox address, an organizer that is missing or not a plain address (an Exchange legacy
 * DN, or one wrapped as `IMCEAEX-…`), one that may be the owner under another domain or a `+tag`, an owner's entry
 * that says organizer, or a copy that does not invite the mailbox under its own address.
 */
function mayRemoveCopy(event: CalendarEvent, mailboxAddress: string | undefined): boolean {
  const own = mailboxAddress === undefined ? undefined : normalAddress(mailboxAddress);
  const others = event.attendees.filter((attendee) => attendee.email === null || normalAddress(attendee.email) !== own);
  if (others.length === 0) {
    return true;
  }
  if (own === undefined) {
    return false;
  }
  const organizer = event.organizer?.email == null ? null : normalAddress(event.organizer.email);
  if (organizer === null || !SMTP_ADDRESS.test(organizer) || localPart(organizer).startsWith('imceaex-')) {
    return false;
  }
  if (organizer === own || mailboxPart(organizer) === mailboxPart(own)) {
    return false;
  }
  const ownEntries = event.attendees.filter((attendee) => attendee.email !== null && normalAddress(attendee.email) === own);
  return ownEntries.length > 0 && ownEntries.every((attendee) => attendee.response !== 'organizer');
}

function normalAddress(address: string): string {
  return address.trim().replace(/^(smtp|mailto):/i, '').toLowerCase();
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

/** Return the local part without a `+tag`, which the same person's aliases on other domains usually share. */
function mailboxPart(address: string): string {
  return localPart(address).split('+')[0] ?? '';
}
