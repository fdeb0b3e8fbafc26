import type { SandboxReady, SynclineConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { openEngine } from '../scheduler/engine.ts';
import { createScheduler } from '../scheduler/scheduler.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openRunContext } from './run-context.ts';

export interface StartOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/**
 * `syncline start`: run one session per mailbox now, then one per interval, until SIGINT or SIGTERM. On the
 * first signal the running sessions finish before the process exits; a second signal exits at once.
 */
export async function runStart(options: StartOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger({ toStderr: false });
  const context = await openRunContext({ ...options, env: environment.env, cwd: environment.cwd, logger });
  try {
    const engine = await openEngine({ config: context.config, logger });
    const scheduler = createScheduler({
      mailboxes: engine.mailboxes.map((mailbox) => ({ id: mailbox.record.id, intervalMs: mailbox.setting.sessionIntervalMinutes * 60_000 })),
      jitter: context.config.jitter,
      maxConcurrentSessions: context.config.maxConcurrentSessions,
      runSession: async (mailboxId) => {
        await engine.runSession(mailboxId);
      },
      logger,
    });

    if (context.sandbox) {
      printSandboxBanner(context.sandbox.ready, context.config, environment);
    }
    logger.info({ orgs: context.config.orgs.length, mailboxes: engine.mailboxes.length, sandbox: context.sandbox !== null }, 'Syncline started');
    scheduler.start();

    const signal = await waitForStopSignal(logger);
    logger.info({ signal, running: scheduler.busyMailboxes().length }, 'Stopping: waiting for running sessions to finish');
    await scheduler.stop();
    await engine.close();
    logger.info('Syncline stopped');
    return 0;
  } finally {
    await context.close();
  }
}

function waitForStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, 'Second stop signal: exiting without waiting for running sessions');
        process.exit(130);
      }
      received = true;
      resolve(signal);
    };

    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function printSandboxBanner(ready: SandboxReady, config: SynclineConfig, environment: CommandEnvironment): void {
  const mailbox = config.orgs[0]?.mailboxes[0];
  const lines = [
    'Syncline is running against the embedded sandbox (no configuration file found).',
    `  Graph emulator:       ${ready.graph.url}/v1.0  (mailbox ${ready.mailbox.address}, ${ready.mailbox.timeZone})`,
    `  Salesforce emulator:  ${ready.salesforce.url}  (org "${ready.org.name}", API v${ready.salesforce.apiVersion})`,
    `  Sync window:          ${ready.window.start} to ${ready.window.end}`,
    `  Store and state:      ${config.dataDir}/sandbox`,
    `  Sessions:             one now, then every ${mailbox?.sessionIntervalMinutes ?? 30} minutes (± ${Math.round(config.jitter * 100)}%)`,
  ];

  if (ready.sampleData !== null) {
    const events = ready.sampleData.reduce((sum, result) => sum + result.events, 0);
    lines.push(`  Seeded sample data:   ${events} events from ${ready.sampleData.length} sources`);
  }

  lines.push('Press Ctrl-C to stop; the running session finishes first. Start over with `syncline sandbox reset`.');
  environment.stdout(lines.join('\n'));
}
