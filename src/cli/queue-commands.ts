import type { MailboxRecord } from '../domain/accounts.ts';
import type { SessionReport } from '../domain/session-report.ts';
import { jobSchemaFor } from '../scheduler/distributed/job-schema.ts';
import { openSessionQueueClient, type SessionQueueClient } from '../scheduler/distributed/queue-client.ts';
import { queueForcedSession, resumeMailbox, suspendMailbox } from '../scheduler/mailbox-control.ts';
import { describeSession } from '../scheduler/session-summary.ts';
import type { SynclineStore } from '../store/index.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { createCliLogger } from './cli-logger.ts';

/** A worker whose last beat is older than this is taken for gone, as the workers themselves take it. */
const LIVE_WORKER_MS = 30_000;
/** How long `force` waits for the session's report before it leaves the session to run on. */
const FORCE_WAIT_MS = 60_000;
const REPORT_POLL_MS = 250;

export interface QueueCommandContext {
  readonly store: SynclineStore;
  readonly connectionString: string;
  readonly storeSchema: string | undefined;
  readonly environment: CommandEnvironment;
}

/**
 * `syncline force` on the PostgreSQL store: add a session job with the mailbox's job key, so the session runs on a
 * worker and never beside another session of the mailbox. With a live worker it waits for the session's report
 * and prints it. Without one it prints that the session waits for a worker.
 */
export async function forceThroughQueue(context: QueueCommandContext, record: MailboxRecord): Promise<number> {
  const { store, environment } = context;
  // Checks the state (a person's suspension must be lifted first) and marks a session due in the schedule.
  await queueForcedSession(store, record.id, new Date());
  const requestedAt = new Date();
  const earlier = new Set((await store.listSessions(record.id, 20)).map((session) => session.sessionId));

  const running = await withQueue(context, async (queue) => {
    const state = await queue.sessionState(record.id);
    await queue.requestSessionNow(record.id, 'force');
    return state === 'running';
  });

  const workers = await liveWorkers(store);
  if (workers === 0) {
    environment.stdout(`${record.address}: session queued; no worker is running on this store, so it runs once \`syncline start\` or \`syncline worker\` starts`);
    return 0;
  }
  const after = running ? '; it starts when the session running now ends' : '';
  environment.stdout(`${record.address}: session queued for ${workers === 1 ? '1 running worker' : `${workers} running workers`}${after}`);

  const report = await waitForReport(store, record.id, requestedAt, earlier);
  if (report === null) {
    environment.stdout(`  no report after ${FORCE_WAIT_MS / 1000} s; the session stays queued, and \`syncline status\` shows its outcome`);
    return 0;
  }
  environment.stdout(`${report.mailbox}: ${describeSession(report)}`);
  for (const note of report.notes) {
    environment.stdout(`  ${note}`);
  }
  return report.status === 'failed' ? 1 : 0;
}

/** `syncline suspend` on the PostgreSQL store: record the suspension, then take the mailbox's pending job off the queue. */
export async function suspendThroughQueue(context: QueueCommandContext, record: MailboxRecord, reason: string): Promise<number> {
  const schedule = await suspendMailbox(context.store, record.id, reason);
  const removed = await withQueue(context, (queue) => queue.removeSession(record.id));
  const job = { none: '', queued: '; its queued session was removed', running: '; the session running now finishes, and none follows until resume' }[removed];
  context.environment.stdout(`${record.address}: suspended (${schedule.reason ?? ''})${job}; its state is kept, resume with \`syncline resume ${record.address}\``);
  return 0;
}

/** `syncline resume` on the PostgreSQL store: lift the suspension and queue a session at once. */
export async function resumeThroughQueue(context: QueueCommandContext, record: MailboxRecord, reconnect: boolean): Promise<number> {
  const before = await context.store.loadSchedule(record.id);
  const schedule = await resumeMailbox(context.store, record.id, new Date(), { reconnect });
  if (before?.state === schedule.state) {
    context.environment.stdout(`${record.address}: ${schedule.state} already; nothing to resume`);
    return 0;
  }
  await withQueue(context, (queue) => queue.requestSessionNow(record.id, 'resume'));
  const workers = await liveWorkers(context.store);
  const when = workers === 0 ? 'it runs once `syncline start` or `syncline worker` starts' : 'a worker starts it now';
  context.environment.stdout(`${record.address}: resumed from ${before?.state ?? 'active'}; session queued, ${when}`);
  return 0;
}

async function withQueue<T>(context: QueueCommandContext, work: (queue: SessionQueueClient) => Promise<T>): Promise<T> {
  const queue = await openSessionQueueClient({ connectionString: context.connectionString, jobSchema: jobSchemaFor(context.storeSchema), logger: createCliLogger() });
  try {
    return await work(queue);
  } finally {
    await queue.close();
  }
}

async function liveWorkers(store: SynclineStore): Promise<number> {
  return (await store.listLiveWorkers(new Date(Date.now() - LIVE_WORKER_MS).toISOString())).length;
}

/** Wait for the first session of the mailbox recorded after the request, other than one already running then. */
async function waitForReport(store: SynclineStore, mailboxId: string, requestedAt: Date, earlier: ReadonlySet<string>): Promise<SessionReport | null> {
  const deadline = Date.now() + FORCE_WAIT_MS;
  while (Date.now() < deadline) {
    const sessions = await store.listSessions(mailboxId, 20);
    const forced = sessions.filter((session) => !earlier.has(session.sessionId) && Date.parse(session.startedAt) >= requestedAt.getTime());
    const first = forced.sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0];
    if (first !== undefined) {
      return first;
    }
    await new Promise((resolve) => setTimeout(resolve, REPORT_POLL_MS));
  }
  return null;
}
