import type { SandboxReady, SynclineConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { openEngine } from '../scheduler/engine.ts';
import { createEngineScheduler } from '../scheduler/engine-scheduler.ts';
import { startInstantSync, type InstantSync } from '../scheduler/instant-sync.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openRunContext } from './run-context.ts';
import { announceScheduler } from './scheduler-presence.ts';
import { presenceDirOf } from './store-context.ts';
import { countEvents, totalEvents } from './seed-summary.ts';

export interface StartOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/** How long running sessions may go on after SIGTERM before they are abandoned. */
const SESSION_GRACE_MS = 8_000;

/** A process manager waits about 10 s after SIGTERM before it kills; exit before that on our own terms. */
const SHUTDOWN_DEADLINE_MS = 9_500;

/**
 * `syncline start`: run each mailbox's sessions on its schedule, continuing where the last run stopped, until
 * SIGINT or SIGTERM. On the first signal scheduling stops and the running sessions get 8 s to finish, then are
 * abandoned; the exit code is 0. A second signal exits at once.
 */
export async function runStart(options: StartOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openRunContext({ ...options, command: 'start', env: environment.env, cwd: environment.cwd, logger });
  try {
    // The banner comes first: opening the engine opens the store, which logs its migrations.
    if (context.sandbox) {
      printSandboxBanner(context.sandbox.ready, context.config, environment);
    }

    const engine = await openEngine({ config: context.config, logger });
    const scheduler = createEngineScheduler(engine, context.config, logger, { gracePeriodMs: SESSION_GRACE_MS });
    const presence = announceScheduler(presenceDirOf(context.config.store, context.config.dataDir));

    logger.info({ orgs: context.config.orgs.length, mailboxes: engine.mailboxes.length, sandbox: context.sandbox !== null }, 'Syncline started');
    await scheduler.start();
    const instant = await startInstantSyncOrWarn(context.config, engine, scheduler, logger);

    const signal = await waitForStopSignal(logger);
    logger.info({ signal }, 'Stopping: running sessions get a grace period to finish');
    const watchdog = setTimeout(() => {
      logger.warn('Shutdown took too long; exiting now (every session commits in one transaction, so nothing is half-written)');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS);
    watchdog.unref();
    presence.clear();
    await instant?.stop();
    await scheduler.stop();
    await engine.close();
    logger.info('Syncline stopped');
    return 0;
  } finally {
    await context.close();
  }
}

/**
 * The webhook server and the change streams. Without them every mailbox still gets its scheduled sessions, so a
 * server that cannot listen (the port is taken) is reported and the engine runs on.
 */
async function startInstantSyncOrWarn(config: SynclineConfig, engine: Awaited<ReturnType<typeof openEngine>>, scheduler: ReturnType<typeof createEngineScheduler>, logger: Logger): Promise<InstantSync | null> {
  try {
    return await startInstantSync({ config, store: engine.store, scheduler, logger });
  } catch (error) {
    const port = config.server?.port ?? 8787;
    logger.error({ err: error, port }, `Instant sync is off: the webhook server could not listen on port ${port}; set server.port to a free port. Sessions keep their schedule`);
    return null;
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
    const sources = ready.sampleData.length === 1 ? '1 source' : `${ready.sampleData.length} sources`;
    lines.push(`  Seeded sample data:   ${countEvents(totalEvents(ready.sampleData))} from ${sources}`);
  }

  lines.push('Press Ctrl-C to stop; the running session finishes first. Start over with `syncline sandbox reset`.');
  environment.stdout(lines.join('\n'));
}
