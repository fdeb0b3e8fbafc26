import { randomUUID } from 'node:crypto';

import type { ItemSource, PullResult, SyncWindow } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { Link } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { ItemErrorReport } from '../domain/session-report.ts';
import type { SyncState } from '../domain/sync-store.ts';
import type { Logger } from '../observability/logger.ts';
import { executePlan, type ExecutionResult } from './executor.ts';
import { gatherSideStates } from './gather-states.ts';
import { crmItemView, mailboxItemView } from './item-views.ts';
import { activeBase, missingKeys } from './merge-views.ts';
import { objectTypeOf } from './object-types/index.ts';
import { linkedIntentSyncIds, nextPending } from './pending-items.ts';
import { planOf } from './planned-base.ts';
import type { CrmItemState, MailboxItemState, PairAction } from './plan.ts';
import { planSession } from './planner.ts';
import { fullReadNotes, pullWithRecovery } from './pull-with-recovery.ts';
import { reviewCommitOf } from './review-commit.ts';
import { applyReviews } from './reviews.ts';
import { applyMassDeleteValve, type ValveResult } from './safety-valves.ts';
import { syncKindInChunks } from './chunked-full-read.ts';
import { unsyncedNotes } from './plan-unsync.ts';
import { unsyncScopeOf } from './unsync-rules.ts';
import type { SettleExtras } from './shared-meetings.ts';
import { calendarCursorScope, wrapCursor } from './window-cursor.ts';
import type { KindContext, KindOutcome, KindPlan, KindSession, PendingCrmWrite, WrittenPair } from './kind-types.ts';

/**
 * The window a kind's stored cursors are checked against. Kinds without a time range keep one fixed window, so a
 * sliding calendar window never makes them list everything again.
 */
const UNBOUNDED_WINDOW: SyncWindow = { start: '1970-01-01T00:00:00.000Z', end: '9999-12-31T00:00:00.000Z' };

/**
 * Sync one object kind of a mailbox: pull both sides, plan, write, then commit links, bases and cursors in one
 * transaction. Throws when a failure stops the kind; nothing of the kind is committed then.
 */
export async function syncKind(session: KindSession, mailboxSource: ItemSource<MailboxItem>, context: KindContext): Promise<KindOutcome> {
  // A large full listing of a source that reads by pages is synced in chunks instead, so it never sits in memory whole.
  const chunked = await syncKindInChunks(session, mailboxSource, context, { plan: planKind, execute: executeKindPlan, readCounterparts: readMailboxCounterparts });
  return chunked ?? (await executeKindPlan(session, mailboxSource, context, await planKind(session, mailboxSource, context)));
}

/** Write a kind's plan to both sides, then commit links, bases and cursors in one transaction. */
export async function executeKindPlan(session: KindSession, mailboxSource: ItemSource<MailboxItem>, context: KindContext, planned: KindPlan): Promise<KindOutcome> {
  const { mapping } = session;
  const kind = mapping.kind;
  const logger = context.logger;
  const { state, windows, mailboxPull, crmPull, mailboxReason, crmReason, plan, valve: plannedValve, reviewed, mailboxScope } = planned;
  const screened = session.sharedMeetings === undefined ? null : await session.sharedMeetings.screen(plannedValve.actions, logger);
  const valve: ValveResult = screened === null ? plannedValve : { ...plannedValve, actions: screened.actions };
  const beforeNotes = session.beforeCrmWrites === undefined
    ? []
    : await session.beforeCrmWrites(pendingCrmWrites(valve.actions), { logger, policy: context.policy, window: context.window, keptFromCrm: keptFromCrm(plannedValve.actions, valve.actions) });

  const execution = await executePlan({
    mailboxId: context.mailboxId,
    objectKind: kind,
    actions: valve.actions,
    mailboxSource,
    crmSource: session.crmSource,
    store: context.store,
    mapping,
    mailboxTimeZone: context.mailboxTimeZone,
  });

  const heldSources = new Set<Side>(valve.heldTargets.map((target) => (target === 'crm' ? 'mailbox' : 'crm')));
  // An abandoned intent whose orphan copy could not be deleted stays, so the next session still finds that the
  // copy follows its deleted source. Without the intent the copy would look new and be created on the other side.
  const failedSyncIds = new Set(execution.failures.map((failed) => failed.action.syncId));
  const abandonedIntents = plan.abandonedIntents.filter((syncId) => !failedSyncIds.has(syncId));
  const keptPlannedBases = valve.actions.filter((action) => failedSyncIds.has(action.syncId)).flatMap((action) => planOf(action, action.mergeBase, context.mailboxId, kind) ?? []);
  // A held un-sync removal comes from the mailbox's own items, so they must be read again once an admin decides.
  if (valve.held.some(({ action }) => action.unsyncRule !== undefined)) {
    heldSources.add('mailbox');
  }
  const { undoDecisions, ...reviewCommit } = reviewCommitOf({ mailboxId: context.mailboxId, objectKind: kind, policy: context.policy, reviewed, valve, execution, now: new Date() });
  await context.store.commitSession({
    mailboxId: context.mailboxId,
    objectKind: kind,
    upsertLinks: execution.upsertLinks,
    deleteLinks: execution.deleteLinks,
    cursors: {
      ...(heldSources.has('mailbox') ? {} : { mailbox: wrapCursor(mailboxPull.nextCursor, windows.cursorWindow, mailboxScope) }),
      ...(heldSources.has('crm') ? {} : { crm: wrapCursor(crmPull.nextCursor, windows.cursorWindow) }),
    },
    resolvedIntents: [...execution.createdSyncIds, ...abandonedIntents, ...linkedIntentSyncIds(state.intents, execution.upsertLinks)],
    pending: nextPending(context.mailboxId, kind, state, execution),
    conflicts: [...valve.actions.flatMap((action) => action.conflicts), ...undoDecisions],
    keptPlannedBases,
    ...reviewCommit,
  });

  const actionsById = new Map(valve.actions.map((action) => [action.syncId, action]));
  const writtenPairs = execution.upsertLinks.flatMap((link): WrittenPair[] => {
    const item = actionsById.get(link.syncId)?.mailboxItem ?? null;
    return item === null ? [] : [{ syncId: link.syncId, crmRecordId: link.crmRecordId, mailboxItemId: link.mailboxItemId, item }];
  });
  await settleSharedMeetings(session, writtenPairs, meetingExtras(session, state.links, mailboxPull, valve.actions, execution), logger);
  const followUpErrors = session.afterWrites === undefined || writtenPairs.length === 0 ? [] : await session.afterWrites(writtenPairs, logger);

  const writeErrors = execution.failures.map((failed): ItemErrorReport => {
    const itemId = failed.side === 'crm' ? failed.action.crmRecordId : failed.action.mailboxItemId;
    return {
      objectKind: kind,
      side: failed.side,
      itemId,
      syncId: failed.action.syncId,
      code: failed.failure.code,
      message: failed.failure.message,
      recordUrl: failed.side === 'crm' && itemId ? session.crmRecordUrl(itemId) : null,
    };
  });
  const itemErrors = [...writeErrors, ...followUpErrors, ...(screened?.itemErrors ?? [])];
  for (const itemError of itemErrors) {
    logger.warn({ side: itemError.side, itemId: itemError.itemId, syncId: itemError.syncId, code: itemError.code }, 'Item not synced; the next session tries it again');
  }

  let status: KindOutcome['status'] = itemErrors.length > 0 ? 'partial' : 'ok';
  if (valve.heldTargets.length > 0) {
    status = 'needsReview';
  }
  return {
    status,
    fullRead: { mailbox: mailboxPull.isFullListing, crm: crmPull.isFullListing },
    reads: { mailbox: mailboxPull.changes.length, crm: crmPull.changes.length },
    writes: execution.writes,
    conflicts: valve.actions.reduce((count, action) => count + action.conflicts.length, 0),
    itemErrors,
    notes: [...valve.notes, ...reviewed.notes, ...plan.notes, ...unsyncedNotes(valve.actions, execution.failures), ...fullReadNotes({ mailbox: mailboxReason, crm: crmReason }), ...beforeNotes, ...(screened?.notes ?? [])],
  };
}

/**
 * Record the Events of the meetings this mailbox owns, give up those whose copy left, and note that the kind ran. The
 * kind's writes are committed already, so a failure here is only logged: the next session records it again.
 */
async function settleSharedMeetings(session: KindSession, pairs: readonly WrittenPair[], extras: SettleExtras, logger: Logger): Promise<void> {
  if (session.sharedMeetings === undefined) {
    return;
  }
  try {
    await session.sharedMeetings.settle(pairs, extras);
  } catch (error) {
    logger.warn({ err: error }, 'Recording the Events of shared meetings failed; the next session that writes them tries again');
  }
}

/**
 * Return the linked pairs the session read without writing (so pairs linked before meetings had owners claim them),
 * and the Events of pairs that ended because their mailbox copy left, whose meetings another copy may take over.
 */
function meetingExtras(session: KindSession, links: readonly Link[], pull: PullResult<MailboxItem>, actions: readonly PairAction[], execution: ExecutionResult): SettleExtras {
  if (session.sharedMeetings === undefined) {
    return {};
  }
  const read = new Map(pull.changes.flatMap((change) => (change.kind === 'upsert' ? [[change.id, change.item] as const] : [])));
  const seen = links.flatMap((link) => {
    const item = link.tombstone === null ? read.get(link.mailboxItemId) : undefined;
    return item === undefined ? [] : [{ crmRecordId: link.crmRecordId, item }];
  });
  const done = new Set([...execution.deleteLinks, ...execution.upsertLinks.map((link) => link.syncId)]);
  const endedCrmRecordIds = actions.flatMap((action) =>
    done.has(action.syncId) && action.link !== null && (action.crmWrite?.op === 'delete' || (action.tombstone === 'mailbox' && action.link.tombstone === null)) ? [action.link.crmRecordId] : []);
  return { seen, endedCrmRecordIds };
}

function pendingCrmWrites(actions: readonly PairAction[]): PendingCrmWrite[] {
  return actions.flatMap((action) => {
    const op = action.crmWrite?.op;
    return (op === 'create' || op === 'update') && action.mailboxItem !== null ? [{ syncId: action.syncId, op, item: action.mailboxItem }] : [];
  });
}

/**
 * Pull both sides of one kind, plan the session and apply the mass-delete breaker. It only reads: no side write and
 * no store write, so a dry run can show its actions.
 */
export async function planKind(session: KindSession, mailboxSource: ItemSource<MailboxItem>, context: KindContext, loaded?: SyncState): Promise<KindPlan> {
  const { mapping } = session;
  const kind = mapping.kind;
  const type = objectTypeOf(kind);
  const logger = context.logger;
  const windows = { window: context.window, cursorWindow: type.windowed ? context.window : UNBOUNDED_WINDOW };
  const now = new Date();
  // A change of the rules reads the calendar in full, so linked events that did not change are measured against them.
  const mailboxScope = kind === 'event' ? calendarCursorScope(unsyncScopeOf(context.policy.unsync, now), session.sharedMeetings !== undefined) : '';

  const state = loaded ?? (await context.store.loadSyncState(context.mailboxId, kind));
  const { pull: mailboxPull, fullReadReason: mailboxReason } = await pullWithRecovery('mailbox', mailboxSource, state.cursors.mailbox, windows, logger, mailboxScope);
  const { pull: crmPull, fullReadReason: crmReason } = await pullWithRecovery('crm', session.crmSource, state.cursors.crm, windows, logger);

  // Both items of a pair whose base lacks a key of the table are read, so the added pair is merged this session.
  const stale = state.links.filter((link) => link.tombstone === null && missingKeys({ mapping }, activeBase({ mapping }, link.base)).length > 0);
  if (stale.length > 0) {
    logger.info({ links: stale.length }, 'The mapping table gained pairs since these links were merged; reading both items to merge them');
  }
  const gatherCommon = { links: state.links, pending: state.pending, intents: state.intents };
  const mailboxStates = await gatherSideStates({
    ...gatherCommon,
    side: 'mailbox',
    source: mailboxSource,
    pull: mailboxPull,
    // Copies of meetings that no mailbox owns are read again until one is written or they leave.
    readIds: [...stale.map((link) => link.mailboxItemId), ...((await session.sharedMeetings?.revisit()) ?? [])],
    toView: (snapshot) => mailboxItemView(snapshot, mapping, context.policy),
  });
  const crmStates = await gatherSideStates({
    ...gatherCommon,
    side: 'crm',
    source: session.crmSource,
    pull: crmPull,
    readIds: stale.map((link) => link.crmRecordId),
    toView: (snapshot) => crmItemView(snapshot, mapping),
  });

  await readMailboxCounterparts(session, mailboxSource, context, state, mailboxStates, crmStates);

  const plan = planSession({
    mailboxId: context.mailboxId,
    objectKind: kind,
    links: state.links,
    mailbox: mailboxStates,
    crm: crmStates,
    intents: state.intents,
    plannedBases: new Map(state.plannedBases.map((planned) => [planned.syncId, planned])),
    mapping,
    policy: context.policy,
    window: context.window,
    newSyncId: () => `${session.syncIdPrefix ?? ''}${randomUUID()}`,
    ...(context.mailboxAddress === undefined ? {} : { mailboxAddress: context.mailboxAddress }),
    now,
  });
  const reviewed = await applyReviews({
    mailboxId: context.mailboxId,
    objectKind: kind,
    mapping,
    links: state.links,
    actions: plan.actions,
    review: await context.store.loadReviewState(context.mailboxId, kind),
    mailboxStates,
    crmStates,
    readMailbox: async (ids) => {
      const found = await mailboxSource.readItems(ids);
      return new Map([...found].map(([id, snapshot]) => [id, mailboxItemView(snapshot, mapping, context.policy)]));
    },
  });
  const valve = applyMassDeleteValve(reviewed.actions, state.links.length, context.policy, reviewed.confirmed, context.mailboxAddress ?? context.mailboxId);
  for (const action of valve.actions) {
    logger.debug({ syncId: action.syncId, reason: action.reason }, 'Planned action');
  }
  return { state, windows, mailboxPull, crmPull, mailboxReason, crmReason, plan, valve, reviewed, mailboxScope };
}


/**
 * Read the mailbox items of pairs that changed only in Salesforce, where the kind needs them. The planner must see
 * which fields the privacy policy hides, and a write into one field of an object must keep the object's other fields.
 */
export async function readMailboxCounterparts(
  session: KindSession,
  mailboxSource: ItemSource<MailboxItem>,
  context: KindContext,
  state: SyncState,
  mailboxStates: Map<string, MailboxItemState>,
  crmStates: ReadonlyMap<string, CrmItemState>,
): Promise<void> {
  const type = objectTypeOf(session.mapping.kind);
  const needed = (link: Link) =>
    link.tombstone === null && crmStates.get(link.crmRecordId)?.kind === 'upsert' && !mailboxStates.has(link.mailboxItemId) && type.needsMailboxCounterpart(link);
  const ids = state.links.filter(needed).map((link) => link.mailboxItemId);
  if (ids.length === 0) {
    return;
  }

  const found = await mailboxSource.readItems(ids);
  for (const [id, snapshot] of found) {
    mailboxStates.set(id, { kind: 'upsert', view: mailboxItemView(snapshot, session.mapping, context.policy) });
  }
}

/**
 * Return the mailbox items of the session's new pairs that start syncing with no Salesforce create: those the plan
 * pairs with an existing record, and those the shared-meeting screen left out because another mailbox owns them.
 */
function keptFromCrm(planned: readonly PairAction[], written: readonly PairAction[]): Map<string, { item: MailboxItem; crmRecordId: string | null }> {
  const withoutCreate = new Map<string, { item: MailboxItem; crmRecordId: string | null }>();
  const writtenSet = new Set(written);
  for (const action of planned) {
    if (action.link !== null || action.mailboxItemId === null || action.mailboxItem === null) {
      continue;
    }
    const droppedByScreen = !writtenSet.has(action);
    const pairedWithExisting = action.crmRecordId !== null && action.crmWrite?.op !== 'create';
    if (droppedByScreen || pairedWithExisting) {
      withoutCreate.set(action.mailboxItemId, { item: action.mailboxItem, crmRecordId: droppedByScreen ? null : action.crmRecordId });
    }
  }
  return withoutCreate;
}
