import type { Side } from '../domain/glossary.ts';
import type { ConflictDecision, Link, MappedValues, ObjectKind } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { ConflictUndo, HeldDeletion, QuarantineEntry, ReviewState } from '../domain/sync-store.ts';
import { pairsFlowingFrom, type MappingTable } from '../mapping/index.ts';
import type { CrmItemState, ItemView, MailboxItemState, PairAction, PlannedWrite } from './plan.ts';
import type { HeldAction } from './safety-valves.ts';
import { valuesEqual } from './values.ts';

export interface ReviewInput {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly mapping: MappingTable;
  readonly links: readonly Link[];
  readonly actions: readonly PairAction[];
  readonly review: ReviewState;
  readonly mailboxStates: ReadonlyMap<string, MailboxItemState>;
  readonly crmStates: ReadonlyMap<string, CrmItemState>;
  /** Reads mailbox items by id as views; an id missing from the result is gone. */
  readonly readMailbox: (ids: readonly string[]) => Promise<ReadonlyMap<string, ItemView<MailboxItem>>>;
}

/** The plan after the admins' decisions, and what the commit must record about them. */
export interface ReviewedPlan {
  readonly actions: readonly PairAction[];
  /** Sync ids whose held deletion an admin confirmed: the breaker lets them pass. */
  readonly confirmed: ReadonlySet<string>;
  /** The held deletions an admin decided on, kept for the next session when this session's write for them fails. */
  readonly decided: readonly HeldDeletion[];
  /** Quarantine entry id by the sync id of the action that makes its item again. */
  readonly restores: ReadonlyMap<string, string>;
  /** Quarantine entries whose sync id is linked again already: nothing is left to make. */
  readonly restoredAlready: readonly string[];
  /** Ledger entries of the undos in the plan, by sync id; recorded once the pair's writes succeed. */
  readonly undoDecisions: ReadonlyMap<string, readonly ConflictDecision[]>;
  /** Undo requests that end this session whatever its writes do: applied without writes, or no longer possible. */
  readonly settledUndos: readonly number[];
  readonly notes: readonly string[];
}

/**
 * Apply the admins' decisions since the last session to its plan. Rejected held deletions become creates of the
 * deleted items, and restored quarantine entries are made again. An undone conflict decision writes the losing value
 * back to both sides. The function reads the mailbox items it needs and writes nothing.
 */
export async function applyReviews(input: ReviewInput): Promise<ReviewedPlan> {
  const notes: string[] = [];
  const decided = new Map(input.review.held.filter((held) => held.decision !== null).map((held) => [held.syncId, held]));
  const confirmed = new Set([...decided.values()].filter((held) => held.decision === 'confirm').map((held) => held.syncId));

  const actions = new Map<string, PairAction>();
  for (const action of withHeldSyncIds(input.actions, input.review.held)) {
    const held = decided.get(action.syncId);
    const replaced = held?.decision === 'reject' ? rejectDeletion(input, action, held) : action;
    if (replaced !== null) {
      actions.set(action.syncId, replaced);
    }
  }

  const restores = new Map<string, string>();
  const restoredAlready: string[] = [];
  const linkedSyncIds = new Set(input.links.map((link) => link.syncId));
  const tombstones = new Map(input.links.filter((link) => link.tombstone !== null).map((link) => [link.syncId, link]));
  for (const entry of input.review.restores) {
    // An un-synced event: its link stayed as a tombstone of the side the item was removed from.
    const tombstone = tombstones.get(entry.syncId);
    if (tombstone?.tombstone === entry.side && !actions.has(entry.syncId)) {
      actions.set(entry.syncId, restoreIntoTombstone(entry, tombstone));
      restores.set(entry.syncId, entry.id);
      continue;
    }
    if (linkedSyncIds.has(entry.syncId)) {
      notes.push(`Quarantine entry ${entry.id} is marked restored: sync id ${entry.syncId} is linked again already`);
      restoredAlready.push(entry.id);
      continue;
    }
    if (actions.has(entry.syncId) || entry.otherItemId === null) {
      notes.push(`Quarantine entry ${entry.id} waits for a later session: sync id ${entry.syncId} is in use in this one`);
      continue;
    }
    actions.set(entry.syncId, restoreAction(entry, entry.otherItemId));
    restores.set(entry.syncId, entry.id);
  }

  const { undoDecisions, settledUndos } = await applyUndos(input, actions, notes);
  return { actions: [...actions.values()], confirmed, decided: [...decided.values()], restores, restoredAlready, undoDecisions, settledUndos, notes };
}

/**
 * Give the actions of pairs made this session the sync ids under which the breaker held them before. A new pair gets a
 * new random sync id in every session until it is linked, and a held deletion is never linked. An admin's decision is
 * stored by sync id, so without this it would never meet its action again and the mailbox would stay held for good.
 * A held deletion is found again by its side and the item it deletes, which stay the same across sessions.
 */
function withHeldSyncIds(actions: readonly PairAction[], held: readonly HeldDeletion[]): PairAction[] {
  const heldByItem = new Map(held.map((entry) => [`${entry.side}\n${entry.itemId}`, entry.syncId]));
  const usedSyncIds = new Set(actions.map((action) => action.syncId));
  return actions.map((action) => {
    if (action.link !== null) {
      return action;
    }
    for (const side of ['mailbox', 'crm'] as const) {
      const itemId = side === 'crm' ? action.crmRecordId : action.mailboxItemId;
      const write = side === 'crm' ? action.crmWrite : action.mailboxWrite;
      const syncId = itemId === null || write?.op !== 'delete' ? undefined : heldByItem.get(`${side}\n${itemId}`);
      if (syncId !== undefined && syncId !== action.syncId && !usedSyncIds.has(syncId)) {
        usedSyncIds.add(syncId);
        return { ...action, syncId };
      }
    }
    return action;
  });
}

/** Build the held deletions to record after a session: what the breaker held this time, undecided. */
export function heldDeletionsOf(mailboxId: string, objectKind: ObjectKind, held: readonly HeldAction[], heldAt: string): HeldDeletion[] {
  return held.map(({ action, side }) => ({
    mailboxId,
    objectKind,
    syncId: action.syncId,
    side,
    itemId: (side === 'crm' ? action.crmRecordId : action.mailboxItemId) ?? '',
    heldAt,
    decision: null,
  }));
}

/**
 * Turn a held deletion the admin rejected into a create: the side whose item was deleted gets it again, made from the
 * other side's current values (or the base when that side did not change), and the pair stays linked. When the
 * deleted side's item still exists (cancelled, or made private), nothing is deleted and the link stays as it was.
 */
function rejectDeletion(input: ReviewInput, action: PairAction, held: HeldDeletion): PairAction | null {
  const link = action.link;
  if (link === null) {
    // An un-sync rule planned this removal for a pair made this session, so the pair is made as it would be without the rule.
    return action.pairedBeforeUnsync === undefined ? action : { ...action.pairedBeforeUnsync, syncId: action.syncId };
  }
  if (action.unsyncRule !== undefined) {
    // An un-sync removal deletes nothing on the other side, so the Salesforce Event stays whether or not it was read.
    return null;
  }
  const gone: Side = held.side === 'crm' ? 'mailbox' : 'crm';
  const goneState = gone === 'mailbox' ? input.mailboxStates.get(link.mailboxItemId) : input.crmStates.get(link.crmRecordId);
  if (goneState?.kind === 'upsert') {
    return null;
  }

  const survivor = gone === 'mailbox' ? input.crmStates.get(link.crmRecordId) : input.mailboxStates.get(link.mailboxItemId);
  const values: MappedValues = survivor?.kind === 'upsert' ? survivor.view.values : link.base;
  const storedVersion = gone === 'mailbox' ? link.crmVersion : link.mailboxVersion;
  const survivorVersion = survivor?.kind === 'upsert' ? survivor.view.version : storedVersion;
  const create: PlannedWrite = { op: 'create', values };
  return {
    ...action,
    mailboxItemId: gone === 'mailbox' ? null : link.mailboxItemId,
    crmRecordId: gone === 'crm' ? null : link.crmRecordId,
    mailboxItem: gone === 'mailbox' ? null : action.mailboxItem,
    mailboxWrite: gone === 'mailbox' ? create : null,
    crmWrite: gone === 'crm' ? create : null,
    nextBase: values,
    mergeBase: link.base,
    seenVersions: { mailbox: gone === 'mailbox' ? null : survivorVersion, crm: gone === 'crm' ? null : survivorVersion },
    // The item made again is a copy of the survivor, so the survivor's side is the pair's origin from now on.
    origin: held.side,
    tombstone: null,
    conflicts: [],
    reason: `held deletion rejected by an admin: make the ${gone === 'crm' ? 'Salesforce record' : 'mailbox item'} again`,
  };
}

/**
 * Make an un-synced item again on the side it was removed from and link it live to the item the tombstone kept. That
 * kept item becomes the pair's origin, as if the engine had copied the new item from it.
 */
function restoreIntoTombstone(entry: QuarantineEntry, link: Link): PairAction {
  const create: PlannedWrite = { op: 'create', values: entry.values };
  const kept: Side = entry.side === 'crm' ? 'mailbox' : 'crm';
  return {
    syncId: entry.syncId,
    link,
    mailboxItemId: entry.side === 'mailbox' ? null : link.mailboxItemId,
    crmRecordId: entry.side === 'crm' ? null : link.crmRecordId,
    mailboxItem: null,
    mailboxWrite: entry.side === 'mailbox' ? create : null,
    crmWrite: entry.side === 'crm' ? create : null,
    nextBase: entry.values,
    mergeBase: link.base,
    seenVersions: { mailbox: entry.side === 'mailbox' ? null : link.mailboxVersion, crm: entry.side === 'crm' ? null : link.crmVersion },
    origin: kept,
    tombstone: null,
    conflicts: [],
    sources: [],
    reason: `restore quarantine entry ${entry.id}: make the un-synced item again and link it to the kept one`,
  };
}

/**
 * Build the create of a quarantined item on the side the engine deleted it from. Its counterpart on the other side is
 * gone, so the new item is linked under a tombstone and never copied across.
 */
function restoreAction(entry: QuarantineEntry, otherItemId: string): PairAction {
  const create: PlannedWrite = { op: 'create', values: entry.values };
  const other: Side = entry.side === 'crm' ? 'mailbox' : 'crm';
  return {
    syncId: entry.syncId,
    link: null,
    mailboxItemId: entry.side === 'mailbox' ? null : otherItemId,
    crmRecordId: entry.side === 'crm' ? null : otherItemId,
    mailboxItem: null,
    mailboxWrite: entry.side === 'mailbox' ? create : null,
    crmWrite: entry.side === 'crm' ? create : null,
    nextBase: entry.values,
    mergeBase: {},
    seenVersions: { mailbox: null, crm: null },
    origin: entry.side,
    tombstone: other,
    conflicts: [],
    sources: [],
    reason: `restore quarantine entry ${entry.id}: make the item again`,
  };
}

async function applyUndos(input: ReviewInput, actions: Map<string, PairAction>, notes: string[]) {
  const undoDecisions = new Map<string, ConflictDecision[]>();
  const settledUndos: number[] = [];
  const liveLinks = new Map(input.links.filter((link) => link.tombstone === null).map((link) => [link.syncId, link]));
  const toMailbox = new Set(pairsFlowingFrom(input.mapping, 'crm').map((pair) => pair.key));
  const toCrm = new Set(pairsFlowingFrom(input.mapping, 'mailbox').map((pair) => pair.key));

  // The mailbox items of undone pairs that have no action this session, read once for all of them.
  const quiet = input.review.undos.filter((undo) => !actions.has(undo.syncId) && liveLinks.has(undo.syncId));
  const needRead = quiet.map((undo) => (liveLinks.get(undo.syncId) as Link).mailboxItemId);
  const read = needRead.length > 0 ? await input.readMailbox([...new Set(needRead)]) : new Map<string, ItemView<MailboxItem>>();

  for (const undo of input.review.undos) {
    const link = liveLinks.get(undo.syncId);
    const settle = (why: string) => {
      settledUndos.push(undo.seq);
      notes.push(`Undo of conflict ${undo.mailboxId}/${undo.objectKind}/${undo.seq} dropped: ${why}`);
    };
    if (link === undefined) {
      settle('the pair is no longer linked');
      continue;
    }

    const current = actions.get(undo.syncId) ?? quietAction(link, read.get(link.mailboxItemId));
    if (current === null) {
      settle('the mailbox item is gone');
      continue;
    }
    if (current.nextBase === null || current.tombstone !== null || isCreateOrDelete(current.mailboxWrite) || isCreateOrDelete(current.crmWrite)) {
      settle('the pair is deleted or made again in this session');
      continue;
    }
    if (writesField(current, undo.field)) {
      settle(`field "${undo.field}" changed again since the decision; the newer edit stands`);
      continue;
    }

    const decision = undoDecision(undo, link);
    if (valuesEqual(current.nextBase[undo.field], undo.value)) {
      // Both sides hold the value already: nothing to write, only the ledger entry.
      settledUndos.push(undo.seq);
      undoDecisions.set(undo.syncId, [...(undoDecisions.get(undo.syncId) ?? []), decision]);
      continue;
    }
    actions.set(undo.syncId, {
      ...current,
      mailboxWrite: toMailbox.has(undo.field) ? withField(current.mailboxWrite, undo) : current.mailboxWrite,
      crmWrite: toCrm.has(undo.field) ? withField(current.crmWrite, undo) : current.crmWrite,
      nextBase: { ...current.nextBase, [undo.field]: undo.value },
      reason: `${current.reason}; undo conflict ${undo.seq}: write the ${undo.side} value of "${undo.field}" back`,
    });
    undoDecisions.set(undo.syncId, [...(undoDecisions.get(undo.syncId) ?? []), decision]);
  }
  return { undoDecisions, settledUndos };
}

/** Build an action that changes nothing yet, for a pair no side changed, to carry an undo. */
function quietAction(link: Link, mailboxView: ItemView<MailboxItem> | undefined): PairAction | null {
  if (mailboxView === undefined) {
    return null;
  }
  return {
    syncId: link.syncId,
    link,
    mailboxItemId: link.mailboxItemId,
    crmRecordId: link.crmRecordId,
    mailboxItem: mailboxView.item,
    mailboxWrite: null,
    crmWrite: null,
    nextBase: link.base,
    mergeBase: link.base,
    seenVersions: { mailbox: mailboxView.version, crm: link.crmVersion },
    origin: link.origin,
    tombstone: null,
    conflicts: [],
    sources: [],
    reason: 'an admin undid a conflict decision',
  };
}

function isCreateOrDelete(write: PlannedWrite | null): boolean {
  return write !== null && write.op !== 'update';
}

function writesField(action: PairAction, field: string): boolean {
  const written = (write: PlannedWrite | null) => write?.op === 'update' && field in write.values;
  return written(action.mailboxWrite) || written(action.crmWrite) || action.conflicts.some((conflict) => conflict.field === field);
}

function withField(write: PlannedWrite | null, undo: ConflictUndo): PlannedWrite {
  const values = write?.op === 'update' ? write.values : {};
  return { ...(write?.op === 'update' ? write : {}), op: 'update', values: { ...values, [undo.field]: undo.value } };
}

function undoDecision(undo: ConflictUndo, link: Link): ConflictDecision {
  const before = link.base[undo.field] ?? null;
  return {
    mailboxId: undo.mailboxId,
    objectKind: undo.objectKind,
    syncId: undo.syncId,
    field: undo.field,
    baseValue: before,
    mailboxValue: undo.side === 'mailbox' ? undo.value : before,
    crmValue: undo.side === 'crm' ? undo.value : before,
    winner: undo.side,
    reason: `undo of conflict ${undo.mailboxId}/${undo.objectKind}/${undo.seq}: an admin wrote the losing ${undo.side} value back to both sides`,
    undoes: undo.seq,
  };
}
