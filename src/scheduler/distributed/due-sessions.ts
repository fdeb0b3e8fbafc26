import type { MailboxSchedule } from '../../domain/mailbox-state.ts';
import type { SessionRequest } from './session-jobs.ts';

/** The session job a mailbox has in the queue, as far as the planner needs to know it. */
export interface QueuedSessionJob {
  readonly jobId: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly locked: boolean;
}

/** A session job that graphile-worker will never run again: every attempt was used, and no worker has it locked. */
export interface DeadSessionJob {
  readonly mailboxId: string;
  readonly jobId: string;
  readonly attempts: number;
}

export interface DuePlan {
  readonly enqueue: readonly SessionRequest[];
  readonly dead: readonly DeadSessionJob[];
}

/**
 * Decide what the planner does with the due schedules (the store's due-rows query) given the session jobs those
 * mailboxes have. A mailbox with a live job (pending, waiting for a retry, or running) is covered by it, whatever
 * its schedule contains. A mailbox whose job is dead is reported, so that it can be suspended. The rest get a job.
 */
export function planDueSessions(due: readonly MailboxSchedule[], jobs: ReadonlyMap<string, QueuedSessionJob>): DuePlan {
  const enqueue: SessionRequest[] = [];
  const dead: DeadSessionJob[] = [];

  for (const schedule of due) {
    const job = jobs.get(schedule.mailboxId);
    if (job !== undefined) {
      if (!job.locked && job.attempts >= job.maxAttempts) {
        dead.push({ mailboxId: schedule.mailboxId, jobId: job.jobId, attempts: job.attempts });
      }
      continue;
    }

    const trigger = triggerOf(schedule);
    if (trigger !== null) {
      enqueue.push({ mailboxId: schedule.mailboxId, trigger });
    }
  }
  return { enqueue, dead };
}

function triggerOf(schedule: MailboxSchedule): SessionRequest['trigger'] | null {
  switch (schedule.state) {
    case 'active':
      return 'schedule';
    // Syncing with no job queued: a session ended without clearing the state (a killed `sync --once`, say). A
    // running distributed session always has a job, so this one is orphaned, and a new session repairs it.
    case 'syncing':
      return 'schedule';
    case 'suspendedByError':
      return 'resume';
    // The due-rows query never returns these; a person must act first.
    case 'suspendedByUser':
    case 'disconnected':
      return null;
  }
}
