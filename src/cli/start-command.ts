import type { SandboxReady, SynclineConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { startInstantSync, type InstantSync } from '../scheduler/instant-sync.ts';
import { apiRoutes } from '../server/api-routes.ts';
import type { DraftPlanner } from '../server/routes/org-settings-edits.ts';
import { emailRoutes } from '../server/routes/emails.ts';
import { emailRouteConnectors } from '../scheduler/engine-email.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { SynclineStore } from '../store/index.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openRunContext } from './run-context.ts';
import { announceScheduler } from './scheduler-presence.ts';
import { runUntilStopped, startSchedulerProcess } from './scheduler-process.ts';
import { withServerPort } from './server-port.ts';
import { presenceDirOf } from './store-context.ts';
import { countEvents, totalEvents } from './seed-summary.ts';
import { ensureSandboxAdmin, type SandboxAdmin } from './sandbox-admin.ts';

export interface StartOptions {
  readonly config?: string;
  readonly dataDir?: string;
  /** `--port N`: overrides server.port. */
  readonly port?: string;
}

/** How long running sessions may go on after SIGTERM before they are abandoned. */
const SESSION_GRACE_MS = 8_000;

/**
 * `syncline start`: run each mailbox's sessions on its schedule, continuing where the last run stopped, until
 * SIGINT or SIGTERM, and serve instant sync. On SQLite the scheduler runs in this process; on PostgreSQL this
 * process plans and runs sessions from the job queue that `syncline worker` processes share. On the first signal
 * scheduling stops and the running sessions get 8 s to finish. Sessions still running then are abandoned and
 * handed back. The exit code is 0, or 1 when the job queue stopped by itself. A second signal exits at once.
 */
export async function runStart(options: StartOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openRunContext({ ...options, command: 'start', env: environment.env, cwd: environment.cwd, logger });
  try {
    // The banner comes first: opening the engine opens the store, which logs its migrations.
    if (context.sandbox) {
      printSandboxBanner(context.sandbox.ready, context.config, environment);
    }

    const config = withServerPort(context.config, options.port);
    const running = await startSchedulerProcess({ config, logger, concurrency: config.maxConcurrentSessions, gracePeriodMs: SESSION_GRACE_MS });
    // `syncline force` finds a running embedded scheduler by this file. In distributed mode it uses the queue instead.
    const presence = running.mode === 'embedded' ? announceScheduler(presenceDirOf(config.store, config.dataDir)) : null;
    logger.info({ orgs: config.orgs.length, mailboxes: running.engine.mailboxes.length, mode: running.mode, sandbox: context.sandbox !== null }, 'Syncline started');
    const instant = await startInstantSyncOrWarn(config, running.engine.store, running.scheduler, logger, (mailboxId, draft) => running.engine.planSession(mailboxId, draft));
    if (context.sandbox) {
      const orgId = context.sandbox.ready.org.id;
      // Without the account the sandbox still syncs; the message names the way to make one by hand.
      const admin = await ensureSandboxAdmin(running.engine.store, orgId).catch((error: unknown) => {
        logger.error({ err: error, org: orgId }, `Could not create the sandbox's dashboard account; add one with \`syncline users add --org ${orgId} --role admin --email you@sandbox.example.com\``);
        return null;
      });
      if (admin !== null) {
        printSandboxSignIn(admin, orgId, instant?.url ?? null, config, environment);
      }
    }

    const reason = await runUntilStopped(running, logger, async () => {
      presence?.clear();
      await instant?.stop();
    });
    logger.info('Syncline stopped');
    return reason === 'failure' ? 1 : 0;
  } finally {
    await context.close();
  }
}

/**
 * The webhook server and the change streams. Without them every mailbox still gets its scheduled sessions, so a
 * server that cannot listen (the port is taken) is reported and the engine runs on.
 */
async function startInstantSyncOrWarn(config: SynclineConfig, store: SynclineStore, scheduler: Scheduler, logger: Logger, planDraft: DraftPlanner): Promise<InstantSync | null> {
  try {
    return await startInstantSync({ config, store, scheduler, logger, routes: [apiRoutes({ store, config, logger, planDraft, requestSession: (mailboxId, trigger) => scheduler.requestSession(mailboxId, trigger) }), emailRoutes({ store, logger, openMailbox: emailRouteConnectors(config, store, logger) })] });
  } catch (error) {
    const port = config.server?.port ?? 8787;
    logger.error({ err: error, port }, `Instant sync is off: the webhook server could not listen on port ${port}; set server.port to a free port. Sessions keep their schedule`);
    return null;
  }
}

function printSandboxBanner(ready: SandboxReady, config: SynclineConfig, environment: CommandEnvironment): void {
  const mailbox = config.orgs[0]?.mailboxes[0];
  const lines = [
    'Syncline is running against the embedded sandbox (no configuration file found).',
    `  Graph emulator:       ${ready.graph.url}/v1.0  (mailbox ${ready.mailbox.address}, ${ready.mailbox.timeZone})`,
    `  Org:                  id ${ready.org.id}  ("${ready.org.name}"; commands such as \`syncline users add --org ${ready.org.id}\` take the id)`,
    `  Salesforce emulator:  ${ready.salesforce.url}  (API v${ready.salesforce.apiVersion}; connected app ${ready.salesforce.clientId},`,
    `                        secret for this run: ${ready.salesforce.clientSecret}, refresh token for this run: ${ready.salesforce.refreshToken})`,
    ...(ready.ews
      ? [
          `  EWS emulator:         ${ready.ews.url}  (mailbox ${ready.ews.mailbox.address}; Basic or NTLM as ${ready.ews.serviceAccount.username},`,
          `                        password for this run: ${ready.ews.serviceAccount.password})`,
        ]
      : []),
    ...(ready.google ? [`  Google emulator:      ${ready.google.url}  (mailbox ${ready.google.mailbox.address})`] : []),
    ...(ready.imapCaldav ? [`  Dovecot and Radicale: imap://127.0.0.1:${ready.imapCaldav.imap.port}, ${ready.imapCaldav.dav.serverUrl}  (mailbox ${ready.imapCaldav.mailbox.address})`] : []),
    `  Sync window:          ${ready.window.start} to ${ready.window.end}`,
    `  Store and state:      ${config.dataDir}/sandbox`,
    `  Sessions:             one now, then every ${mailbox?.sessionIntervalMinutes ?? 30} minutes (± ${Math.round(config.jitter * 100)}%)`,
  ];

  if (ready.sampleData !== null) {
    const sources = ready.sampleData.length === 1 ? '1 source' : `${ready.sampleData.length} sources`;
    lines.push(`  Seeded sample data:   ${countEvents(totalEvents(ready.sampleData))} from ${sources}`);
  }
  if (ready.sampleItems !== null) {
    const contacts = ready.sampleItems.contacts.reduce((sum, result) => sum + result.added + result.updated + result.unchanged, 0);
    lines.push(`  Seeded sample items:  ${contacts} contacts and ${ready.sampleItems.todoTasks} To Do tasks in the mailbox`);
  }

  lines.push('Press Ctrl-C to stop; the running session finishes first. Start over with `syncline sandbox reset`.');
  environment.stdout(lines.join('\n'));
}

/** Print the dashboard's address and how to sign in. Only the start that made the account prints its password. */
function printSandboxSignIn(admin: SandboxAdmin, orgId: string, url: string | null, config: SynclineConfig, environment: CommandEnvironment): void {
  const lines =
    url === null
      ? [`The dashboard is off: port ${config.server?.port ?? 8787} could not be used (see the error above); start again with --port N.`]
      : [`Dashboard:  ${url}/  (the sandbox listens on 127.0.0.1 only)`];
  if (admin.password !== null) {
    lines.push(
      `  Sign in as ${admin.email} (admin of org ${orgId}) with the password ${admin.password}`,
      '  The password is shown only now and stored hashed. `syncline sandbox reset` makes a new one; `syncline users add --org ' + orgId + '` adds more people.',
    );
  } else {
    lines.push(
      `  Sign in as ${admin.email} (admin of org ${orgId}) with the password printed when this sandbox first started.`,
      '  Lost it? `syncline sandbox reset` starts over with a new one, or `syncline users add --org ' + orgId + ' --email you@sandbox.example.com --role admin` adds an account.',
    );
  }
  environment.stdout(lines.join('\n'));
}
