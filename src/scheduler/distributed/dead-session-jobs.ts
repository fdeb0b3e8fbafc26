import type { MailboxSchedule, ScheduleStore } from '../../domain/mailbox-state.ts';
import type { Logger } from '../../observability/logger.ts';
import { backoffDelayMs } from '../backoff.ts';
import { markAsSuspendedByError, newSchedule } from '../mailbox-states.ts';

export interface DeadJobStore extends ScheduleStore {
  breakSessionLease(mailboxId: string): Promise<void>;
}

/**
 * Sessions in a row that did not finish, the last of them cut short, at which the mailbox is suspended. graphile-
 * worker counts a job's cut runs in its attempts, but any new request for the mailbox resets them. So a session job
 * also counts the mailbox's own record: a session found still syncing under the mailbox lock was cut short, and it
 * adds to the failures in a row that a successful session resets.
 */
export const CUT_SESSIONS_BEFORE_SUSPEND = 4;

export interface RepeatedDeaths {
  readonly mailboxId: string;
  /** Sessions in a row that did not finish; the last was cut short (its worker died, or a stop abandoned it). */
  readonly cutRuns: number;
  /** The clock the schedules are kept in. */
  readonly now: Date;
  readonly random?: () => number;
}

/**
 * Suspend a mailbox whose session job keeps dying with its worker (a session that exhausts memory, say), instead
 * of leaving its job stuck in the queue and the mailbox silently out of sync. The mailbox goes to
 * `suspendedByError` with the reason and the usual backoff before its automatic resume. Only call this while no
 * session of the mailbox can be running (its mailbox lock is held, or its job is dead): the lease of the last
 * dead session is broken, so the resume session does not find it taken. A person's suspension or a disconnection
 * stays as it is. Returns the schedule saved, or null when none was.
 */
export async function suspendAfterRepeatedDeaths(store: DeadJobStore, deaths: RepeatedDeaths, logger: Logger): Promise<MailboxSchedule | null> {
  await store.breakSessionLease(deaths.mailboxId);
  const current = (await store.loadSchedule(deaths.mailboxId)) ?? newSchedule(deaths.mailboxId, null);
  if (current.state === 'suspendedByUser' || current.state === 'disconnected') {
    return null;
  }

  const failureCount = current.failureCount + 1;
  const resumeAt = new Date(deaths.now.getTime() + backoffDelayMs(failureCount, deaths.random)).toISOString();
  const reason = `${deaths.cutRuns} sessions in a row did not finish, the last because the worker process running it stopped (killed, out of memory, or cut off from the database); sync resumes by itself at ${resumeAt}, or run \`syncline resume\``;
  // An error suspension whose resume sessions keep dying stays suspended and waits longer.
  const suspended = current.state === 'suspendedByError' ? { ...current, reason, resumeAt } : markAsSuspendedByError(current, reason, resumeAt);
  const saved = { ...suspended, failureCount };
  await store.saveSchedule(saved);
  logger.error({ mailboxId: deaths.mailboxId, cutRuns: deaths.cutRuns, resumeAt }, 'Mailbox suspended: its session job keeps dying with its worker');
  return saved;
}
