import type { MailboxSchedule, MailboxState, ScheduleStore, SessionTrigger } from '../domain/mailbox-state.ts';
import type { SessionReport } from '../domain/session-report.ts';
import type { Logger } from '../observability/logger.ts';
import { markAsSyncing, newSchedule } from './mailbox-states.ts';
import { scheduleAfterSession } from './session-outcome.ts';

export interface SessionRunner {
  /**
   * Run one session now if the mailbox's state allows it; applies state transitions, records the session,
   * computes nextSessionAt (interval + jitter) or resumeAt (backoff). Never throws for session failures.
   * Resolves null when the state forbade the session.
   */
  runSession(mailboxId: string, trigger: SessionTrigger): Promise<SessionReport | null>;
}

export interface SessionRunnerOptions {
  readonly store: ScheduleStore;
  /** Runs and records one session (the engine's `runSession`); it reports failures instead of throwing them. */
  readonly runSession: (mailboxId: string) => Promise<SessionReport>;
  /** The interval between scheduled sessions of this mailbox, in milliseconds. */
  readonly intervalMs: (mailboxId: string) => number;
  /** Share of the interval by which each wait moves at random, 0 to 0.5. */
  readonly jitter: number;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** May a session with this trigger start from this state? */
function allows(state: MailboxState, trigger: SessionTrigger): boolean {
  switch (state) {
    case 'active':
      return true;
    // A schedule saying syncing with no session running here is what a crash leaves; the store lease decides.
    case 'syncing':
      return true;
    // An error suspension is lifted by its automatic resume, or by a person forcing a session to check the cause.
    case 'suspendedByError':
      return trigger === 'resume' || trigger === 'force';
    case 'suspendedByUser':
    case 'disconnected':
      return false;
  }
}

export function createSessionRunner(options: SessionRunnerOptions): SessionRunner {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;

  return {
    async runSession(mailboxId, trigger) {
      const logger = options.logger.child({ mailboxId, trigger });
      const before = (await options.store.loadSchedule(mailboxId)) ?? newSchedule(mailboxId, null);
      if (!allows(before.state, trigger)) {
        logger.debug({ state: before.state }, 'Session not started: the mailbox state does not allow it');
        return null;
      }

      const started = before.state === 'syncing' ? before : markAsSyncing(before);
      await options.store.saveSchedule(started);

      let report: SessionReport;
      try {
        report = await options.runSession(mailboxId);
      } catch (error) {
        // Not a session failure (an unknown mailbox, a closed store): undo the syncing mark and let the caller see it.
        await options.store.saveSchedule(before).catch(() => undefined);
        throw error;
      }

      // Re-read: a person may have suspended or resumed the mailbox while the session ran.
      const current = (await options.store.loadSchedule(mailboxId)) ?? started;
      const after = scheduleAfterSession(current, report, {
        startedFrom: before.state,
        startedNextSessionAt: started.nextSessionAt,
        now: now(),
        intervalMs: options.intervalMs(mailboxId),
        jitter: options.jitter,
        random,
      });
      await options.store.saveSchedule(after);
      logStateChange(logger, before, after, report);
      return report;
    },
  };
}

function logStateChange(logger: Logger, before: MailboxSchedule, after: MailboxSchedule, report: SessionReport): void {
  if (after.state === 'disconnected' && before.state !== 'disconnected') {
    logger.warn({ sessionId: report.sessionId, reason: after.reason }, 'Mailbox disconnected: its account is gone; it stays out of sessions until it is configured again or resumed');
    return;
  }
  if (after.state === 'suspendedByError' && before.state !== 'suspendedByError') {
    logger.warn({ sessionId: report.sessionId, reason: after.reason, resumeAt: after.resumeAt }, 'Mailbox suspended by an error; it resumes by itself once the cause clears');
    return;
  }
  if (after.state === 'suspendedByError') {
    logger.warn({ sessionId: report.sessionId, resumeAt: after.resumeAt, failureCount: after.failureCount }, 'Automatic resume failed; trying again later');
    return;
  }
  if (before.state === 'suspendedByError' && after.state === 'active') {
    logger.info({ sessionId: report.sessionId }, 'Mailbox resumed after its error suspension');
    return;
  }
  logger.debug({ sessionId: report.sessionId, state: after.state, nextSessionAt: after.nextSessionAt }, 'Mailbox rescheduled');
}
