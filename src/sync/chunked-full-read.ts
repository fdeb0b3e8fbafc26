import type { Change, ItemSource, PullPage, PullResult } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { Link } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { WriteCounts } from '../domain/session-report.ts';
import type { SyncState } from '../domain/sync-store.ts';
import { ChunkCommits } from './chunked-commits.ts';
import { ChunksCommittedError } from './chunked-failure.ts';
import { gatherCrmStates, planChunk, planLastStep, type ChunkedRead } from './chunked-plans.ts';
import { sessionChunkSize } from './chunked-setting.ts';
import type { KindContext, KindOutcome, KindPlan, KindSession } from './kind-types.ts';
import { activeBase, missingKeys } from './merge-views.ts';
import { objectTypeOf } from './object-types/index.ts';
import type { CrmItemState, MailboxItemState } from './plan.ts';
import { emptyUnsyncTally } from './plan-unsync.ts';
import { pullWithRecovery } from './pull-with-recovery.ts';
import { unsyncScopeOf } from './unsync-rules.ts';
import { calendarCursorScope, unwrapCursor, type FullReadReason } from './window-cursor.ts';

export { FULL_READ_CHUNK_ENV, fullReadChunkSize } from './chunked-setting.ts';

/** The steps of a kind's session the chunked read reuses, passed in so that this module needs no cycle of imports. */
export interface KindSteps {
  readonly plan: (session: KindSession, source: ItemSource<MailboxItem>, context: KindContext, loaded?: SyncState) => Promise<KindPlan>;
  readonly execute: (session: KindSession, source: ItemSource<MailboxItem>, context: KindContext, planned: KindPlan) => Promise<KindOutcome>;
  readonly readCounterparts: (
    session: KindSession,
    source: ItemSource<MailboxItem>,
    context: KindContext,
    state: SyncState,
    mailboxStates: Map<string, MailboxItemState>,
    crmStates: ReadonlyMap<string, CrmItemState>,
  ) => Promise<void>;
}

/**
 * Sync a kind whose mailbox side must be listed in full, a chunk of the listing at a time, when the listing is larger
 * than one chunk. Each chunk's pairs are written and committed like a small session. What needs the whole listing
 * (deletions, linked items the listing lacks, Salesforce records no mailbox item matched) is planned after the last
 * chunk, and that last step also stores the cursors. A crash between chunks leaves the cursor where it was, so the
 * next session lists again and finds the committed pairs by their links.
 *
 * Returns null when chunked reads are off or the source cannot read by pages; the caller then runs the kind as usual.
 * Any other session (a delta, a small listing, a crashed session's intents to repair, an admin's decisions to apply)
 * runs the usual way here, on the state and listing already read.
 *
 * NOTE: a session that repairs a crash (intents or plans kept for failed writes) reads the listing whole once. To
 * stream it, the planner would settle each intent in the chunk that lists its item and abandon the others only after
 * the last chunk. That is a second planner, not a change of this one. A crash between chunks leaves the intents of
 * one chunk only, and the repair stores the cursor, so only that one session reads the whole listing.
 */
export async function syncKindInChunks(session: KindSession, mailboxSource: ItemSource<MailboxItem>, context: KindContext, steps: KindSteps): Promise<KindOutcome | null> {
  const { size: chunkSize, problem } = sessionChunkSize();
  if (problem !== null) {
    context.logger.warn({ chunkSize }, `${problem}. This session reads in chunks of the default size`);
  }
  const pullPages = mailboxSource.pullPages?.bind(mailboxSource);
  // Kinds without a time range keep their cursors under a fixed window that only the usual path uses.
  if (chunkSize === null || pullPages === undefined || !objectTypeOf(session.mapping.kind).windowed) {
    return null;
  }

  const kind = session.mapping.kind;
  const start = await context.store.loadSyncState(context.mailboxId, kind);
  const mailboxScope = kind === 'event' ? calendarCursorScope(unsyncScopeOf(context.policy.unsync, new Date()), session.sharedMeetings !== undefined) : '';
  const { cursor, reason } = unwrapCursor(start.cursors.mailbox, context.window, mailboxScope);
  const usual = (source: ItemSource<MailboxItem>) => steps.plan(session, source, context, start).then((planned) => steps.execute(session, source, context, planned));
  if (cursor !== null || start.intents.length > 0 || start.plannedBases.length > 0 || !(await noReviews(context, kind))) {
    return usual(mailboxSource);
  }

  const pages = pullPages(null, context.window)[Symbol.asyncIterator]();
  const head = await readAhead(pages, chunkSize);
  if (head.nextCursor !== null && head.changes.length <= chunkSize) {
    context.logger.debug({ items: head.changes.length, chunkSize }, 'The full listing fits in one chunk; syncing it whole');
    return usual(replaying(mailboxSource, { changes: lastChangePerId(head.changes), nextCursor: head.nextCursor, isFullListing: true }));
  }

  return runChunks(session, mailboxSource, context, steps, { start, mailboxScope, reason, chunkSize, pages, ...head });
}

interface ChunkRun {
  readonly start: SyncState;
  readonly mailboxScope: string;
  readonly reason: FullReadReason | null;
  readonly chunkSize: number;
  readonly pages: AsyncIterator<PullPage<MailboxItem>>;
  /** The changes read ahead: those of the first pages. */
  readonly changes: Change<MailboxItem>[];
  /** The cursor when the pages read ahead were the whole listing, else null. */
  readonly nextCursor: string | null;
}

/**
 * Run the chunks and the last step, and combine their outcomes. Each chunk commits on its own, so when a later one
 * fails, the error carries the writes of the committed chunks for the session's report.
 */
async function runChunks(
  session: KindSession,
  mailboxSource: ItemSource<MailboxItem>,
  context: KindContext,
  steps: KindSteps,
  run: ChunkRun,
): Promise<KindOutcome> {
  const { start, chunkSize } = run;
  const { mapping } = session;
  const logger = context.logger;
  const windows = { window: context.window, cursorWindow: context.window };
  const crm = await pullWithRecovery('crm', session.crmSource, start.cursors.crm, windows, logger);
  // Copies of meetings that no mailbox owns are read again, as on the usual path: by the chunk that lists them, else
  // by the last step.
  const revisitIds = (await session.sharedMeetings?.revisit()) ?? [];
  const stale = start.links.filter((link) => link.tombstone === null && missingKeys({ mapping }, activeBase({ mapping }, link.base)).length > 0);
  const read: ChunkedRead = {
    session,
    mailboxSource,
    context,
    start,
    mailboxScope: run.mailboxScope,
    crmPull: crm.pull,
    crmReason: crm.fullReadReason,
    crmPool: await gatherCrmStates(session, start, crm.pull, stale.map((link) => link.crmRecordId)),
    seen: new Set(),
    deferred: new Set(),
    staleMailboxIds: new Set(stale.map((link) => link.mailboxItemId)),
    revisitIds: new Set(revisitIds),
    unsync: emptyUnsyncTally(),
    linksByMailboxId: linksByMailboxId(start.links),
    linkedCrmIds: new Set(start.links.map((link) => link.crmRecordId)),
  };
  const commits = new ChunkCommits(context.store, start.pending);
  const chunkContext: KindContext = { ...context, store: commits };
  const chunkSession = beforeLastStep(session);
  const outcomes: KindOutcome[] = [];
  logger.info({ chunkSize }, 'The full mailbox listing is larger than one chunk; syncing it a chunk at a time');

  try {
    await runSteps(session, mailboxSource, context, steps, run, { read, commits, chunkContext, chunkSession, outcomes });
  } catch (error) {
    // The chunks committed so far stay. No cursor moved, so the next session lists again and finds their pairs by links.
    if (outcomes.length === 0) {
      throw error;
    }
    throw new ChunksCommittedError(outcomes.length, totalWrites(outcomes), error);
  }

  // Each id once, however many pages named it, as one `pullChanges` counts them.
  return combined(outcomes, { mailbox: read.seen.size, crm: crm.pull.changes.length }, crm.pull.isFullListing);
}

/** Run the chunks, then the last step, pushing the outcome of each as it commits. */
async function runSteps(
  session: KindSession,
  mailboxSource: ItemSource<MailboxItem>,
  context: KindContext,
  steps: KindSteps,
  run: ChunkRun,
  parts: { readonly read: ChunkedRead; readonly commits: ChunkCommits; readonly chunkContext: KindContext; readonly chunkSession: KindSession; readonly outcomes: KindOutcome[] },
): Promise<void> {
  const { read, commits, chunkContext, chunkSession, outcomes } = parts;
  const { chunkSize } = run;
  const logger = context.logger;

  let buffer = run.changes;
  let nextCursor = run.nextCursor;
  while (nextCursor === null || buffer.length > 0) {
    if (nextCursor === null && buffer.length < chunkSize) {
      const page = await run.pages.next();
      if (page.done === true) {
        throw new Error('the mailbox listing ended without a cursor to store; the source broke the pullPages contract');
      }
      buffer.push(...page.value.changes);
      nextCursor = page.value.nextCursor;
      continue;
    }

    const chunk = buffer.slice(0, chunkSize);
    buffer = buffer.slice(chunkSize);
    const planned = await planChunk(read, chunk);
    outcomes.push(await steps.execute(chunkSession, mailboxSource, chunkContext, planned));
    logger.debug({ listed: read.seen.size, deferred: read.deferred.size }, 'Chunk of the full listing committed');
  }

  commits.startFinalCommit();
  const readCounterparts = (state: SyncState, mailboxStates: Map<string, MailboxItemState>, crmStates: ReadonlyMap<string, CrmItemState>) =>
    steps.readCounterparts(session, mailboxSource, context, state, mailboxStates, crmStates);
  // Every link now, those the chunks made included, since the last step settles what the listing lacked.
  const { links } = await context.store.loadSyncState(context.mailboxId, session.mapping.kind);
  const last = await planLastStep(read, links, nextCursor, run.reason, readCounterparts);
  outcomes.push(await steps.execute(session, mailboxSource, chunkContext, last));
}

/**
 * Return the session as a chunk before the last step runs it. Its shared meetings are claimed and settled chunk by
 * chunk, but the session is recorded as run only by the last step: an attendee waiting for this mailbox must not take
 * over a meeting that a later chunk lists. The copies no chunk listed are forgotten, and the note on the copies left
 * out written, by the last step too.
 */
function beforeLastStep(session: KindSession): KindSession {
  const meetings = session.sharedMeetings;
  if (meetings === undefined) {
    return session;
  }
  return {
    ...session,
    sharedMeetings: {
      revisit: () => meetings.revisit(),
      screen: (actions, logger) => meetings.screen(actions, logger, true, true),
      settle: (pairs, extras) => meetings.settle(pairs, { ...extras, laterChunks: true }),
    },
  };
}

function linksByMailboxId(links: readonly Link[]): Map<string, Link[]> {
  const byId = new Map<string, Link[]>();
  for (const link of links) {
    byId.set(link.mailboxItemId, [...(byId.get(link.mailboxItemId) ?? []), link]);
  }
  return byId;
}

/** Read pages until the listing ends or contains more than one chunk. */
async function readAhead(pages: AsyncIterator<PullPage<MailboxItem>>, chunkSize: number): Promise<{ changes: Change<MailboxItem>[]; nextCursor: string | null }> {
  const changes: Change<MailboxItem>[] = [];
  while (changes.length <= chunkSize) {
    const page = await pages.next();
    if (page.done === true) {
      throw new Error('the mailbox listing ended without a cursor to store; the source broke the pullPages contract');
    }
    changes.push(...page.value.changes);
    if (page.value.nextCursor !== null) {
      return { changes, nextCursor: page.value.nextCursor };
    }
  }
  return { changes, nextCursor: null };
}

/** Keep the later change of each id, as one `pullChanges` does. */
function lastChangePerId(changes: readonly Change<MailboxItem>[]): Change<MailboxItem>[] {
  const byId = new Map<string, Change<MailboxItem>>();
  for (const change of changes) {
    byId.delete(change.id);
    byId.set(change.id, change);
  }
  return [...byId.values()];
}

/** Wrap the source so that the usual path pulls the listing already read instead of listing again. */
function replaying(source: ItemSource<MailboxItem>, listing: PullResult<MailboxItem>): ItemSource<MailboxItem> {
  let pending: PullResult<MailboxItem> | null = listing;
  return {
    get calls() {
      return source.calls;
    },
    pullChanges: async (cursor, window) => {
      const replay = cursor === null ? pending : null;
      pending = null;
      return replay ?? source.pullChanges(cursor, window);
    },
    readItems: (ids) => source.readItems(ids),
    findBySyncIds: (syncIds) => source.findBySyncIds(syncIds),
    applyWrites: (writes) => source.applyWrites(writes),
  };
}

async function noReviews(context: KindContext, kind: KindSession['mapping']['kind']): Promise<boolean> {
  // Admins' decisions change the plan of pairs all over the listing, so that session runs the usual way.
  const review = await context.store.loadReviewState(context.mailboxId, kind);
  return review.held.length === 0 && review.restores.length === 0 && review.undos.length === 0;
}

/** Combine the outcomes of the chunks and the last step into one outcome for the kind. */
function combined(outcomes: readonly KindOutcome[], reads: Readonly<Record<Side, number>>, crmFullListing: boolean): KindOutcome {
  const statuses = outcomes.map((outcome) => outcome.status);
  const status: KindOutcome['status'] = statuses.includes('needsReview') ? 'needsReview' : statuses.includes('partial') ? 'partial' : 'ok';
  return {
    status,
    fullRead: { mailbox: true, crm: crmFullListing },
    reads,
    writes: totalWrites(outcomes),
    conflicts: outcomes.reduce((sum, outcome) => sum + outcome.conflicts, 0),
    itemErrors: outcomes.flatMap((outcome) => outcome.itemErrors),
    notes: [...new Set(outcomes.flatMap((outcome) => outcome.notes))],
  };
}

/** Add up the writes of the chunks and the last step, per side. */
function totalWrites(outcomes: readonly KindOutcome[]): Readonly<Record<Side, WriteCounts>> {
  const writes = (side: Side): WriteCounts => ({
    created: outcomes.reduce((sum, outcome) => sum + outcome.writes[side].created, 0),
    updated: outcomes.reduce((sum, outcome) => sum + outcome.writes[side].updated, 0),
    deleted: outcomes.reduce((sum, outcome) => sum + outcome.writes[side].deleted, 0),
  });
  return { mailbox: writes('mailbox'), crm: writes('crm') };
}
