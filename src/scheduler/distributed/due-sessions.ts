import type { MailboxSchedule } from '../../domain/mailbox-state.ts';
import type { SessionRequest } from './session-jobs.ts';

/**
 * List the sessions the planner enqueues at `now`, one per mailbox at most. `queued` contains the mailboxes that have a
 * session job already (pending or running): their job covers them, whatever their schedule says.
 */
export function dueSessions(mailboxIds: readonly string[], schedules: readonly MailboxSchedule[], queued: ReadonlySet<string>, now: Date): SessionRequest[] {
  const byMailbox = new Map(schedules.map((schedule) => [schedule.mailboxId, schedule]));
  const due: SessionRequest[] = [];

  for (const mailboxId of mailboxIds) {
    if (queued.has(mailboxId)) {
      continue;
    }
    const request = dueRequest(mailboxId, byMailbox.get(mailboxId), now);
    if (request !== null) {
      due.push(request);
    }
  }
  return due;
}

function dueRequest(mailboxId: string, schedule: MailboxSchedule | undefined, now: Date): SessionRequest | null {
  const reached = (instant: string | null) => instant === null || Date.parse(instant) <= now.getTime();

  // Never scheduled: a mailbox new to the configuration gets its first session now.
  if (schedule === undefined) {
    return { mailboxId, trigger: 'schedule' };
  }

  switch (schedule.state) {
    case 'active':
      return reached(schedule.nextSessionAt) ? { mailboxId, trigger: 'schedule' } : null;
    // Syncing with no job queued: a session ended without clearing the state (say, an embedded process was killed).
    // A running distributed session always has a queued job, so this one is orphaned; a new session repairs it.
    case 'syncing':
      return { mailboxId, trigger: 'schedule' };
    // An error suspension waits for its resumeAt; without one, only a person lifts it.
    case 'suspendedByError':
      return schedule.resumeAt !== null && reached(schedule.resumeAt) ? { mailboxId, trigger: 'resume' } : null;
    case 'suspendedByUser':
    case 'disconnected':
      return null;
  }
}
