import type { MailboxRecord } from '../domain/accounts.ts';
import type { MailboxSchedule } from '../domain/mailbox-state.ts';
import { openEngine } from '../scheduler/engine.ts';
import { createEngineRunner } from '../scheduler/engine-scheduler.ts';
import { MailboxStateError, queueForcedSession, resumeMailbox, suspendMailbox } from '../scheduler/mailbox-control.ts';
import { newSchedule } from '../scheduler/mailbox-states.ts';
import { describeSession } from '../scheduler/session-summary.ts';
import type { SynclineStore } from '../store/index.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { forceThroughQueue, resumeThroughQueue, suspendThroughQueue, type QueueCommandContext } from './queue-commands.ts';
import { openRunContext } from './run-context.ts';
import { runningSchedulerPid } from './scheduler-presence.ts';
import { openStoreContext, presenceDirOf, type StoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface MailboxCommandOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/** One mailbox as `syncline status --json` prints it. */
interface MailboxStatus {
  readonly id: string;
  readonly address: string;
  readonly orgId: string;
  readonly state: MailboxSchedule['state'];
  readonly reason: string | null;
  readonly lastSessionAt: string | null;
  readonly lastStatus: string | null;
  /** The next scheduled session, or for an error suspension its automatic resume. */
  readonly nextSessionAt: string | null;
  readonly failureCount: number;
}

/** `syncline status [--json]`: every mailbox of the store with its state, last and next session. */
export async function runStatus(options: MailboxCommandOptions & { json?: boolean }, environment: CommandEnvironment): Promise<number> {
  return withStore(options, environment, async ({ store }) => {
    const schedules = new Map((await store.listSchedules()).map((schedule) => [schedule.mailboxId, schedule]));
    const statuses = (await store.listMailboxes()).map((mailbox) => toStatus(mailbox, schedules.get(mailbox.id) ?? newSchedule(mailbox.id, null)));
    if (options.json) {
      environment.stdout(JSON.stringify({ mailboxes: statuses }));
      return 0;
    }
    if (statuses.length === 0) {
      environment.stdout('No mailboxes yet: run `syncline start` or `syncline sync --once` first.');
      return 0;
    }
    for (const status of statuses) {
      environment.stdout(describeStatus(status));
    }
    return 0;
  });
}

/** `syncline suspend MAILBOX [--reason TEXT]`. */
export async function runSuspend(mailbox: string, options: MailboxCommandOptions & { reason?: string }, environment: CommandEnvironment): Promise<number> {
  return withStore(options, environment, async (context) => {
    const record = await findMailbox(context.store, mailbox);
    const reason = options.reason ?? 'Suspended from the command line';
    const queue = queueContext(context, environment);
    if (queue !== null) {
      return suspendThroughQueue(queue, record, reason);
    }
    const schedule = await suspendMailbox(context.store, record.id, reason);
    environment.stdout(`${record.address}: suspended (${schedule.reason ?? ''}); its state is kept, resume with \`syncline resume ${record.address}\``);
    return 0;
  });
}

/** `syncline resume MAILBOX`; a disconnected mailbox is connected again when the configuration lists it. */
export async function runResume(mailbox: string, options: MailboxCommandOptions, environment: CommandEnvironment): Promise<number> {
  return withStore(options, environment, async (context) => {
    const record = await findMailbox(context.store, mailbox);
    const reconnect = isConfigured(context, record.id);
    const queue = queueContext(context, environment);
    if (queue !== null) {
      return resumeThroughQueue(queue, record, reconnect);
    }
    const schedule = await resumeMailbox(context.store, record.id, new Date(), { reconnect });
    environment.stdout(`${record.address}: ${schedule.state}; next session ${schedule.nextSessionAt ?? 'after the running one'}`);
    return 0;
  });
}

/**
 * `syncline force MAILBOX`: on PostgreSQL, queue a session job for the workers and wait for its report. On SQLite,
 * when a `start` process runs on this store, mark the mailbox so its scheduler runs the session at its next poll.
 * Otherwise run the session here and print its summary.
 */
export async function runForce(mailbox: string, options: MailboxCommandOptions, environment: CommandEnvironment): Promise<number> {
  const handled = await withStore(options, environment, async (context): Promise<number | null> => {
    const queue = queueContext(context, environment);
    if (queue !== null) {
      return forceThroughQueue(queue, await findMailbox(context.store, mailbox));
    }
    const pid = runningSchedulerPid(context.presenceDir);
    if (pid === null) {
      return null;
    }
    const record = await findMailbox(context.store, mailbox);
    await queueForcedSession(context.store, record.id, new Date());
    environment.stdout(`${record.address}: session requested; the running scheduler (pid ${pid}) starts it within a few seconds`);
    return 0;
  });
  return handled ?? forceHere(mailbox, options, environment);
}

/** Return how to reach the job queue when the store is PostgreSQL (distributed mode), else null. */
function queueContext(context: StoreContext, environment: CommandEnvironment): QueueCommandContext | null {
  const setting = context.config?.store;
  if (setting?.kind !== 'postgres') {
    return null;
  }
  return { store: context.store, connectionString: setting.connectionString, storeSchema: setting.schema, environment };
}

/** Tell whether the configuration lists the mailbox. The sandbox configures its one mailbox itself, so without a file every mailbox counts. */
function isConfigured(context: StoreContext, mailboxId: string): boolean {
  return context.config === null || context.config.orgs.some((org) => org.mailboxes.some((mailbox) => mailbox.id === mailboxId));
}

async function forceHere(mailbox: string, options: MailboxCommandOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openRunContext({ ...options, command: 'force', env: environment.env, cwd: environment.cwd, logger });
  try {
    const engine = await openEngine({ config: context.config, logger });
    try {
      const record = await findMailbox(engine.store, mailbox);
      // A scheduler may have started since the check; it then holds the lease and this session reports skipped.
      if (runningSchedulerPid(presenceDirOf(context.config.store, context.config.dataDir)) !== null) {
        await queueForcedSession(engine.store, record.id, new Date());
        environment.stdout(`${record.address}: session requested from the running scheduler`);
        return 0;
      }
      const report = await createEngineRunner(engine, context.config, logger).runSession(record.id, 'force');
      if (report === null) {
        const schedule = await engine.store.loadSchedule(record.id);
        throw new UsageError(`${record.address} is ${schedule?.state ?? 'not schedulable'}; run \`syncline resume ${record.address}\` first`);
      }
      environment.stdout(`${report.mailbox}: ${describeSession(report)}`);
      for (const note of report.notes) {
        environment.stdout(`  ${note}`);
      }
      return report.status === 'failed' ? 1 : 0;
    } finally {
      await engine.close();
    }
  } finally {
    await context.close();
  }
}

async function withStore<T>(options: MailboxCommandOptions, environment: CommandEnvironment, work: (context: StoreContext) => Promise<T>): Promise<T> {
  const logger = createCliLogger();
  const context = await openStoreContext({ ...options, env: environment.env, cwd: environment.cwd, logger });
  try {
    return await work(context);
  } catch (error) {
    // A state that forbids the action is the user's to change, so it exits like a usage error (code 2).
    throw error instanceof MailboxStateError ? new UsageError(error.message) : error;
  } finally {
    await context.store.close();
  }
}

async function findMailbox(store: SynclineStore, addressOrId: string): Promise<MailboxRecord> {
  const key = addressOrId.trim().toLowerCase();
  const mailboxes = await store.listMailboxes();
  const match = mailboxes.find((mailbox) => mailbox.id === addressOrId || mailbox.address.toLowerCase() === key);
  if (!match) {
    throw new UsageError(`No mailbox has the address or id '${addressOrId}'; \`syncline status\` lists them (a mailbox appears after its first start)`);
  }
  return match;
}

function toStatus(mailbox: MailboxRecord, schedule: MailboxSchedule): MailboxStatus {
  return {
    id: mailbox.id,
    address: mailbox.address,
    orgId: mailbox.orgId,
    state: schedule.state,
    reason: schedule.reason,
    lastSessionAt: schedule.lastSessionAt,
    lastStatus: schedule.lastStatus,
    nextSessionAt: schedule.state === 'suspendedByError' ? schedule.resumeAt : schedule.nextSessionAt,
    failureCount: schedule.failureCount,
  };
}

function describeStatus(status: MailboxStatus): string {
  const reason = status.reason === null ? '' : ` (${status.reason})`;
  const last = status.lastSessionAt === null ? 'never' : `${status.lastSessionAt} ${status.lastStatus ?? ''}`.trim();
  const next = status.nextSessionAt ?? (status.state === 'suspendedByUser' ? 'after resume' : 'none planned');
  return `${status.address}: ${status.state}${reason}; last session ${last}; next ${next}`;
}
