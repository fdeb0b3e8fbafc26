import type { Side } from '../domain/glossary.ts';
import type { PairAction } from './plan.ts';
import type { SyncPolicy } from './policy.ts';

export interface ValveResult {
  readonly actions: readonly PairAction[];
  /** Sides whose deletions were held back; the cursor of the side they came from must not move. */
  readonly heldTargets: readonly Side[];
  /** The actions held back, for the admin to confirm or reject (`syncline deletions`). */
  readonly held: readonly HeldAction[];
  readonly notes: readonly string[];
}

/** An action the breaker held back, and the side whose item it would delete or leave unlinked. */
export interface HeldAction {
  readonly action: PairAction;
  readonly side: Side;
}

/** Deletions a session may always make, however small the calendar: a person clearing a few meetings. */
const SMALL_DELETION_COUNT = 5;

/**
 * The mass-delete breaker: when a session would delete more than the policy's count of a side's linked items,
 * or more than its share of them (beyond a handful), every deletion on that side is held back and the session
 * asks for review. A listing that came back empty by mistake then deletes nothing, in small calendars too.
 * Deletions an admin confirmed (`confirmed`, by sync id) pass and do not count.
 */
export function applyMassDeleteValve(
  actions: readonly PairAction[],
  linkCount: number,
  policy: SyncPolicy,
  confirmed: ReadonlySet<string> = new Set(),
  mailboxAddress = 'MAILBOX',
): ValveResult {
  const heldTargets: Side[] = [];
  const notes: string[] = [];
  // The end of an un-sync a crashed session began deletes nothing that is still there, and holding it back would
  // leave the pair to the deletion policy at the next session.
  const counted = actions.filter((action) => !confirmed.has(action.syncId) && action.finishesCrashedUnsync !== true);

  for (const side of ['crm', 'mailbox'] as const) {
    const deletes = counted.filter((action) => endsPairOn(action, side)).length;
    const shareLimit = Math.max(SMALL_DELETION_COUNT, Math.floor(policy.massDelete.maxShare * linkCount));
    if (deletes > policy.massDelete.maxCount || deletes > shareLimit) {
      heldTargets.push(side);
      // A new or mistyped un-sync rule can empty calendars at once, so its removals count and are named.
      const unsyncs = counted.filter((action) => side === 'mailbox' && action.unsyncRule !== undefined && endsPairOn(action, side)).length;
      notes.push(
        `Held back ${deletes} deletions in ${side === 'crm' ? 'Salesforce' : 'the mailbox'}${unsyncs > 0 ? ` (${unsyncs} of them by un-sync rules)` : ''} out of ${linkCount} linked items ` +
          `(limits: ${policy.massDelete.maxCount} items, or ${Math.round(policy.massDelete.maxShare * 100)}% of them). ` +
          `Check the other side's data, then confirm them (the next session makes them) or reject them (the items stay) in the ` +
          `dashboard's Held mass deletions panel, or with \`syncline deletions confirm ${mailboxAddress}\` or \`syncline deletions reject ${mailboxAddress}\`.`,
      );
    }
  }

  if (heldTargets.length === 0) {
    return { actions, heldTargets, held: [], notes };
  }

  const kept: PairAction[] = [];
  const held: HeldAction[] = [];
  for (const action of actions) {
    const side = confirmed.has(action.syncId) || action.finishesCrashedUnsync === true ? undefined : heldTargets.find((target) => endsPairOn(action, target));
    if (side === undefined) {
      kept.push(action);
    } else {
      held.push({ action, side });
    }
  }
  return { actions: kept, heldTargets, held, notes };
}

/** True when the action deletes the item on `side`, or leaves it unlinked because the other side deleted its own. */
function endsPairOn(action: PairAction, side: Side): boolean {
  const write = side === 'crm' ? action.crmWrite : action.mailboxWrite;
  return write?.op === 'delete' || isTombstoneFrom(action, side);
}

/**
 * A tombstone left by a deletion on the side opposite `target` ends a pair like a deletion does, so it counts as one.
 * A record kept with a marker field set counts too; the record an un-sync rule keeps does not.
 */
function isTombstoneFrom(action: PairAction, target: Side): boolean {
  const sourceSide: Side = target === 'crm' ? 'mailbox' : 'crm';
  // An un-sync removal keeps the Salesforce record on purpose: it ends the pair in the mailbox only.
  return action.unsyncRule === undefined && action.link !== null && action.link.tombstone === null && action.tombstone === sourceSide && action.mailboxWrite?.op !== 'create' && action.crmWrite?.op !== 'create';
}
