import type { SynclineConfig } from '../config/index.ts';
import type { SessionReport } from '../domain/session-report.ts';
import type { Logger } from '../observability/logger.ts';
import { openEngine, type Engine, type EngineMailbox } from '../scheduler/engine.ts';
import type { PlannedChange, SessionPlan } from '../sync/index.ts';
import { ConcurrencyLimit } from '../scheduler/concurrency-limit.ts';
import { reconcileSchedules } from '../scheduler/configured-mailboxes.ts';
import { MailboxLocks } from '../scheduler/distributed/mailbox-locks.ts';
import { createEngineRunner } from '../scheduler/engine-scheduler.ts';
import { describeSession, toSessionSummary } from '../scheduler/session-summary.ts';
import { skippedReport } from '../scheduler/skipped-report.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { UsageError } from './usage-error.ts';
import { openRunContext } from './run-context.ts';

export interface SyncOptions {
  readonly once?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
  readonly mailbox?: string;
}

/** On PostgreSQL, how long a session waits for a worker's session of the same mailbox to end. */
const LOCK_WAIT_MS = 60_000;

/**
 * `syncline sync --once`: one session for every mailbox (or the one named), then exit. Each goes through the
 * session runner as a forced session, so the schedule records it: `syncline status` shows it as the last session,
 * and the next one follows the interval. A mailbox suspended by a person is skipped with a note. Exit code 0 when
 * every session ended ok, partial, needsReview or skipped, 1 when one failed.
 */
export async function runSyncOnce(options: SyncOptions, environment: CommandEnvironment): Promise<number> {
  if (options.dryRun) {
    return runDryRun(options, environment);
  }
  if (!options.once) {
    throw new UsageError('syncline sync needs --once (one session per mailbox, then exit) or --dry-run (show what it would do); for continuous sync run `syncline start`');
  }

  const logger = createCliLogger();
  const context = await openRunContext({ config: options.config, dataDir: options.dataDir, command: 'sync --once', env: environment.env, cwd: environment.cwd, logger });
  try {
    const engine = await openEngine({ config: context.config, logger });
    let reports: SessionReport[];
    try {
      const selected = selectMailboxes(engine, options.mailbox);
      await reconcileSchedules(engine.store, engine.mailboxes.map((mailbox) => mailbox.record.id), new Date(), logger);
      reports = await runAll(engine, selected, context.config, logger);
    } finally {
      await engine.close();
    }

    if (options.json) {
      environment.stdout(JSON.stringify({ sessions: reports.map(toSessionSummary) }));
    } else {
      for (const report of reports) {
        environment.stdout(`${report.mailbox}: ${describeSession(report)}`);
        for (const note of report.notes) {
          environment.stdout(`  ${note}`);
        }
      }
    }

    return reports.some((report) => report.status === 'failed') ? 1 : 0;
  } finally {
    await context.close();
  }
}

function selectMailboxes(engine: Engine, address: string | undefined): EngineMailbox[] {
  if (address === undefined) {
    return [...engine.mailboxes];
  }

  const key = address.trim().toLowerCase();
  const matches = engine.mailboxes.filter((mailbox) => mailbox.record.address.toLowerCase() === key || mailbox.record.id === address);
  if (matches.length === 0) {
    throw new UsageError(`--mailbox ${address}: no configured mailbox has this address or id; check orgs[].mailboxes[].address`);
  }
  return matches;
}

/**
 * Run the sessions with at most maxConcurrentSessions at once; reports come back in mailbox order. On PostgreSQL each
 * session holds its mailbox's lock, as worker sessions do, so it never runs beside one of theirs.
 */
async function runAll(engine: Engine, mailboxes: readonly EngineMailbox[], config: SynclineConfig, logger: Logger): Promise<SessionReport[]> {
  const limit = new ConcurrencyLimit(config.maxConcurrentSessions);
  const runner = createEngineRunner(engine, config, logger);
  const locks = config.store.kind === 'postgres' ? new MailboxLocks(config.store.connectionString, config.maxConcurrentSessions, logger) : null;

  const runOne = async (mailbox: EngineMailbox): Promise<SessionReport> => {
    const lock = locks === null ? null : await locks.waitForLock(mailbox.record.id, LOCK_WAIT_MS);
    if (locks !== null && lock === null) {
      return skippedReport(mailbox.record, `A worker's session of this mailbox was still running after ${LOCK_WAIT_MS / 1000} s, so this one did nothing`, new Date());
    }
    try {
      const report = await runner.runSession(mailbox.record.id, 'force');
      return report ?? (await notRunReport(engine, mailbox));
    } finally {
      await lock?.release();
    }
  };

  try {
    return await Promise.all(
      mailboxes.map(async (mailbox) => {
        await limit.acquire();
        try {
          return await runOne(mailbox);
        } finally {
          limit.release();
        }
      }),
    );
  } finally {
    await locks?.close();
  }
}

/** Build the entry of a mailbox the runner ran no session for: a person suspended it, or it is disconnected. */
async function notRunReport(engine: Engine, mailbox: EngineMailbox): Promise<SessionReport> {
  const schedule = await engine.store.loadSchedule(mailbox.record.id);
  const state = schedule?.state ?? 'active';
  const reason = schedule?.reason ? ` (${schedule.reason})` : '';
  const fix = state === 'disconnected' ? 'connect it again' : `run \`syncline resume ${mailbox.record.address}\` first`;
  return skippedReport(mailbox.record, `The mailbox is ${state}${reason}, so no session ran; ${fix}`, new Date());
}

/**
 * `syncline sync --dry-run`: plan one session per mailbox and print the plans. The engine opens the store without
 * registering the configured orgs and mailboxes, takes no lease and commits nothing, and no write goes to a side.
 * Exit code 0, or 1 when a kind of some mailbox could not be planned.
 */
async function runDryRun(options: SyncOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openRunContext({ config: options.config, dataDir: options.dataDir, command: 'sync --dry-run', env: environment.env, cwd: environment.cwd, logger });
  try {
    const engine = await openEngine({ config: context.config, logger, readOnly: true });
    const plans: SessionPlan[] = [];
    try {
      // One mailbox at a time: a dry run is for reading, and its API calls count against the same limits.
      for (const mailbox of selectMailboxes(engine, options.mailbox)) {
        plans.push(await engine.planSession(mailbox.record.id));
      }
    } finally {
      await engine.close();
    }

    if (options.json) {
      environment.stdout(JSON.stringify({ plans: plans.map(({ mailbox, actions, notes, failures }) => ({ mailbox, actions, notes, failures })) }));
    } else {
      for (const plan of plans) {
        environment.stdout(`${plan.mailbox}: ${planHeadline(plan)}`);
        for (const action of plan.actions) {
          environment.stdout(`  ${describeChange(action)}`);
        }
        for (const note of plan.notes) {
          environment.stdout(`  note: ${note}`);
        }
        for (const failure of plan.failures) {
          environment.stdout(`  ${describePlanFailure(failure)}`);
        }
      }
    }
    return plans.some((plan) => plan.failures.length > 0) ? 1 : 0;
  } finally {
    await context.close();
  }
}

/**
 * Build the first line of a mailbox's plan. A kind that could not be planned leaves the plan incomplete, so the line
 * reports that first: "nothing to do" there would read as if the mailbox were in step.
 */
function planHeadline(plan: Pick<SessionPlan, 'actions' | 'failures'>): string {
  const changes = plan.actions.length === 1 ? '1 planned change' : `${plan.actions.length} planned changes`;
  if (plan.failures.length === 0) {
    return `${plan.actions.length === 0 ? 'nothing to do' : changes} (dry run, nothing written)`;
  }
  const objects = plan.failures.map((failure) => failure.slice(0, Math.max(0, failure.indexOf(':'))) || 'a kind');
  const planned = plan.actions.length === 0 ? '' : `; ${changes} for the rest`;
  return `planning failed for ${objects.join(', ')}${planned}. Dry run: nothing was changed on either side or in the store, and the mailbox was not suspended`;
}

/**
 * Describe one kind's planning failure, given as `OBJECT: KIND: MESSAGE (CODE)` by src/sync/dry-run.ts. Connector messages are
 * written for real sessions ("so the mailbox is suspended … then run syncline resume"), which a dry run does not do,
 * so those clauses are taken out and the consequence is put as what a real session would do.
 */
function describePlanFailure(failure: string): string {
  const match = /^([^:]+): (retryLater|reauthenticate|cursorExpired|suspend|itemError|conflict|notFound|bug): ([\s\S]*)$/.exec(failure);
  if (match === null) {
    return `could not plan ${failure}`;
  }
  const [, object, kind, message] = match as unknown as [string, string, string, string];
  const reason = message
    .replace(/,? so the mailbox is suspended/g, '')
    .replace(/,? then run "syncline resume" for the mailbox/g, '');
  const consequence = kind === 'suspend' ? ' A real session would suspend the mailbox for this reason.' : kind === 'retryLater' ? ' A real session would try again later.' : '';
  return `${object} could not be planned: ${reason}.${consequence}`.replace(/\.\./g, '.').replace(/\)\.\s*\./g, ').');
}

function describeChange(change: PlannedChange): string {
  const side = change.side === 'crm' ? 'Salesforce' : 'mailbox';
  const target = change.id === null ? '' : ` ${change.id}`;
  if (change.op === 'conflict') {
    return `conflict ${change.object}${target}: ${Object.keys(change.fields).join(', ')} kept from the ${side} side`;
  }
  if (change.op === 'unsync') {
    return `unsync ${change.object}${target}: remove from the mailbox, keep in Salesforce (rule '${change.rule ?? ''}')`;
  }
  const fields = change.op === 'delete' ? '' : ` (${Object.keys(change.fields).join(', ')})`;
  return `${change.op} ${change.object}${target} in ${side}${fields}`;
}
