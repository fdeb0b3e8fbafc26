import type { Side } from '../domain/glossary.ts';
import type { PairAction } from './plan.ts';
import type { SyncPolicy } from './policy.ts';

export interface ValveResult {
  readonly actions: readonly PairAction[];
  /** Sides whose deletions were held back; the cursor of the side they came from must not move. */
  readonly heldTargets: readonly Side[];
  readonly notes: readonly string[];
}

/** Deletions a session may always make, however small the calendar: a person clearing a few meetings. */
const SMALL_DELETION_COUNT = 5;

/**
 * The mass-delete breaker: when a session would delete more than the policy's count of a side's linked items,
 * or more than its share of them (beyond a handful), every deletion on that side is held back and the session
 * asks for review. A listing that came back empty by mistake then deletes nothing, in small calendars too.
 */
export function applyMassDeleteValve(actions: readonly PairAction[], linkCount: number, policy: SyncPolicy): ValveResult {
  const heldTargets: Side[] = [];
  const notes: string[] = [];

  for (const side of ['crm', 'mailbox'] as const) {
    const deletes = actions.filter((action) => writeOf(action, side)?.op === 'delete' || isTombstoneFrom(action, side)).length;
    const shareLimit = Math.max(SMALL_DELETION_COUNT, Math.floor(policy.massDelete.maxShare * linkCount));
    if (deletes > policy.massDelete.maxCount || deletes > shareLimit) {
      heldTargets.push(side);
      notes.push(
        `Held back ${deletes} deletions in ${side === 'crm' ? 'Salesforce' : 'the mailbox'} out of ${linkCount} linked items ` +
          `(limits: ${policy.massDelete.maxCount} items, or ${Math.round(policy.massDelete.maxShare * 100)}% of them). ` +
          `Check the other side's data; if the deletions are intended, raise policy.massDelete and sync again.`,
      );
    }
  }

  if (heldTargets.length === 0) {
    return { actions, heldTargets, notes };
  }

  const kept = actions.filter((action) => !heldTargets.some((side) => writeOf(action, side)?.op === 'delete' || isTombstoneFrom(action, side)));
  return { actions: kept, heldTargets, notes };
}

function writeOf(action: PairAction, side: Side) {
  return side === 'crm' ? action.crmWrite : action.mailboxWrite;
}

/** A tombstone left by a deletion on the side opposite `target` ends a pair like a deletion does, so it counts as one. */
function isTombstoneFrom(action: PairAction, target: Side): boolean {
  const sourceSide: Side = target === 'crm' ? 'mailbox' : 'crm';
  return action.link !== null && action.tombstone === sourceSide && !action.crmWrite && !action.mailboxWrite;
}
