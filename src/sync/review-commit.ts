import { randomUUID } from 'node:crypto';

import type { Side } from '../domain/glossary.ts';
import type { ConflictDecision, ObjectKind } from '../domain/link.ts';
import type { QuarantineEntry, SessionCommit } from '../domain/sync-store.ts';
import type { ExecutionResult } from './executor.ts';
import type { PairAction } from './plan.ts';
import type { SyncPolicy } from './policy.ts';
import type { ReviewedPlan } from './reviews.ts';
import { heldDeletionsOf } from './reviews.ts';
import type { ValveResult } from './safety-valves.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

type ReviewCommit = Required<Pick<SessionCommit, 'quarantine' | 'restoredQuarantine' | 'purgeQuarantineBefore' | 'heldDeletions' | 'settledUndos'>> & {
  readonly undoDecisions: readonly ConflictDecision[];
};

/**
 * Build the parts of a kind's commit that record deletions and admin decisions. Each deletion the session made goes to
 * the quarantine, and restores and undos whose writes succeeded are settled. The breaker's held deletions replace the
 * old ones, and quarantine entries older than the policy's days are purged.
 */
export function reviewCommitOf(options: {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly policy: SyncPolicy;
  readonly reviewed: ReviewedPlan;
  readonly valve: ValveResult;
  readonly execution: ExecutionResult;
  readonly now: Date;
}): ReviewCommit {
  const { mailboxId, objectKind, reviewed, valve, execution } = options;
  const now = options.now.toISOString();
  const failed = new Set(execution.failures.map((failure) => `${failure.side}:${failure.action.syncId}`));
  const succeeded = (action: PairAction) => !failed.has(`crm:${action.syncId}`) && !failed.has(`mailbox:${action.syncId}`);
  const created = new Set(execution.createdSyncIds);

  const quarantine: QuarantineEntry[] = [];
  for (const action of valve.actions) {
    for (const side of ['crm', 'mailbox'] as const) {
      const write = side === 'crm' ? action.crmWrite : action.mailboxWrite;
      if (write?.op === 'delete' && !failed.has(`${side}:${action.syncId}`)) {
        quarantine.push(quarantineEntryOf(mailboxId, objectKind, action, side, now));
      }
    }
  }

  const restoredQuarantine = [
    ...reviewed.restoredAlready,
    ...[...reviewed.restores.entries()].filter(([syncId]) => created.has(syncId)).map(([, entryId]) => entryId),
  ];

  const undoDecisions: ConflictDecision[] = [];
  const settledUndos = [...reviewed.settledUndos];
  const actionsById = new Map(valve.actions.map((action) => [action.syncId, action]));
  for (const [syncId, decisions] of reviewed.undoDecisions) {
    const action = actionsById.get(syncId);
    if (action !== undefined && !succeeded(action)) {
      continue;
    }
    undoDecisions.push(...decisions);
    for (const decision of decisions) {
      if (decision.undoes !== undefined && !settledUndos.includes(decision.undoes)) {
        settledUndos.push(decision.undoes);
      }
    }
  }

  // A decided deletion whose write failed keeps its decision, so the retry in the next session follows it too.
  const undone = reviewed.decided.filter((held) => {
    const action = actionsById.get(held.syncId);
    return action !== undefined && !succeeded(action);
  });
  return {
    quarantine,
    restoredQuarantine,
    purgeQuarantineBefore: new Date(options.now.getTime() - options.policy.quarantineDays * DAY_MS).toISOString(),
    heldDeletions: [...heldDeletionsOf(mailboxId, objectKind, valve.held, now), ...undone],
    settledUndos,
    undoDecisions,
  };
}

function quarantineEntryOf(mailboxId: string, objectKind: ObjectKind, action: PairAction, side: Side, deletedAt: string): QuarantineEntry {
  const itemId = side === 'crm' ? action.crmRecordId : action.mailboxItemId;
  const otherItemId = side === 'crm' ? action.mailboxItemId : action.crmRecordId;
  return {
    id: randomUUID(),
    mailboxId,
    objectKind,
    side,
    itemId: itemId ?? '',
    otherItemId,
    syncId: action.syncId,
    values: action.deletedValues ?? action.link?.base ?? action.mergeBase,
    origin: action.origin,
    reason: action.reason,
    deletedAt,
    restoreRequestedAt: null,
    restoredAt: null,
  };
}
