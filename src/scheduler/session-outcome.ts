import type { MailboxSchedule, MailboxState } from '../domain/mailbox-state.ts';
import type { SessionReport } from '../domain/session-report.ts';
import { backoffDelayMs } from './backoff.ts';
import { jitteredDelayMs } from './jitter.ts';
import { markAsActive, markAsDisconnected, markAsSuspendedByError } from './mailbox-states.ts';

/**
 * A session skipped because another process held the mailbox's lease tries again after this wait: soon enough
 * that a forced request is not held back until the next interval, late enough that the other session can end.
 */
const SKIPPED_RETRY_MS = 60_000;

/**
 * Failure codes meaning that the mailbox's account itself is gone, not that access to it is blocked for now: Graph's
 * 404 codes for a user or mailbox that does not exist or has no Exchange Online licence, and Salesforce's missing
 * owner (no active User has the mailbox's email). More sessions cannot succeed until someone acts, so the mailbox
 * is disconnected rather than retried; it comes back when a process loads a configuration that lists it, or on
 * `syncline resume`.
 */
const ACCOUNT_GONE_CODES: ReadonlySet<string> = new Set(['ErrorInvalidUser', 'ErrorNonExistentMailbox', 'MailboxNotEnabledForRESTAPI', 'Request_ResourceNotFound', 'OWNER_NOT_FOUND']);

export interface OutcomeContext {
  /** The state the mailbox had before the runner marked it syncing. */
  readonly startedFrom: MailboxState;
  /**
   * The nextSessionAt the runner saved as the session started. When the stored value differs at the end, a session was
   * requested while this one ran: a person forced one, or one was skipped because this session held the lease.
   */
  readonly startedNextSessionAt?: string | null;
  readonly now: Date;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly random: () => number;
}

/**
 * Compute the schedule after a session from the session's report and the schedule as it is now in the store,
 * because a person may have suspended the mailbox while the session ran.
 */
export function scheduleAfterSession(current: MailboxSchedule, report: SessionReport, context: OutcomeContext): MailboxSchedule {
  const at = (delayMs: number) => new Date(context.now.getTime() + delayMs).toISOString();
  const nextInterval = () => at(jitteredDelayMs(context.intervalMs, context.jitter, context.random));

  // The lease was someone else's: nothing ran, so the state goes back to what it was. An active mailbox or an error
  // suspension tries again after SKIPPED_RETRY_MS, because its due time is past and every poll would run it again.
  // A mailbox that was `syncing` before this session waits the same: another process runs it, or a process that died
  // left it so, and that process's lease lapses by itself.
  if (report.status === 'skipped') {
    const restored = current.state === 'syncing' && context.startedFrom !== 'syncing' ? { ...current, state: context.startedFrom } : current;
    if (restored.state === 'active' || restored.state === 'syncing') {
      return { ...restored, nextSessionAt: at(SKIPPED_RETRY_MS) };
    }
    if (restored.state === 'suspendedByError') {
      return { ...restored, resumeAt: at(SKIPPED_RETRY_MS) };
    }
    return restored;
  }

  const recorded: MailboxSchedule = { ...current, lastSessionAt: report.startedAt, lastStatus: report.status };

  // A person suspended, resumed or disconnected the mailbox during the session, so their choice is kept.
  if (current.state !== 'syncing') {
    return recorded.state === 'active' && recorded.nextSessionAt === null ? { ...recorded, nextSessionAt: nextInterval() } : recorded;
  }

  // ok, partial (failed items are retried next session) and needsReview all leave the mailbox working. A session
  // requested meanwhile could not run beside this one, so it is due at once instead of an interval later.
  if (report.status !== 'failed') {
    return { ...markAsActive(recorded, requestedWhileRunning(current, context) ? context.now.toISOString() : nextInterval()), failureCount: 0 };
  }

  const failureCount = current.failureCount + 1;
  const failure = report.failure;
  if (failure?.kind === 'suspend' && ACCOUNT_GONE_CODES.has(failure.code)) {
    return { ...markAsDisconnected(recorded, failure.message), failureCount };
  }

  // Revoked consent, an exhausted API limit, a locked org: more sessions would fail the same way.
  if (failure?.kind === 'suspend') {
    const resumeAt = failure.resumeAt ?? at(backoffDelayMs(failureCount, context.random));
    return { ...markAsSuspendedByError(recorded, failure.message, resumeAt), failureCount };
  }

  // An automatic resume that failed for another reason keeps the suspension and waits longer.
  if (context.startedFrom === 'suspendedByError') {
    const reason = current.reason ?? describeFailure(report);
    return { ...markAsSuspendedByError(recorded, reason, at(backoffDelayMs(failureCount, context.random))), failureCount };
  }

  // Anything else (the service is down, the network failed) may clear soon: stay active and retry with a backoff.
  return { ...markAsActive(recorded, at(backoffDelayMs(failureCount, context.random))), failureCount };
}

function requestedWhileRunning(current: MailboxSchedule, context: OutcomeContext): boolean {
  return context.startedNextSessionAt !== undefined && current.nextSessionAt !== null && current.nextSessionAt !== context.startedNextSessionAt;
}

function describeFailure(report: SessionReport): string {
  return report.failure?.message ?? report.notes[0] ?? 'The session failed';
}
