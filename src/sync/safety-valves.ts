import type { Side } from '../domain/glossary.ts';
import type { PairAction } from './plan.ts';
import type { SyncPolicy } from './policy.ts';

export interface ValveResult {
  readonly actions: readonly PairAction[];
  /** Sides whose deletions were held back; the cursor of the side they came from must not move. */
  readonly heldTargets: readonly Side[];
  readonly notes: readonly string[];
}

/**
 * The mass-delete breaker: when a session would delete more than the policy's share of a side's linked items
 * (and more than its minimum count), every deletion on that side is held back and the session asks for review.
 * A listing that came back empty by mistake then deletes nothing.
 */
export function applyMassDeleteValve(actions: readonly PairAction[], linkCount: number, policy: SyncPolicy): ValveResult {
  const heldTargets: Side[] = [];
  const notes: string[] = [];

  for (const side of ['crm', 'mailbox'] as const) {
    const deletes = actions.filter((action) => writeOf(action, side)?.op === 'delete' || isTombstoneFrom(action, side)).length;
    const limit = Math.max(policy.massDelete.minCount, Math.floor(policy.massDelete.maxShare * linkCount));
    if (deletes > limit) {
      heldTargets.push(side);
      notes.push(
        `Held back ${deletes} deletions in ${side === 'crm' ? 'Salesforce' : 'the mailbox'} out of ${linkCount} linked items ` +
          `(limit ${limit}). Check the other side's data; if the deletions are intended, raise policy.massDelete and sync again.`,
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
