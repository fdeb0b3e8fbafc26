import type { CalendarEvent } from '../domain/calendar-event.ts';
import type { CrmRecord } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { MappedValues } from '../domain/link.ts';
import { pairsFlowingFrom } from '../mapping/index.ts';
import { mergePair } from './merge.ts';
import type { ItemView, PairAction, PlannerInput } from './plan.ts';
import { sideInput } from './side-input.ts';
import { stableStringify } from './values.ts';

export interface MatchInput extends PlannerInput {
  readonly unlinkedMailbox: readonly ItemView<CalendarEvent>[];
  readonly unlinkedCrm: readonly ItemView<CrmRecord>[];
}

/**
 * Pair items that no link covers yet, then create what is left on the other side:
 * 1. by sync id, so a create repeated after a crash finds the copy it made before;
 * 2. by subject and span, so a first sync of two calendars that already agree duplicates nothing;
 * 3. anything unmatched is created on the other side under a sync id (reused from its intent, if any).
 */
export function matchUnlinked(input: MatchInput): PairAction[] {
  const intentBySource = new Map(input.intents.map((intent) => [`${intent.sourceSide}:${intent.sourceId}`, intent]));
  const syncIdOf = (side: Side, view: ItemView<unknown>): string | null => view.syncId ?? intentBySource.get(`${side}:${view.id}`)?.syncId ?? null;

  const actions: PairAction[] = [];
  const remainingCrm = new Map(input.unlinkedCrm.map((view) => [view.id, view]));
  const crmBySyncId = new Map<string, ItemView<CrmRecord>>();
  for (const view of input.unlinkedCrm) {
    const syncId = syncIdOf('crm', view);
    if (syncId) {
      crmBySyncId.set(syncId, view);
    }
  }

  const remainingMailbox: ItemView<CalendarEvent>[] = [];
  for (const view of input.unlinkedMailbox) {
    const syncId = syncIdOf('mailbox', view);
    const crmView = syncId ? crmBySyncId.get(syncId) : undefined;
    if (syncId && crmView && remainingCrm.has(crmView.id)) {
      remainingCrm.delete(crmView.id);
      // The intent names the side the pair started on; without one, a sync id on the mailbox item means the
      // engine wrote that item.
      const intent = intentBySource.get(`mailbox:${view.id}`) ?? intentBySource.get(`crm:${crmView.id}`);
      const origin: Side = intent?.sourceSide ?? (view.syncId !== null ? 'crm' : 'mailbox');
      actions.push(pairAction(input, syncId, view, crmView, origin, 'same sync id on both sides: link (a create repeated after a crash)'));
      continue;
    }
    remainingMailbox.push(view);
  }

  const crmByContent = new Map<string, ItemView<CrmRecord>[]>();
  for (const view of remainingCrm.values()) {
    const key = contentKey(view.values);
    crmByContent.set(key, [...(crmByContent.get(key) ?? []), view]);
  }

  for (const view of remainingMailbox) {
    const candidates = crmByContent.get(contentKey(view.values));
    const crmView = candidates?.shift();
    if (crmView) {
      remainingCrm.delete(crmView.id);
      const syncId = syncIdOf('mailbox', view) ?? syncIdOf('crm', crmView) ?? input.newSyncId();
      actions.push(pairAction(input, syncId, view, crmView, 'mailbox', 'same subject, start and end on both sides: link'));
      continue;
    }
    actions.push(createAction(input, 'mailbox', syncIdOf('mailbox', view) ?? input.newSyncId(), view));
  }

  for (const view of remainingCrm.values()) {
    actions.push(createAction(input, 'crm', syncIdOf('crm', view) ?? input.newSyncId(), view));
  }

  return actions;
}

function pairAction(
  input: MatchInput,
  syncId: string,
  mailboxView: ItemView<CalendarEvent>,
  crmView: ItemView<CrmRecord>,
  origin: Side,
  reason: string,
): PairAction {
  const merged = mergePair({
    mailboxId: input.mailboxId,
    objectKind: input.objectKind,
    syncId,
    keys: Object.keys({ ...mailboxView.values, ...crmView.values }),
    base: {},
    mailbox: sideInput(input, 'mailbox', mailboxView),
    crm: sideInput(input, 'crm', crmView),
    policy: input.policy,
  });

  return {
    syncId,
    link: null,
    mailboxItemId: mailboxView.id,
    crmRecordId: crmView.id,
    mailboxItem: mailboxView.item,
    mailboxWrite: Object.keys(merged.toMailbox).length > 0 ? { op: 'update', values: merged.toMailbox } : null,
    crmWrite: Object.keys(merged.toCrm).length > 0 ? { op: 'update', values: merged.toCrm } : null,
    nextBase: merged.nextBase,
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

function createAction(input: MatchInput, from: Side, syncId: string, view: ItemView<CalendarEvent> | ItemView<CrmRecord>): PairAction {
  const values = flowingValues(input, from, view.values);
  const fromMailbox = from === 'mailbox';
  return {
    syncId,
    link: null,
    mailboxItemId: fromMailbox ? view.id : null,
    crmRecordId: fromMailbox ? null : view.id,
    mailboxItem: fromMailbox ? (view as ItemView<CalendarEvent>).item : null,
    mailboxWrite: fromMailbox ? null : { op: 'create', values },
    crmWrite: fromMailbox ? { op: 'create', values } : null,
    nextBase: values,
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

function contentKey(values: MappedValues): string {
  const subject = typeof values.subject === 'string' ? values.subject.trim().toLowerCase() : '';
  return stableStringify({ subject, span: values.span ?? null });
}
