import { describe, expect, it } from 'vitest';

import type { HeldDeletion, ReviewState } from '../src/domain/sync-store.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import type { ExecutionResult } from '../src/sync/executor.ts';
import { planSession } from '../src/sync/planner.ts';
import { defaultSyncPolicy, type SyncPolicy } from '../src/sync/policy.ts';
import { reviewCommitOf } from '../src/sync/review-commit.ts';
import { applyReviews, type ReviewInput } from '../src/sync/reviews.ts';
import { applyMassDeleteValve } from '../src/sync/safety-valves.ts';
import { event, linkFor, mailboxUpsert, plannerInput } from './support/planner-fixtures.ts';

const links = Array.from({ length: 10 }, (_, index) => linkFor(`s${index}`, `m${index}`, `c${index}`));
const allDeleted = new Map(links.map((link) => [link.mailboxItemId, { kind: 'deleted' as const }]));

function withEventDeletion(deletion: SyncPolicy['deletions']['event']): SyncPolicy {
  return { ...defaultSyncPolicy, deletions: { ...defaultSyncPolicy.deletions, event: deletion } };
}

function held(syncId: string, decision: HeldDeletion['decision']): HeldDeletion {
  return { mailboxId: 'mbx-1', objectKind: 'event', syncId, side: 'crm', itemId: `c-${syncId}`, heldAt: '2026-12-01T10:00:00.000Z', decision };
}

function reviewInput(review: Partial<ReviewState>, overrides: Partial<ReviewInput> = {}): ReviewInput {
  const plan = planSession(plannerInput({ links, mailbox: allDeleted }));
  return {
    mailboxId: 'mbx-1',
    objectKind: 'event',
    mapping: defaultEventMapping,
    links,
    actions: plan.actions,
    review: { held: [], restores: [], undos: [], ...review },
    mailboxStates: allDeleted,
    crmStates: new Map(),
    readMailbox: async () => new Map(),
    ...overrides,
  };
}

const noExecution: ExecutionResult = { upsertLinks: [], deleteLinks: [], failures: [], writes: { mailbox: { created: 0, updated: 0, deleted: 0 }, crm: { created: 0, updated: 0, deleted: 0 } }, createdSyncIds: [] };

describe('deletion policy in the planner', () => {
  it('marks and keeps the record', () => {
    const plan = planSession(plannerInput({ links: links.slice(0, 1), mailbox: allDeleted, policy: withEventDeletion({ action: 'mark', field: 'Syncline_Deleted__c', value: true }) }));
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'update', values: {}, marker: { field: 'Syncline_Deleted__c', value: true } });
    expect(plan.actions[0]?.tombstone).toBe('mailbox');
    expect(plan.actions[0]?.nextBase).toEqual(links[0]?.base);
  });

  it('counts marks against the breaker', () => {
    const policy = withEventDeletion({ action: 'mark', field: 'Syncline_Deleted__c', value: true });
    const plan = planSession(plannerInput({ links, mailbox: allDeleted, policy }));
    const valve = applyMassDeleteValve(plan.actions, links.length, policy);
    expect(valve.heldTargets).toEqual(['crm']);
    expect(valve.held).toHaveLength(links.length);
  });

  it('lets confirmed deletions pass the breaker', () => {
    const plan = planSession(plannerInput({ links, mailbox: allDeleted }));
    const confirmed = new Set(links.slice(0, 8).map((link) => link.syncId));
    const valve = applyMassDeleteValve(plan.actions, links.length, defaultSyncPolicy, confirmed);
    // The two unconfirmed deletions alone stay under the breaker's limit.
    expect(valve.heldTargets).toEqual([]);
    expect(valve.actions).toHaveLength(links.length);
  });
});

describe('admin reviews of a plan', () => {
  it('turns rejected deletions into creates', async () => {
    const reviewed = await applyReviews(reviewInput({ held: [held('s1', 'reject'), held('s2', 'confirm')] }));
    const rejected = reviewed.actions.find((action) => action.syncId === 's1');
    expect(rejected?.mailboxWrite).toEqual({ op: 'create', values: links[1]?.base });
    expect(rejected?.crmWrite).toBeNull();
    expect(rejected?.nextBase).toEqual(links[1]?.base);
    expect(reviewed.actions.find((action) => action.syncId === 's2')?.crmWrite).toEqual({ op: 'delete' });
    expect([...reviewed.confirmed]).toEqual(['s2']);
  });

  it('keeps the link when the rejected item still exists', async () => {
    const cancelled = new Map([...allDeleted, ['m1', mailboxUpsert('m1', event({ isCancelled: true }), 'ck-2')]]);
    const plan = planSession(plannerInput({ links, mailbox: cancelled }));
    const reviewed = await applyReviews(reviewInput({ held: [held('s1', 'reject')] }, { actions: plan.actions, mailboxStates: cancelled }));
    expect(plan.actions.find((action) => action.syncId === 's1')?.crmWrite).toEqual({ op: 'delete' });
    expect(reviewed.actions.find((action) => action.syncId === 's1')).toBeUndefined();
  });

  it('restores a quarantined item once', async () => {
    const entry = { id: 'q-1', mailboxId: 'mbx-1', objectKind: 'event' as const, side: 'crm' as const, itemId: 'c-old', otherItemId: 'm-old', syncId: 's-gone', values: { subject: 'Lunch' }, origin: 'mailbox' as const, reason: 'deleted', deletedAt: '2026-11-30T10:00:00.000Z', restoreRequestedAt: '2026-12-01T09:00:00.000Z', restoredAt: null };
    const linked = { ...entry, id: 'q-2', syncId: 's3' };
    const reviewed = await applyReviews(reviewInput({ restores: [entry, linked] }));

    const restore = reviewed.actions.find((action) => action.syncId === 's-gone');
    expect(restore).toMatchObject({ crmWrite: { op: 'create', values: { subject: 'Lunch' } }, mailboxWrite: null, mailboxItemId: 'm-old', crmRecordId: null, tombstone: 'mailbox' });
    expect([...reviewed.restores]).toEqual([['s-gone', 'q-1']]);
    expect(reviewed.restoredAlready).toEqual(['q-2']);
  });

  it('keeps a decision whose write failed', async () => {
    const reviewed = await applyReviews(reviewInput({ held: [held('s1', 'reject'), held('s2', 'reject')] }));
    const valve = applyMassDeleteValve(reviewed.actions.filter((action) => action.syncId === 's1' || action.syncId === 's2'), links.length, defaultSyncPolicy, reviewed.confirmed);
    const failedAction = valve.actions.find((action) => action.syncId === 's1')!;
    const failure = { kind: 'retryLater' as const, code: 'HTTP_503', message: 'unavailable' };
    const execution: ExecutionResult = { ...noExecution, failures: [{ action: failedAction, side: 'mailbox', failure }], createdSyncIds: ['s2'] };

    const commit = reviewCommitOf({ mailboxId: 'mbx-1', objectKind: 'event', policy: defaultSyncPolicy, reviewed, valve, execution, now: new Date('2026-12-01T10:00:00.000Z') });
    expect(commit.heldDeletions).toEqual([held('s1', 'reject')]);
    expect(commit.quarantine).toEqual([]);
    expect(commit.purgeQuarantineBefore).toBe('2026-11-01T10:00:00.000Z');
  });

  it('quarantine entry per deletion', () => {
    const plan = planSession(plannerInput({ links: links.slice(0, 2), mailbox: allDeleted }));
    const valve = applyMassDeleteValve(plan.actions, links.length, defaultSyncPolicy);
    const reviewed = { actions: plan.actions, confirmed: new Set<string>(), decided: [], restores: new Map(), restoredAlready: [], undoDecisions: new Map(), settledUndos: [], notes: [] };
    const commit = reviewCommitOf({ mailboxId: 'mbx-1', objectKind: 'event', policy: defaultSyncPolicy, reviewed, valve, execution: noExecution, now: new Date() });
    expect(commit.quarantine.map((entry) => [entry.syncId, entry.side, entry.itemId, entry.otherItemId])).toEqual([
      ['s0', 'crm', 'c0', 'm0'],
      ['s1', 'crm', 'c1', 'm1'],
    ]);
    expect(commit.quarantine[0]?.values).toEqual(links[0]?.base);
  });
});
