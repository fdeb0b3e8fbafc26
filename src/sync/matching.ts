import type { CrmRecord } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { Intent, MappedValues } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { flowsFrom, pairsFlowingFrom } from '../mapping/index.ts';
import { mergeViews } from './merge-views.ts';
import { objectTypeOf, type MatchPass } from './object-types/index.ts';
import { effectiveBase } from './planned-base.ts';
import type { ItemView, PairAction, PlannerInput } from './plan.ts';

export interface MatchInput extends PlannerInput {
  readonly unlinkedMailbox: readonly ItemView<MailboxItem>[];
  readonly unlinkedCrm: readonly ItemView<CrmRecord>[];
}

/**
 * Pair items that no link covers yet, then create what is left on the other side:
 * 1. by sync id, so a create repeated after a crash finds the copy it made before;
 * 2. a copy made under an intent whose source was deleted before it was linked goes the way of its source;
 * 3. by content, in the kind's match passes (events: subject and span), so a first sync of two sides that already
 *    agree duplicates nothing;
 * 4. anything unmatched is created on the other side under a sync id (reused from its intent, if any), when the
 *    kind's table lets items travel that way.
 */
export function matchUnlinked(input: MatchInput): PairAction[] {
  const syncIds = new SyncIdBook(input);
  const actions: PairAction[] = [];
  const remainingCrm = new Map(input.unlinkedCrm.map((view) => [view.id, view]));
  const crmBySyncId = new Map<string, ItemView<CrmRecord>>();
  for (const view of input.unlinkedCrm) {
    const syncId = syncIds.of('crm', view);
    if (syncId) {
      crmBySyncId.set(syncId, view);
    }
  }

  const remainingMailbox: ItemView<MailboxItem>[] = [];
  for (const view of input.unlinkedMailbox) {
    const syncId = syncIds.of('mailbox', view);
    const crmView = syncId ? crmBySyncId.get(syncId) : undefined;
    if (syncId && crmView && remainingCrm.has(crmView.id)) {
      remainingCrm.delete(crmView.id);
      // The intent names the side the pair started on; without one, a sync id on the mailbox item means the
      // engine wrote that item.
      const intent = syncIds.intentOf('mailbox', view.id) ?? syncIds.intentOf('crm', crmView.id);
      const origin: Side = intent?.sourceSide ?? (view.syncId !== null ? 'crm' : 'mailbox');
      actions.push(pairAction(input, syncId, view, crmView, origin, 'same sync id on both sides: link (a create repeated after a crash)'));
      continue;
    }
    remainingMailbox.push(view);
  }

  const orphans = [...takeOrphanCopies(input, syncIds, 'mailbox', remainingMailbox), ...takeOrphanCopies(input, syncIds, 'crm', [...remainingCrm.values()])];
  for (const orphan of orphans) {
    if (orphan.action) {
      actions.push(orphan.action);
    }
    remainingCrm.delete(orphan.id);
  }
  const orphanIds = new Set(orphans.map((orphan) => orphan.id));

  let unmatched = remainingMailbox.filter((view) => !orphanIds.has(view.id));
  for (const pass of objectTypeOf(input.objectKind).matchPasses) {
    unmatched = matchByContent(input, syncIds, pass, unmatched, remainingCrm, actions);
  }

  if (flowsFrom(input.mapping, 'mailbox')) {
    for (const view of unmatched) {
      actions.push(createAction(input, 'mailbox', syncIds.forNewPair('mailbox', view) ?? input.newSyncId(), view));
    }
  }
  if (flowsFrom(input.mapping, 'crm')) {
    for (const view of remainingCrm.values()) {
      actions.push(createAction(input, 'crm', syncIds.forNewPair('crm', view) ?? input.newSyncId(), view));
    }
  }

  return actions;
}

/** Link mailbox items to Salesforce records with the same content key of one pass; return the mailbox items left. */
function matchByContent(
  input: MatchInput,
  syncIds: SyncIdBook,
  pass: MatchPass,
  mailboxViews: readonly ItemView<MailboxItem>[],
  remainingCrm: Map<string, ItemView<CrmRecord>>,
  actions: PairAction[],
): ItemView<MailboxItem>[] {
  const crmByContent = new Map<string, ItemView<CrmRecord>[]>();
  for (const view of remainingCrm.values()) {
    const key = pass.key(view.values);
    if (key !== null) {
      crmByContent.set(key, [...(crmByContent.get(key) ?? []), view]);
    }
  }

  const left: ItemView<MailboxItem>[] = [];
  for (const view of mailboxViews) {
    const key = pass.key(view.values);
    const candidates = key === null ? [] : (crmByContent.get(key) ?? []);
    const index = candidates.findIndex((candidate) => remainingCrm.has(candidate.id) && (pass.compatible?.(view.values, candidate.values) ?? true));
    const crmView = index < 0 ? undefined : candidates.splice(index, 1)[0];
    if (crmView === undefined) {
      left.push(view);
      continue;
    }
    remainingCrm.delete(crmView.id);
    const syncId = syncIds.forNewPair('mailbox', view) ?? syncIds.forNewPair('crm', crmView) ?? input.newSyncId();
    actions.push(pairAction(input, syncId, view, crmView, 'mailbox', `${pass.description}: link`));
  }
  return left;
}

/**
 * Which sync id an unlinked item stands for. A sync id that a live link already uses is ignored (the item is a
 * clone or a data-load copy, so it is a new item), and an intent's sync id serves only its own source item or
 * the copy made under it.
 */
class SyncIdBook {
  private readonly linked: ReadonlySet<string>;
  private readonly bySource: ReadonlyMap<string, Intent>;
  private readonly bySyncId: ReadonlyMap<string, Intent>;

  constructor(input: MatchInput) {
    this.linked = new Set(input.links.map((link) => link.syncId));
    this.bySource = new Map(input.intents.map((intent) => [`${intent.sourceSide}:${intent.sourceId}`, intent]));
    this.bySyncId = new Map(input.intents.map((intent) => [intent.syncId, intent]));
  }

  intentOf(side: Side, id: string): Intent | undefined {
    return this.bySource.get(`${side}:${id}`);
  }

  /** Return the intent under which this item was created as a copy, if it carries that intent's sync id. */
  copiedUnder(side: Side, view: ItemView<unknown>): Intent | undefined {
    const intent = view.syncId === null ? undefined : this.bySyncId.get(view.syncId);
    return intent && intent.sourceSide !== side ? intent : undefined;
  }

  of(side: Side, view: ItemView<unknown>): string | null {
    const candidate = this.intentOf(side, view.id)?.syncId ?? view.syncId;
    return candidate === null || this.linked.has(candidate) ? null : candidate;
  }

  /** Return the sync id for a pair made from this item, or null when a fresh one is needed. */
  forNewPair(side: Side, view: ItemView<unknown>): string | null {
    const own = this.intentOf(side, view.id)?.syncId;
    if (own !== undefined) {
      return this.linked.has(own) ? null : own;
    }
    // A copy whose source could not be paired must not reuse the source's sync id for a create of its own.
    return this.copiedUnder(side, view) ? null : this.of(side, view);
  }
}

/**
 * Copies a crashed session created whose source item was deleted before the pair was linked. They follow
 * their source: a mailbox copy (made by the engine) is deleted; a Salesforce copy is deleted when the org deletes
 * Salesforce Events of deleted meetings, and otherwise kept under a tombstone so it is not copied back.
 */
function takeOrphanCopies(input: MatchInput, syncIds: SyncIdBook, side: Side, views: readonly ItemView<MailboxItem | CrmRecord>[]): { id: string; action: PairAction | null }[] {
  const orphans: { id: string; action: PairAction | null }[] = [];

  for (const view of views) {
    const intent = syncIds.copiedUnder(side, view);
    if (!intent) {
      continue;
    }

    if (!isSourceGone(input, intent)) {
      // NOTE: the source was neither paired with this copy nor deleted (it is linked elsewhere or was not read
      // this session). The copy is left alone rather than copied back, which would double the source.
      orphans.push({ id: view.id, action: null });
      continue;
    }

    const onCrm = side === 'crm';
    const keep = onCrm && input.policy.deletions[input.objectKind].action !== 'delete';
    orphans.push({
      id: view.id,
      action: {
        syncId: intent.syncId,
        link: null,
        mailboxItemId: onCrm ? intent.sourceId : view.id,
        crmRecordId: onCrm ? view.id : intent.sourceId,
        mailboxItem: null,
        mailboxWrite: onCrm ? null : { op: 'delete' },
        crmWrite: onCrm && !keep ? { op: 'delete' } : null,
        nextBase: keep ? view.values : null,
        mergeBase: {},
        seenVersions: { mailbox: null, crm: view.version },
        origin: intent.sourceSide,
        tombstone: keep ? 'mailbox' : null,
        conflicts: [],
        sources: [{ side, id: view.id }],
        reason: keep
          ? 'copy of an item deleted before it was linked: keep it under a tombstone'
          : 'copy of an item deleted before it was linked: delete the copy',
        ...(keep ? {} : { deletedValues: view.values }),
      },
    });
  }

  return orphans;
}

/** True when an intent's source item was deleted, or is gone for its kind (a meeting that was cancelled). */
function isSourceGone(input: MatchInput, intent: Intent): boolean {
  if (intent.sourceSide === 'crm') {
    return input.crm.get(intent.sourceId)?.kind === 'deleted';
  }

  const state = input.mailbox.get(intent.sourceId);
  return state?.kind === 'deleted' || (state?.kind === 'upsert' && objectTypeOf(input.objectKind).isGone(state.view.item));
}

function pairAction(
  input: MatchInput,
  syncId: string,
  mailboxView: ItemView<MailboxItem>,
  crmView: ItemView<CrmRecord>,
  origin: Side,
  reason: string,
): PairAction {
  // A pair a crashed session created has the base it planned, where its writes landed. The other keys are merged by
  // the fill rule, as for any key a base lacks.
  const base = effectiveBase({}, input.plannedBases.get(syncId), { mailbox: mailboxView.values, crm: crmView.values });
  const merged = mergeViews(input, syncId, base, { view: mailboxView, changed: true }, { view: crmView, changed: true });

  return {
    syncId,
    link: null,
    mailboxItemId: mailboxView.id,
    crmRecordId: crmView.id,
    mailboxItem: mailboxView.item,
    mailboxWrite: Object.keys(merged.toMailbox).length > 0 ? { op: 'update', values: merged.toMailbox } : null,
    crmWrite: Object.keys(merged.toCrm).length > 0 ? { op: 'update', values: merged.toCrm } : null,
    nextBase: merged.nextBase,
    mergeBase: base,
    seenVersions: { mailbox: mailboxView.version, crm: crmView.version },
    origin,
    tombstone: null,
    conflicts: merged.conflicts,
    sources: [
      { side: 'mailbox', id: mailboxView.id },
      { side: 'crm', id: crmView.id },
    ],
    reason,
  };
}

function createAction(input: MatchInput, from: Side, syncId: string, view: ItemView<MailboxItem> | ItemView<CrmRecord>): PairAction {
  const values = flowingValues(input, from, view.values);
  const fromMailbox = from === 'mailbox';
  return {
    syncId,
    link: null,
    mailboxItemId: fromMailbox ? view.id : null,
    crmRecordId: fromMailbox ? null : view.id,
    mailboxItem: fromMailbox ? (view as ItemView<MailboxItem>).item : null,
    mailboxWrite: fromMailbox ? null : { op: 'create', values },
    crmWrite: fromMailbox ? { op: 'create', values } : null,
    nextBase: values,
    mergeBase: {},
    seenVersions: { mailbox: fromMailbox ? view.version : null, crm: fromMailbox ? null : view.version },
    origin: from,
    tombstone: null,
    conflicts: [],
    sources: [{ side: from, id: view.id }],
    reason: fromMailbox ? 'new in the mailbox: create in Salesforce' : 'new in Salesforce: create in the mailbox',
  };
}

function flowingValues(input: MatchInput, from: Side, values: MappedValues): MappedValues {
  const result: Record<string, MappedValues[string]> = {};
  for (const pair of pairsFlowingFrom(input.mapping, from)) {
    if (pair.key in values) {
      result[pair.key] = values[pair.key] ?? null;
    }
  }
  return result;
}

