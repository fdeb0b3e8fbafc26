import { SESSION_TRIGGERS, type SessionTrigger } from '../../domain/mailbox-state.ts';

/**
 * Terms of the job engine (graphile-worker) as distributed mode uses them:
 * - task: a named handler; `syncline_session` runs one session, `syncline_plan` enqueues the sessions that are due.
 * - job: one row in the queue naming a task and a payload; a worker process locks it while it runs.
 * - job key: at most one pending job per key. A session job's key is `session:<mailbox id>`, so requests for one
 *   mailbox merge into one job instead of piling up.
 */
export const SESSION_TASK = 'syncline_session';
export const PLAN_TASK = 'syncline_plan';
export const PLAN_JOB_KEY = 'syncline:plan';

const SESSION_KEY_PREFIX = 'session:';

export function sessionJobKey(mailboxId: string): string {
  return `${SESSION_KEY_PREFIX}${mailboxId}`;
}

/**
 * One request for a session. The payload of a session job is an array of these: when a request meets a pending job
 * of the same key, graphile-worker concatenates array payloads, so no request's trigger is lost by the merge.
 */
export interface SessionRequest {
  readonly mailboxId: string;
  readonly trigger: SessionTrigger;
}

/** Strongest first: the trigger that decides what a merged job may do (a resume may lift an error suspension). */
const TRIGGER_PRECEDENCE: readonly SessionTrigger[] = ['force', 'resume', 'changeStream', 'notification', 'schedule'];

/** Read the mailbox and the strongest trigger of a session job's payload; throws on a payload this code never writes. */
export function readSessionPayload(payload: unknown): { mailboxId: string; trigger: SessionTrigger; triggers: SessionTrigger[] } {
  const requests = Array.isArray(payload) ? payload : [payload];
  const parsed = requests.map(readRequest);
  const first = parsed[0];
  if (first === undefined) {
    throw new Error('Session job payload is an empty array; expected at least one {mailboxId, trigger} request');
  }

  const other = parsed.find((request) => request.mailboxId !== first.mailboxId);
  if (other !== undefined) {
    throw new Error(`Session job payload names two mailboxes ('${first.mailboxId}' and '${other.mailboxId}'); one job serves one mailbox`);
  }

  const triggers = [...new Set(parsed.map((request) => request.trigger))];
  const trigger = TRIGGER_PRECEDENCE.find((candidate) => triggers.includes(candidate)) ?? first.trigger;
  return { mailboxId: first.mailboxId, trigger, triggers };
}

function readRequest(value: unknown): SessionRequest {
  if (typeof value !== 'object' || value === null) {
    throw new Error(`Session job payload item is ${JSON.stringify(value)}; expected {mailboxId, trigger}`);
  }

  const { mailboxId, trigger } = value as Record<string, unknown>;
  if (typeof mailboxId !== 'string' || mailboxId === '') {
    throw new Error(`Session job payload item has mailboxId ${JSON.stringify(mailboxId)}; expected a mailbox id`);
  }
  if (typeof trigger !== 'string' || !(SESSION_TRIGGERS as readonly string[]).includes(trigger)) {
    throw new Error(`Session job payload item has trigger ${JSON.stringify(trigger)}; expected one of ${SESSION_TRIGGERS.join(', ')}`);
  }
  return { mailboxId, trigger: trigger as SessionTrigger };
}
