import type { SessionReport } from '../domain/session-report.ts';
import { openEngine, type Engine, type EngineMailbox } from '../scheduler/engine.ts';
import { ConcurrencyLimit } from '../scheduler/concurrency-limit.ts';
import { describeSession, toSessionSummary } from '../scheduler/session-summary.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { UsageError } from './usage-error.ts';
import { openRunContext } from './run-context.ts';

export interface SyncOptions {
  readonly once?: boolean;
  readonly json?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
  readonly mailbox?: string;
}

/**
 * `syncline sync --once`: one session for every mailbox (or the one named), then exit. Exit code 0 when every
 * session ended success, partial, needsReview or skipped, 1 when one failed.
 */
export async function runSyncOnce(options: SyncOptions, environment: CommandEnvironment): Promise<number> {
  if (!options.once) {
    throw new UsageError('syncline sync needs --once (one session per mailbox, then exit); for continuous sync run `syncline start`');
  }

  const logger = createCliLogger();
  const context = await openRunContext({ config: options.config, dataDir: options.dataDir, command: 'sync --once', env: environment.env, cwd: environment.cwd, logger });
  try {
    const engine = await openEngine({ config: context.config, logger });
    let reports: SessionReport[];
    try {
      reports = await runAll(engine, selectMailboxes(engine, options.mailbox), context.config.maxConcurrentSessions);
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

  const wanted = address.trim().toLowerCase();
  const matches = engine.mailboxes.filter((mailbox) => mailbox.record.address.toLowerCase() === wanted || mailbox.record.id === address);
  if (matches.length === 0) {
    throw new UsageError(`--mailbox ${address}: no configured mailbox has this address or id; check orgs[].mailboxes[].address`);
  }
  return matches;
}

/** Run the sessions with at most `maxConcurrent` at once; reports come back in mailbox order. */
async function runAll(engine: Engine, mailboxes: readonly EngineMailbox[], maxConcurrent: number): Promise<SessionReport[]> {
  const limit = new ConcurrencyLimit(maxConcurrent);
  return Promise.all(
    mailboxes.map(async (mailbox) => {
      await limit.acquire();
      try {
        return await engine.runSession(mailbox.record.id);
      } finally {
        limit.release();
      }
    }),
  );
}
