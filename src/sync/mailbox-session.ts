import { randomUUID } from 'node:crypto';

import type { MailboxRecord } from '../domain/accounts.ts';
import type { SyncWindow } from '../domain/connector.ts';
import { isConnectorError, type Failure } from '../domain/errors.ts';
import type { Side } from '../domain/glossary.ts';
import type { SessionReport } from '../domain/session-report.ts';
import type { SyncStateStore } from '../domain/sync-store.ts';
import type { Logger } from '../observability/logger.ts';
import { ChunksCommittedError } from './chunked-failure.ts';
import { syncKind } from './kind-session.ts';
import type { KindOutcome, KindSession } from './kind-types.ts';
import { objectTypeOf } from './object-types/index.ts';
import type { SyncPolicy } from './policy.ts';
import { emptyReportFields, kindSummary, sessionFields, type KindResult, type ReportFields } from './session-totals.ts';

export interface MailboxSessionOptions {
  readonly mailbox: MailboxRecord;
  /** The kinds to sync, in order; a kind whose table is `off` is left out. */
  readonly kinds: readonly KindSession[];
  readonly store: SyncStateStore;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  readonly logger: Logger;
}

/**
 * How long a session's lease on its mailbox lasts. A session that dies without releasing it blocks the mailbox
 * until then. One that runs longer could overlap with the next, so this is well above the longest session
 * measured (seconds for 10,000 events against the emulators).
 */
const SESSION_LEASE_MS = 30 * 60_000;

/**
 * Run one session for a mailbox: take its lease once, then sync each object kind in turn. Each kind commits its own
 * links, bases and cursors, so a kind that fails loses only its own work, which the next session repeats. A kind whose
 * full listing is read in chunks commits each chunk on its own, and keeps the chunks committed before it failed. Item
 * errors end up in the report. The session is `failed` only when every kind that ran failed.
 */
export async function runMailboxSession(options: MailboxSessionOptions): Promise<SessionReport> {
  const sessionId = randomUUID();
  const startedAt = new Date().toISOString();
  const logger = options.logger.child({ mailboxId: options.mailbox.id, session: sessionId });
  const report = (fields: ReportFields): SessionReport => ({
    sessionId,
    mailboxId: options.mailbox.id,
    mailbox: options.mailbox.address,
    kind: options.mailbox.kind,
    startedAt,
    endedAt: new Date().toISOString(),
    ...fields,
  });

  if (!(await options.store.acquireSessionLease(options.mailbox.id, sessionId, SESSION_LEASE_MS))) {
    logger.info('Another session of this mailbox is running; skipping this one');
    return report({ ...emptyReportFields(), status: 'skipped', notes: ['Another session of this mailbox was running, so this one did nothing'] });
  }

  logger.info('Session started');
  try {
    const kinds = options.kinds.filter((kind) => kind.mapping.direction !== 'off');
    const results: KindResult[] = [];
    for (const kind of kinds) {
      results.push(await runKind(kind, options, logger));
    }
    const finished = report(sessionFields(results, kinds.length > 1));
    logger.info(
      { status: finished.status, reads: finished.reads, writes: finished.writes, apiCalls: finished.apiCalls, itemErrors: finished.itemErrors.length },
      'Session finished',
    );
    return finished;
  } finally {
    await options.store.releaseSessionLease(options.mailbox.id, sessionId).catch((error: unknown) => {
      logger.warn({ err: error }, 'Releasing the session lease failed; it expires by itself');
    });
  }
}

/** Sync one kind and measure its API calls; an error that stops the kind is caught and returned as its result. */
async function runKind(kind: KindSession, options: MailboxSessionOptions, sessionLogger: Logger): Promise<KindResult> {
  const { mapping } = kind;
  const type = objectTypeOf(mapping.kind);
  const logger = sessionLogger.child({ objectKind: mapping.kind });
  const mailboxSource = kind.mailboxSource;
  if (mailboxSource === null) {
    logger.info('The mailbox connector has no source for this kind; skipping it');
    return { kind: mapping.kind, crmObject: mapping.crmObject, skipped: `the ${options.mailbox.kind} mailbox connector cannot read ${type.label}s yet, so they were not synced` };
  }

  const before = { mailbox: mailboxSource.calls, crm: kind.crmSource.calls };
  const apiCalls = () => ({ mailbox: mailboxSource.calls - before.mailbox, crm: kind.crmSource.calls - before.crm });
  try {
    const outcome: KindOutcome = await syncKind(kind, mailboxSource, {
      mailboxId: options.mailbox.id,
      mailboxAddress: options.mailbox.address,
      mailboxTimeZone: options.mailbox.timeZone,
      store: options.store,
      policy: options.policy,
      window: options.window,
      logger,
    });
    logger.debug(kindSummary(outcome), 'Kind synced');
    return { kind: mapping.kind, crmObject: mapping.crmObject, outcome, apiCalls: apiCalls() };
  } catch (error) {
    return failedKind(kind, error, logger, apiCalls());
  }
}

/**
 * Return the result of a kind that an error stopped. A kind whose full listing was read in chunks may have committed
 * some of them, so its result carries their writes, and the next session goes on from them.
 */
function failedKind(kind: KindSession, error: unknown, logger: Logger, apiCalls: Readonly<Record<Side, number>>): KindResult {
  const { mapping } = kind;
  const chunks = error instanceof ChunksCommittedError ? error : undefined;
  const cause = chunks === undefined ? error : chunks.cause;
  const failure: Failure | undefined = isConnectorError(cause) ? cause.failure : undefined;
  const note = failure ? `${failure.kind}: ${failure.message} (${failure.code})` : `Unexpected error: ${cause instanceof Error ? cause.message : String(cause)}`;
  const identity = { kind: mapping.kind, crmObject: mapping.crmObject, apiCalls };
  if (chunks === undefined) {
    logger.error({ err: cause }, 'Kind failed; nothing of it was committed and the next session repeats the work');
    return { ...identity, failed: { note, ...(failure ? { failure } : {}) } };
  }

  logger.error(
    { err: cause, committedChunks: chunks.committedChunks, writes: chunks.writes },
    'Kind failed after chunks of its full listing were committed; their writes stay and the next session goes on from them',
  );
  const committedNote = `${note}. ${chunks.committedChunks} chunks of the full listing were committed before, and the next session goes on from them`;
  return { ...identity, failed: { note: committedNote, committed: chunks.writes, ...(failure ? { failure } : {}) } };
}
