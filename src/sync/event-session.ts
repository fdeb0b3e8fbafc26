import { randomUUID } from 'node:crypto';

import type { MailboxRecord } from '../domain/accounts.ts';
import type { CrmEventSource, ItemSource, MailboxEventSource, PullResult, SyncWindow } from '../domain/connector.ts';
import { isConnectorError } from '../domain/errors.ts';
import type { Side } from '../domain/glossary.ts';
import type { PendingItem } from '../domain/link.ts';
import type { ItemErrorReport, SessionReport, SessionStatus } from '../domain/session-report.ts';
import type { SyncState, SyncStateStore } from '../domain/sync-store.ts';
import type { EventMapping } from '../mapping/index.ts';
import type { Logger } from '../observability/logger.ts';
import { executePlan, type ExecutionResult } from './executor.ts';
import { gatherSideStates } from './gather-states.ts';
import { crmItemView, mailboxItemView } from './item-views.ts';
import type { CrmItemState, MailboxItemState } from './plan.ts';
import { planSession } from './planner.ts';
import type { SyncPolicy } from './policy.ts';
import { applyMassDeleteValve } from './safety-valves.ts';
import { unwrapCursor, wrapCursor, type FullReadReason } from './window-cursor.ts';

export interface EventSessionOptions {
  readonly mailbox: MailboxRecord;
  readonly mailboxSource: MailboxEventSource;
  readonly crmSource: CrmEventSource;
  readonly crmRecordUrl: (id: string) => string;
  readonly store: SyncStateStore;
  readonly mapping: EventMapping;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  readonly logger: Logger;
}

const OBJECT_KIND = 'event';

/**
 * How long a session's lease on its mailbox lasts. A session that dies without releasing it blocks the mailbox
 * until then; one that runs longer could overlap with the next, so this is well above the longest session
 * measured (seconds for 10,000 events against the emulators).
 */
const SESSION_LEASE_MS = 30 * 60_000;

/**
 * Run one session for a mailbox's calendar: pull both sides, plan, write, then commit links, bases and cursors
 * in one transaction. Item errors end up in the report. A failure that stops the session (expired consent,
 * exhausted retries) gives a report with status `failed` and commits nothing, so the next session repeats the work.
 */
export async function runEventSession(options: EventSessionOptions): Promise<SessionReport> {
  const sessionId = randomUUID();
  const startedAt = new Date().toISOString();
  const logger = options.logger.child({ mailboxId: options.mailbox.id, session: sessionId });
  const callsBefore = { mailbox: options.mailboxSource.calls, crm: options.crmSource.calls };
  const report = (fields: Omit<SessionReport, 'sessionId' | 'mailboxId' | 'mailbox' | 'kind' | 'startedAt' | 'endedAt' | 'apiCalls'>): SessionReport => ({
    sessionId,
    mailboxId: options.mailbox.id,
    mailbox: options.mailbox.address,
    kind: options.mailbox.kind,
    startedAt,
    endedAt: new Date().toISOString(),
    apiCalls: { mailbox: options.mailboxSource.calls - callsBefore.mailbox, crm: options.crmSource.calls - callsBefore.crm },
    ...fields,
  });

  if (!(await options.store.acquireSessionLease(options.mailbox.id, sessionId, SESSION_LEASE_MS))) {
    logger.info('Another session of this mailbox is running; skipping this one');
    return report({ ...emptyOutcome(), status: 'skipped', notes: ['Another session of this mailbox was running, so this one did nothing'] });
  }

  logger.info('Session started');
  try {
    const result = await syncEvents(options, logger);
    const finished = report(result);
    logger.info({ status: finished.status, reads: finished.reads, writes: finished.writes, apiCalls: finished.apiCalls, itemErrors: finished.itemErrors.length }, 'Session finished');
    return finished;
  } catch (error) {
    const note = isConnectorError(error)
      ? `${error.failure.kind}: ${error.failure.message} (${error.failure.code})`
      : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    logger.error({ err: error }, 'Session failed; nothing was committed and the next session repeats the work');
    return report({ ...emptyOutcome(), status: 'failed', notes: [note], ...(isConnectorError(error) ? { failure: error.failure } : {}) });
  } finally {
    await options.store.releaseSessionLease(options.mailbox.id, sessionId).catch((error: unknown) => {
      logger.warn({ err: error }, 'Releasing the session lease failed; it expires by itself');
    });
  }
}

function emptyOutcome(): SessionOutcome {
  return {
    status: 'success',
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 0, crm: 0 },
    writes: { mailbox: zeroCounts(), crm: zeroCounts() },
    conflicts: 0,
    itemErrors: [],
    notes: [],
  };
}

type SessionOutcome = Omit<SessionReport, 'sessionId' | 'mailboxId' | 'mailbox' | 'kind' | 'startedAt' | 'endedAt' | 'apiCalls'>;

async function syncEvents(options: EventSessionOptions, logger: Logger): Promise<SessionOutcome> {
  const state = await options.store.loadSyncState(options.mailbox.id, OBJECT_KIND);
  const { pull: mailboxPull, fullReadReason: mailboxReason } = await pullWithRecovery('mailbox', options.mailboxSource, state.cursors.mailbox, options.window, logger);
  const { pull: crmPull, fullReadReason: crmReason } = await pullWithRecovery('crm', options.crmSource, state.cursors.crm, options.window, logger);

  const mailboxStates = await gatherSideStates({
    side: 'mailbox',
    source: options.mailboxSource,
    pull: mailboxPull,
    links: state.links,
    pending: state.pending,
    intents: state.intents,
    toView: (snapshot) => mailboxItemView(snapshot, options.mapping, options.policy),
  });
  const crmStates = await gatherSideStates({
    side: 'crm',
    source: options.crmSource,
    pull: crmPull,
    links: state.links,
    pending: state.pending,
    intents: state.intents,
    toView: (snapshot) => crmItemView(snapshot, options.mapping),
  });

  await readPrivateCounterparts(options, state, mailboxStates, crmStates);

  const plan = planSession({
    mailboxId: options.mailbox.id,
    objectKind: OBJECT_KIND,
    links: state.links,
    mailbox: mailboxStates,
    crm: crmStates,
    intents: state.intents,
    plannedBases: new Map(state.plannedBases.map((planned) => [planned.syncId, planned])),
    mapping: options.mapping,
    policy: options.policy,
    window: options.window,
    newSyncId: randomUUID,
  });
  const valve = applyMassDeleteValve(plan.actions, state.links.length, options.policy);
  for (const action of valve.actions) {
    logger.debug({ syncId: action.syncId, reason: action.reason }, 'Planned action');
  }

  const execution = await executePlan({
    mailboxId: options.mailbox.id,
    objectKind: OBJECT_KIND,
    actions: valve.actions,
    mailboxSource: options.mailboxSource,
    crmSource: options.crmSource,
    store: options.store,
    mapping: options.mapping,
    mailboxTimeZone: options.mailbox.timeZone,
  });

  const pending = nextPending(options.mailbox.id, state, execution);
  const heldSources = new Set<Side>(valve.heldTargets.map((target) => (target === 'crm' ? 'mailbox' : 'crm')));
  await options.store.commitSession({
    mailboxId: options.mailbox.id,
    objectKind: OBJECT_KIND,
    upsertLinks: execution.upsertLinks,
    deleteLinks: execution.deleteLinks,
    cursors: {
      ...(heldSources.has('mailbox') ? {} : { mailbox: wrapCursor(mailboxPull.nextCursor, options.window) }),
      ...(heldSources.has('crm') ? {} : { crm: wrapCursor(crmPull.nextCursor, options.window) }),
    },
    resolvedIntents: [...execution.createdSyncIds, ...plan.abandonedIntents, ...linkedIntentSyncIds(state, execution)],
    pending,
    conflicts: valve.actions.flatMap((action) => action.conflicts),
  });

  const itemErrors = execution.failures.map((failed): ItemErrorReport => {
    const itemId = failed.side === 'crm' ? failed.action.crmRecordId : failed.action.mailboxItemId;
    return {
      side: failed.side,
      itemId,
      syncId: failed.action.syncId,
      code: failed.failure.code,
      message: failed.failure.message,
      recordUrl: failed.side === 'crm' && itemId ? options.crmRecordUrl(itemId) : null,
    };
  });
  for (const itemError of itemErrors) {
    logger.warn({ side: itemError.side, itemId: itemError.itemId, syncId: itemError.syncId, code: itemError.code }, 'Item not synced; the next session tries it again');
  }

  const fullRead = { mailbox: mailboxPull.isFullListing, crm: crmPull.isFullListing };
  const notes = [...valve.notes, ...fullReadNotes({ mailbox: mailboxReason, crm: crmReason })];
  return {
    status: sessionStatus(valve.heldTargets.length > 0, itemErrors.length > 0),
    fullRead,
    reads: { mailbox: mailboxPull.changes.length, crm: crmPull.changes.length },
    writes: execution.writes,
    conflicts: valve.actions.reduce((count, action) => count + action.conflicts.length, 0),
    itemErrors,
    notes,
  };
}

/**
 * Read the mailbox side of private pairs that changed only in Salesforce: the planner must see which fields
 * the privacy policy hides on that item, so a Salesforce edit never overwrites them.
 */
async function readPrivateCounterparts(
  options: EventSessionOptions,
  state: SyncState,
  mailboxStates: Map<string, MailboxItemState>,
  crmStates: ReadonlyMap<string, CrmItemState>,
): Promise<void> {
  const ids = state.links
    .filter((link) => link.tombstone === null && link.base.isPrivate === true && crmStates.get(link.crmRecordId)?.kind === 'upsert' && !mailboxStates.has(link.mailboxItemId))
    .map((link) => link.mailboxItemId);
  if (ids.length === 0) {
    return;
  }

  const found = await options.mailboxSource.readItems(ids);
  for (const [id, snapshot] of found) {
    mailboxStates.set(id, { kind: 'upsert', view: mailboxItemView(snapshot, options.mapping, options.policy) });
  }
}

/**
 * Pull from the stored cursor. Without a usable cursor (first session, a moved window, an expired cursor) the side
 * is listed in full, and the planner reconciles the listing against the links.
 */
async function pullWithRecovery<T>(
  side: Side,
  source: ItemSource<T>,
  stored: string | null,
  window: SyncWindow,
  logger: Logger,
): Promise<{ pull: PullResult<T>; fullReadReason: FullReadReason | null }> {
  const { cursor, reason } = unwrapCursor(stored, window);
  if (reason === 'windowMoved') {
    logger.info({ side }, 'The sync window moved; reading every item in the new window');
  }

  try {
    return { pull: await source.pullChanges(cursor, window), fullReadReason: reason };
  } catch (error) {
    if (cursor === null || !isConnectorError(error, 'cursorExpired')) {
      throw error;
    }
    logger.warn({ side, code: error.failure.code }, 'Cursor expired; reading every item in scope and reconciling against the links');
    return { pull: await source.pullChanges(null, window), fullReadReason: 'cursorExpired' };
  }
}

/**
 * Items read again by id next session: those whose write failed (the attempt count shows how long one has been
 * stuck) and those the engine created in the mailbox.
 */
function nextPending(mailboxId: string, state: SyncState, execution: ExecutionResult): PendingItem[] {
  const previous = new Map(state.pending.map((item) => [`${item.side}:${item.itemId}`, item]));
  const pending = new Map<string, PendingItem>();

  for (const failed of execution.failures) {
    for (const source of failed.action.sources) {
      const key = `${source.side}:${source.id}`;
      pending.set(key, {
        mailboxId,
        objectKind: OBJECT_KIND,
        side: source.side,
        itemId: source.id,
        code: failed.failure.code,
        message: failed.failure.message,
        attempts: (previous.get(key)?.attempts ?? 0) + 1,
      });
    }
  }

  // A Graph delta made before the engine created an item may never report it when it is deleted before the next
  // round. So each item the engine created in the mailbox is read back once by id in the next session.
  const created = new Set(execution.createdSyncIds);
  for (const link of execution.upsertLinks) {
    const key = `mailbox:${link.mailboxItemId}`;
    if (link.origin === 'crm' && created.has(link.syncId) && !pending.has(key)) {
      pending.set(key, {
        mailboxId,
        objectKind: OBJECT_KIND,
        side: 'mailbox',
        itemId: link.mailboxItemId,
        code: 'CONFIRM_CREATED',
        message: 'Created by Syncline in this session; read back once in the next one',
        attempts: 0,
      });
    }
  }

  return [...pending.values()];
}

/** Intents whose items are linked now (a repeated create found its earlier copy). */
function linkedIntentSyncIds(state: SyncState, execution: ExecutionResult): string[] {
  const linked = new Set(execution.upsertLinks.map((link) => link.syncId));
  return state.intents.filter((intent) => linked.has(intent.syncId)).map((intent) => intent.syncId);
}

function fullReadNotes(reasons: Record<Side, FullReadReason | null>): string[] {
  const notes: string[] = [];
  for (const side of ['mailbox', 'crm'] as const) {
    const name = side === 'crm' ? 'Salesforce' : 'mailbox';
    if (reasons[side] === 'cursorExpired') {
      notes.push(`Full re-read of the ${name} side: its cursor had expired`);
    }
    if (reasons[side] === 'windowMoved') {
      notes.push(`Full re-read of the ${name} side: the sync window moved`);
    }
  }
  return notes;
}

function sessionStatus(held: boolean, hasItemErrors: boolean): SessionStatus {
  if (held) {
    return 'needsReview';
  }
  return hasItemErrors ? 'partial' : 'success';
}

function zeroCounts() {
  return { created: 0, updated: 0, deleted: 0 };
}
