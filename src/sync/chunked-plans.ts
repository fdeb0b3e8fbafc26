import { randomUUID } from 'node:crypto';

import type { Change, CrmRecord, ItemSource, PullResult } from '../domain/connector.ts';
import type { Link } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { ReviewState, SyncState } from '../domain/sync-store.ts';
import { gatherSideStates } from './gather-states.ts';
import { crmItemView, mailboxItemView } from './item-views.ts';
import type { KindContext, KindPlan, KindSession } from './kind-types.ts';
import type { CrmItemState, MailboxItemState, PairAction, Plan, UnsyncTally } from './plan.ts';
import { unsyncPlanNotes } from './plan-unsync.ts';
import { planSession } from './planner.ts';
import { applyReviews } from './reviews.ts';
import { applyMassDeleteValve } from './safety-valves.ts';
import type { FullReadReason } from './window-cursor.ts';

/** The state a chunked full read keeps across its chunks: ids only, apart from the Salesforce side's states. */
export interface ChunkedRead {
  readonly session: KindSession;
  readonly mailboxSource: ItemSource<MailboxItem>;
  readonly context: KindContext;
  /** The state the session started with; its links count for the mass-delete breaker. */
  readonly start: SyncState;
  readonly mailboxScope: string;
  readonly crmPull: PullResult<CrmRecord>;
  readonly crmReason: FullReadReason | null;
  /** Salesforce states no chunk has used yet: they wait for the chunk that lists their mailbox item, or the last step. */
  readonly crmPool: Map<string, CrmItemState>;
  /** Mailbox ids the listing named so far. */
  readonly seen: Set<string>;
  /** Mailbox ids listed in a chunk whose action needs the whole listing (a deletion): the last step reads them again. */
  readonly deferred: Set<string>;
  /** Mailbox ids of links whose base lacks a key of the table: read by the last step when no chunk listed them. */
  readonly staleMailboxIds: ReadonlySet<string>;
  /** Copies of shared meetings that no mailbox owns: read by the last step when no chunk listed them. */
  readonly revisitIds: ReadonlySet<string>;
  /** The un-sync decisions of the chunks so far, noted once for the whole read by the last step. */
  readonly unsync: UnsyncTally;
  /** The links the session started with, by their mailbox item, and their Salesforce records. */
  readonly linksByMailboxId: ReadonlyMap<string, readonly Link[]>;
  readonly linkedCrmIds: ReadonlySet<string>;
}

const NO_REVIEWS: ReviewState = { held: [], restores: [], undos: [] };

/**
 * Plan one chunk of the mailbox listing against the links the session started with. Only the actions of the chunk's
 * own mailbox items run now, and of those only the ones that end no pair: a deletion waits for the last step, where
 * the breaker counts every deletion of the session. A Salesforce record that no mailbox item of the chunk matches stays
 * in the pool, because a later chunk may list its twin. Only the last step creates it in the mailbox.
 *
 * The links earlier chunks made need not be known: their mailbox items were listed in those chunks, and their
 * Salesforce records left the pool or were created this session. An id the listing names again is left to the last
 * step, which reads it by id and plans it against every link.
 */
export async function planChunk(read: ChunkedRead, listed: readonly Change<MailboxItem>[]): Promise<KindPlan> {
  const { session, context } = read;
  const { mapping } = session;
  const links = read.start.links;
  const chunk = listed.filter((change) => !read.seen.has(change.id));
  for (const change of listed) {
    if (read.seen.has(change.id)) {
      read.deferred.add(change.id);
    }
  }
  for (const change of chunk) {
    read.seen.add(change.id);
  }

  const mailboxStates = await gatherSideStates({
    side: 'mailbox',
    source: read.mailboxSource,
    pull: { changes: chunk, nextCursor: '', isFullListing: false },
    links,
    pending: [],
    intents: [],
    toView: (snapshot) => mailboxItemView(snapshot, mapping, context.policy),
  });

  const chunkLinks = [...mailboxStates.keys()].flatMap((id) => read.linksByMailboxId.get(id) ?? []);
  const crmStates = new Map<string, CrmItemState>();
  for (const link of chunkLinks) {
    const state = read.crmPool.get(link.crmRecordId);
    if (state !== undefined) {
      crmStates.set(link.crmRecordId, state);
    }
  }
  for (const [id, state] of read.crmPool) {
    if (state.kind === 'upsert' && !read.linkedCrmIds.has(id)) {
      crmStates.set(id, state);
    }
  }

  const plan = planFor(read, links, mailboxStates, crmStates);
  // Every chunk plans the Salesforce records no mailbox item matched yet, so only the last step counts them.
  addTally(read.unsync, plan.unsync, { crm: false });
  const runNow: PairAction[] = [];
  for (const action of plan.actions) {
    if (action.mailboxItemId === null || !mailboxStates.has(action.mailboxItemId)) {
      continue;
    }
    if (endsPair(action)) {
      read.deferred.add(action.mailboxItemId);
      continue;
    }
    runNow.push(action);
  }

  // The Salesforce states this chunk used are spent; those of deferred pairs go on to the last step.
  for (const link of chunkLinks) {
    if (!read.deferred.has(link.mailboxItemId)) {
      read.crmPool.delete(link.crmRecordId);
    }
  }
  for (const action of runNow) {
    if (action.crmRecordId !== null) {
      read.crmPool.delete(action.crmRecordId);
    }
  }

  return kindPlanOf(read, { ...read.start, intents: [], plannedBases: [] }, { ...plan, abandonedIntents: [], actions: runNow, notes: [] }, mailboxStates, crmStates, {
    mailboxPull: { changes: chunk, nextCursor: '', isFullListing: false },
    crmPull: { changes: [], nextCursor: '', isFullListing: false },
    review: NO_REVIEWS,
    reasons: { mailbox: null, crm: null },
  });
}

/**
 * Plan what needed the whole listing: linked items no chunk listed (read by id, as a full listing would), deferred
 * deletions, Salesforce changes of pairs no chunk reached, and Salesforce records no mailbox item matched.
 */
export async function planLastStep(
  read: ChunkedRead,
  links: readonly Link[],
  nextCursor: string,
  mailboxReason: FullReadReason | null,
  readCounterparts: (state: SyncState, mailboxStates: Map<string, MailboxItemState>, crmStates: ReadonlyMap<string, CrmItemState>) => Promise<void>,
): Promise<KindPlan> {
  const { session, context } = read;
  const { mapping } = session;
  const absent: Change<MailboxItem>[] = links
    .filter((link) => link.tombstone !== 'mailbox' && !read.seen.has(link.mailboxItemId))
    .map((link): Change<MailboxItem> => ({ kind: 'delete', id: link.mailboxItemId, mayStillExist: true }));
  const unlisted = new Set([...read.staleMailboxIds, ...read.revisitIds].filter((id) => !read.seen.has(id)));
  const readIds = [...read.deferred, ...unlisted];
  const state: SyncState = { ...read.start, links, intents: [], plannedBases: [] };

  const mailboxStates = await gatherSideStates({
    side: 'mailbox',
    source: read.mailboxSource,
    pull: { changes: absent, nextCursor, isFullListing: false },
    links,
    pending: read.start.pending.filter((item) => !read.seen.has(item.itemId)),
    intents: [],
    readIds,
    toView: (snapshot) => mailboxItemView(snapshot, mapping, context.policy),
  });
  const crmStates = read.crmPool;
  await readCounterparts(state, mailboxStates, crmStates);

  const lastPlan = planFor(read, links, mailboxStates, crmStates);
  addTally(read.unsync, lastPlan.unsync, { crm: true });
  removeTally(read.unsync, countedByChunks(read, links, mailboxStates, crmStates));
  const plan: Plan = { ...lastPlan, notes: unsyncPlanNotes(read.unsync) };
  return kindPlanOf(read, state, plan, mailboxStates, crmStates, {
    mailboxPull: { changes: [], nextCursor, isFullListing: true },
    crmPull: read.crmPull,
    review: await context.store.loadReviewState(context.mailboxId, mapping.kind),
    reasons: { mailbox: mailboxReason, crm: read.crmReason },
  });
}

/** Gather the Salesforce side once for the whole chunked read, as a session does. */
export async function gatherCrmStates(session: KindSession, start: SyncState, crmPull: PullResult<CrmRecord>, staleCrmIds: readonly string[]): Promise<Map<string, CrmItemState>> {
  return gatherSideStates({
    side: 'crm',
    source: session.crmSource,
    pull: crmPull,
    links: start.links,
    pending: start.pending,
    intents: [],
    readIds: staleCrmIds,
    toView: (snapshot) => crmItemView(snapshot, session.mapping),
  });
}

function planFor(read: ChunkedRead, links: readonly Link[], mailbox: ReadonlyMap<string, MailboxItemState>, crm: ReadonlyMap<string, CrmItemState>): Plan {
  const { session, context } = read;
  return planSession({
    mailboxId: context.mailboxId,
    objectKind: session.mapping.kind,
    links,
    mailbox,
    crm,
    intents: [],
    plannedBases: new Map(),
    mapping: session.mapping,
    policy: context.policy,
    window: context.window,
    newSyncId: () => `${session.syncIdPrefix ?? ''}${randomUUID()}`,
    ...(context.mailboxAddress === undefined ? {} : { mailboxAddress: context.mailboxAddress }),
  });
}

async function kindPlanOf(
  read: ChunkedRead,
  state: SyncState,
  plan: Plan,
  mailboxStates: ReadonlyMap<string, MailboxItemState>,
  crmStates: ReadonlyMap<string, CrmItemState>,
  parts: {
    readonly mailboxPull: PullResult<MailboxItem>;
    readonly crmPull: PullResult<CrmRecord>;
    readonly review: ReviewState;
    readonly reasons: { readonly mailbox: FullReadReason | null; readonly crm: FullReadReason | null };
  },
): Promise<KindPlan> {
  const { session, context } = read;
  const { mapping } = session;
  const reviewed = await applyReviews({
    mailboxId: context.mailboxId,
    objectKind: mapping.kind,
    mapping,
    links: state.links,
    actions: plan.actions,
    review: parts.review,
    mailboxStates,
    crmStates,
    readMailbox: async (ids) => {
      const found = await read.mailboxSource.readItems(ids);
      return new Map([...found].map(([id, snapshot]) => [id, mailboxItemView(snapshot, mapping, context.policy)]));
    },
  });
  const valve = applyMassDeleteValve(reviewed.actions, read.start.links.length, context.policy, reviewed.confirmed, context.mailboxAddress ?? context.mailboxId);
  return {
    state,
    windows: { window: context.window, cursorWindow: context.window },
    mailboxPull: parts.mailboxPull,
    crmPull: parts.crmPull,
    mailboxReason: parts.reasons.mailbox,
    crmReason: parts.reasons.crm,
    plan,
    valve,
    reviewed,
    mailboxScope: read.mailboxScope,
  };
}

/** Add a plan's un-sync counts to the read's. Those of Salesforce records are added only when `crm` is true. */
function addTally(total: UnsyncTally, plan: UnsyncTally | undefined, count: { readonly crm: boolean }): void {
  if (plan === undefined) {
    return;
  }
  total.notStartedMailbox += plan.notStartedMailbox;
  if (count.crm) {
    total.notStartedCrm += plan.notStartedCrm;
  }
  for (const [rule, kept] of plan.keptOrganized) {
    total.keptOrganized.set(rule, (total.keptOrganized.get(rule) ?? 0) + kept);
  }
}

/**
 * Return what the last step's plan counted for the mailbox items a chunk planned and counted already: an item a later
 * page listed again, or whose action waited for the last step. Planned alone, they give the counts to take back, so
 * that each item counts once, as in a whole read.
 */
function countedByChunks(read: ChunkedRead, links: readonly Link[], mailboxStates: ReadonlyMap<string, MailboxItemState>, crmStates: ReadonlyMap<string, CrmItemState>): UnsyncTally | undefined {
  // Only an event read as it is now can be counted: a deleted one never is.
  const again = new Map([...mailboxStates].filter(([id, state]) => read.deferred.has(id) && state.kind === 'upsert'));
  if (again.size === 0 || (read.context.policy.unsync?.length ?? 0) === 0) {
    return undefined;
  }
  return planFor(read, links, again, crmStates).unsync;
}

/** Take the mailbox items' counts of `counted` back from the read's. Salesforce records are counted by the last step alone. */
function removeTally(total: UnsyncTally, counted: UnsyncTally | undefined): void {
  if (counted === undefined) {
    return;
  }
  total.notStartedMailbox = Math.max(0, total.notStartedMailbox - counted.notStartedMailbox);
  for (const [rule, kept] of counted.keptOrganized) {
    const left = (total.keptOrganized.get(rule) ?? 0) - kept;
    if (left > 0) {
      total.keptOrganized.set(rule, left);
    } else {
      total.keptOrganized.delete(rule);
    }
  }
}

/** Tell whether an action deletes an item, ends a pair or keeps an item out of sync: such an action waits for the whole listing. */
function endsPair(action: PairAction): boolean {
  return (
    action.mailboxWrite?.op === 'delete' ||
    action.crmWrite?.op === 'delete' ||
    (action.crmWrite?.op === 'update' && action.crmWrite.marker !== undefined) ||
    action.nextBase === null ||
    action.tombstone !== null ||
    action.unsyncRule !== undefined
  );
}
