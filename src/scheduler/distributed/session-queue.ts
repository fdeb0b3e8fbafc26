import type { AddJobFunction, Job } from 'graphile-worker';
import type { SessionTrigger } from '../../domain/mailbox-state.ts';
import { SESSION_TASK, sessionJobKey, type SessionRequest } from './session-jobs.ts';

/**
 * The ways a new request meets a pending job of the same mailbox:
 * - now: the job runs as soon as possible (a person forced a session; moves an earlier-planned job forward);
 * - keepTime: merge into the pending job and keep its time (coalescing: a burst becomes one session);
 * - ifAbsent: add nothing when the mailbox has a job at all, pending or running (the planner's schedule).
 * A request that meets a running job adds a second job, which waits for the running session to end.
 */
export type EnqueueMode = 'now' | 'keepTime' | 'ifAbsent';

const JOB_KEY_MODES = { now: 'replace', keepTime: 'preserve_run_at', ifAbsent: 'unsafe_dedupe' } as const;

/**
 * The task puts failed jobs back instead of throwing, so attempts count runs cut short by a dead worker or database.
 * The last attempt does not run a session: four cut runs of one job suspend the mailbox (see dead-session-jobs.ts).
 */
export const SESSION_MAX_ATTEMPTS = 5;

export interface EnqueueOptions {
  readonly mode: EnqueueMode;
  readonly runAt: Date;
  /** Earlier triggers of the job being put back, so a deferred job keeps what it was asked for. */
  readonly alsoTriggers?: readonly SessionTrigger[];
}

/** Add or merge the session job of one mailbox. */
export async function enqueueSession(addJob: AddJobFunction, request: SessionRequest, options: EnqueueOptions): Promise<void> {
  const triggers = [...new Set([request.trigger, ...(options.alsoTriggers ?? [])])];
  const payload: SessionRequest[] = triggers.map((trigger) => ({ mailboxId: request.mailboxId, trigger }));
  const spec = {
    jobKey: sessionJobKey(request.mailboxId),
    jobKeyMode: JOB_KEY_MODES[options.mode],
    runAt: options.runAt,
    maxAttempts: SESSION_MAX_ATTEMPTS,
  };

  // graphile-worker documents that add_job with a job key may return no job under heavy contention on that key.
  // A second try then finds the row the other caller wrote.
  const job: Job | null = await addJob(SESSION_TASK, payload, spec);
  if (job === null) {
    await addJob(SESSION_TASK, payload, spec);
  }
}
