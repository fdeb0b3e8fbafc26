import type { CrmRecord } from '../domain/connector.ts';
import type { Link } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { flowsFrom } from '../mapping/index.ts';
import { matchUnlinked } from './matching.ts';
import { activeBase, mergeViews, missingKeys } from './merge-views.ts';
import { objectTypeOf } from './object-types/index.ts';
import { effectiveBase } from './planned-base.ts';
import { emptyUnsyncTally, finishCrashedUnsyncs, unsyncLinkedPair, unsyncNewPairs, unsyncPlanNotes } from './plan-unsync.ts';
import type { ItemView, PairAction, Plan, PlannerInput } from './plan.ts';
import { contentHash } from './values.ts';

/** Compute what a session does for one object kind, from the links and both sides' changes. Pure: no I/O. */
export function planSession(input: PlannerInput): Plan {
  const type = objectTypeOf(input.objectKind);
  const actions: PairAction[] = [];
  const linkedMailboxIds = new Set(input.links.map((link) => link.mailboxItemId));
  const linkedCrmIds = new Set(input.links.map((link) => link.crmRecordId));
  const unsync = emptyUnsyncTally();
  // An un-sync that a crashed session began comes first, because its mailbox delete is the engine's own.
  const finished = finishCrashedUnsyncs(input);

  for (const link of input.links) {
    // An admin's un-sync rule that matches the mailbox event comes before every other rule of the table.
    const action = finished.get(link.syncId) ?? unsyncLinkedPair(input, link, unsync) ?? planLinkedPair(input, link);
    if (action) {
      actions.push(action);
    }
  }
  // A pair that a crashed first sync un-synced has no link yet, so its items must not be matched again.
  for (const action of finished.values()) {
    if (action.link === null) {
      actions.push(action);
      linkedMailboxIds.add(action.mailboxItemId ?? '');
      linkedCrmIds.add(action.crmRecordId ?? '');
    }
  }

  const unlinkedMailbox = upsertViews(input.mailbox, linkedMailboxIds).filter((view) => !view.excluded && type.mailboxInScope(view.item, input.policy));
  const unlinkedCrm = upsertViews(input.crm, linkedCrmIds).filter((view) => type.crmInScope(view.values, input.window));
  // Matching runs before the rules, so an event a rule keeps out of the mailbox is not made there from its Salesforce twin.
  const newPairs = matchUnlinked({ ...input, unlinkedMailbox, unlinkedCrm });
  const stillFinishing = new Map(finished);
  const started = unsyncNewPairs(input, newPairs, { mailbox: unlinkedMailbox, crm: unlinkedCrm }, unsync, stillFinishing);
  // A copy delivered again took the place of an un-sync a crashed session began, so that finishing action goes.
  const remaining = actions.filter((action) => action.finishesCrashedUnsync !== true || stillFinishing.has(action.syncId));

  return { actions: [...remaining, ...started], abandonedIntents: abandonedIntents(input), notes: unsyncPlanNotes(unsync), unsync };
}

function planLinkedPair(input: PlannerInput, link: Link): PairAction | null {
  const type = objectTypeOf(input.objectKind);
  const mailboxState = input.mailbox.get(link.mailboxItemId);
  const crmState = input.crm.get(link.crmRecordId);
  if (!mailboxState && !crmState) {
    return null;
  }

  const common = {
    syncId: link.syncId,
    link,
    mailboxItemId: link.mailboxItemId,
    crmRecordId: link.crmRecordId,
    mailboxItem: mailboxState?.kind === 'upsert' ? mailboxState.view.item : null,
    origin: link.origin,
    tombstone: null,
    mergeBase: link.base,
    conflicts: [],
  };

  // A tombstone: the pair ended by a deletion on one side and the org kept the other side's item, which is never
  // copied across again. The tombstone goes once that surviving item is deleted too.
  if (link.tombstone !== null) {
    const survivor = link.tombstone === 'mailbox' ? crmState : mailboxState;
    return survivor?.kind === 'deleted'
      ? { ...common, mailboxWrite: null, crmWrite: null, nextBase: null, seenVersions: noVersions, sources: [], reason: 'the item kept after a deletion is gone too: forget the tombstone' }
      : null;
  }
  const mailboxGone = mailboxState?.kind === 'deleted' || (mailboxState?.kind === 'upsert' && type.isGone(mailboxState.view.item));
  const fromMailbox = flowsFrom(input.mapping, 'mailbox');
  // A linked item made private under the skip policy must leave Salesforce, whatever the org does with deletions.
  if (mailboxState?.kind === 'upsert' && mailboxState.view.excluded && !mailboxGone && fromMailbox) {
    const sources = [{ side: 'mailbox' as const, id: link.mailboxItemId }];
    return { ...common, mailboxWrite: null, crmWrite: { op: 'delete' }, nextBase: null, seenVersions: noVersions, sources, deletedValues: crmState?.kind === 'upsert' ? crmState.view.values : link.base, reason: 'made private under the skip policy: remove from Salesforce' };
  }
  const crmGone = crmState?.kind === 'deleted';

  // Both sides deleted the pair: forget the link.
  if (mailboxGone && crmGone) {
    return { ...common, mailboxWrite: null, crmWrite: null, nextBase: null, seenVersions: noVersions, sources: [], reason: 'deleted on both sides' };
  }

  // Deleted or cancelled in the mailbox: the org's deletion policy for the kind decides whether the Salesforce record
  // is deleted, kept with a marker field set, or only unlinked. A kind that does not flow from the mailbox is only
  // unlinked. A deletion is never undone by an edit on the other side, so it wins over a concurrent Salesforce change.
  if (mailboxGone) {
    const sources = [{ side: 'mailbox' as const, id: link.mailboxItemId }];
    const deletion = input.policy.deletions[input.objectKind];
    const crmValues = crmState?.kind === 'upsert' ? crmState.view.values : link.base;
    if (deletion.action === 'delete' && fromMailbox) {
      return { ...common, mailboxWrite: null, crmWrite: { op: 'delete' }, nextBase: null, seenVersions: noVersions, sources, deletedValues: crmValues, reason: 'deleted in the mailbox: delete in Salesforce' };
    }
    if (deletion.action === 'mark' && fromMailbox) {
      const marker = { field: deletion.field, value: deletion.value };
      return { ...common, mailboxWrite: null, crmWrite: { op: 'update', values: {}, marker }, nextBase: link.base, tombstone: 'mailbox', seenVersions: noVersions, sources, reason: `deleted in the mailbox: set ${deletion.field} on the Salesforce record and leave a tombstone` };
    }
    return { ...common, mailboxWrite: null, crmWrite: null, nextBase: link.base, tombstone: 'mailbox', seenVersions: noVersions, sources, reason: 'deleted in the mailbox: keep the Salesforce record and leave a tombstone' };
  }

  // Deleted in Salesforce: remove the mailbox copy only if the engine created it there and the kind flows from Salesforce.
  if (crmGone) {
    const sources = [{ side: 'crm' as const, id: link.crmRecordId }];
    if (link.origin === 'crm' && flowsFrom(input.mapping, 'crm')) {
      const mailboxValues = mailboxState?.kind === 'upsert' ? mailboxState.view.values : link.base;
      return { ...common, mailboxWrite: { op: 'delete' }, crmWrite: null, nextBase: null, seenVersions: noVersions, sources, deletedValues: mailboxValues, reason: 'deleted in Salesforce: delete the copy the engine created' };
    }
    return { ...common, mailboxWrite: null, crmWrite: null, nextBase: link.base, tombstone: 'crm', seenVersions: noVersions, sources, reason: 'deleted in Salesforce: keep the mailbox original and leave a tombstone' };
  }

  const mailboxView = mailboxState?.kind === 'upsert' ? mailboxState.view : null;
  const crmView = crmState?.kind === 'upsert' ? crmState.view : null;
  return planLinkedUpdate(input, link, mailboxView, crmView, common);
}

function planLinkedUpdate(
  input: PlannerInput,
  link: Link,
  mailboxView: ItemView<MailboxItem> | null,
  crmView: ItemView<CrmRecord> | null,
  common: Omit<PairAction, 'mailboxWrite' | 'crmWrite' | 'nextBase' | 'seenVersions' | 'sources' | 'reason'>,
): PairAction | null {
  // After a crash, fields the engine wrote before it are measured against what it planned, not the older base. Keys
  // of pairs no longer in the table are dropped.
  const planned = effectiveBase(link.base, input.plannedBases.get(link.syncId), { mailbox: mailboxView?.values, crm: crmView?.values });
  const base = activeBase(input, planned);
  const baseHash = base === link.base ? link.baseHash : contentHash(base);

  // An echo of the engine's own write, or a private item kept out of sync, brings nothing new.
  const mailboxChanged = mailboxView !== null && !mailboxView.excluded && isChanged(mailboxView, link.mailboxVersion, baseHash);
  const crmChanged = crmView !== null && isChanged(crmView, link.crmVersion, baseHash);
  // A pair added to the table since this link's last session is merged once both items are at hand.
  const fills = missingKeys(input, base).length > 0 && mailboxView !== null && !mailboxView.excluded && crmView !== null;
  const seenVersions = {
    mailbox: mailboxView?.version ?? link.mailboxVersion,
    crm: crmView?.version ?? link.crmVersion,
  };

  if (!mailboxChanged && !crmChanged && !fills) {
    const versionsMoved = seenVersions.mailbox !== link.mailboxVersion || seenVersions.crm !== link.crmVersion || baseHash !== link.baseHash;
    return versionsMoved
      ? { ...common, mergeBase: base, mailboxWrite: null, crmWrite: null, nextBase: base, seenVersions, sources: [], reason: 'new version, same content: remember the version' }
      : null;
  }

  const merged = mergeViews(input, link.syncId, base, { view: mailboxView, changed: mailboxChanged }, { view: crmView, changed: crmChanged });

  const sources = [
    ...(mailboxChanged ? [{ side: 'mailbox' as const, id: link.mailboxItemId }] : []),
    ...(crmChanged ? [{ side: 'crm' as const, id: link.crmRecordId }] : []),
  ];
  const reason = sources.length > 0 ? `changed in ${sources.map((source) => source.side).join(' and ')}: three-way merge` : 'the mapping table gained pairs: merge them from both items';
  return {
    ...common,
    mergeBase: base,
    conflicts: merged.conflicts,
    mailboxWrite: Object.keys(merged.toMailbox).length > 0 ? { op: 'update', values: merged.toMailbox } : null,
    crmWrite: Object.keys(merged.toCrm).length > 0 ? { op: 'update', values: merged.toCrm } : null,
    nextBase: merged.nextBase,
    seenVersions,
    sources,
    reason,
  };
}

/** Changed means changed: the version moved and the content hash moved too. */
function isChanged<T>(view: ItemView<T>, linkVersion: string | null, baseHash: string): boolean {
  return view.version !== linkVersion && contentHash(view.values) !== baseHash;
}

function upsertViews<T>(states: ReadonlyMap<string, { kind: 'upsert'; view: ItemView<T> } | { kind: 'deleted' }>, linkedIds: ReadonlySet<string>): ItemView<T>[] {
  const views: ItemView<T>[] = [];
  for (const [id, state] of states) {
    if (state.kind === 'upsert' && !linkedIds.has(id)) {
      views.push(state.view);
    }
  }
  return views.sort((left, right) => left.id.localeCompare(right.id));
}

/** Intents whose source item was deleted before its copy was ever linked. */
function abandonedIntents(input: PlannerInput): string[] {
  return input.intents
    .filter((intent) => (intent.sourceSide === 'mailbox' ? input.mailbox : input.crm).get(intent.sourceId)?.kind === 'deleted')
    .map((intent) => intent.syncId);
}

const noVersions = { mailbox: null, crm: null };
