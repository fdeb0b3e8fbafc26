import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { SynclineConfig } from '../../src/config/resolved-config.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { openEngine, type Engine } from '../../src/scheduler/engine.ts';
import { createEngineRunner } from '../../src/scheduler/engine-scheduler.ts';
import type { SessionRunner } from '../../src/scheduler/session-runner.ts';
import { apiRoutes } from '../../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../../src/server/create-server.ts';
import { ApiClient, PASSWORD } from './api-world.ts';
import { ADDRESS, InstantSyncWorld, MAILBOX_ID } from './instant-sync-world.ts';

export { ADDRESS, MAILBOX_ID };
export const SETTINGS_ADMIN = 'admin@contoso.example.com';

/**
 * The Graph and Salesforce emulators, a real engine over a SQLite store, and the API server beside it with the dry
 * run wired to the engine, as `syncline start` runs them. A forced session (the dashboard's Sync now) runs through the
 * engine's session runner, and its report is kept in `reports`.
 */
export class SettingsWorld {
  readonly reports: SessionReport[] = [];
  private readonly running: Promise<unknown>[] = [];

  private constructor(
    readonly emulators: InstantSyncWorld,
    readonly config: SynclineConfig,
    readonly engine: Engine,
    readonly runner: SessionRunner,
    private server: RunningServer | null,
  ) {}

  static async start(): Promise<SettingsWorld> {
    const emulators = await InstantSyncWorld.start();
    const config = emulators.config();
    const logger = createSilentLogger();
    const engine = await openEngine({ config, logger });
    const runner = createEngineRunner(engine, config, logger);
    const world = new SettingsWorld(emulators, config, engine, runner, null);

    for (const [email, role] of [[SETTINGS_ADMIN, 'admin'], [ADDRESS, 'user']] as const) {
      await engine.store.createUser({ id: randomUUID(), orgId: 'org-1', email, role, passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
    }
    const routes = apiRoutes({
      store: engine.store,
      config,
      logger,
      metrics: createMetrics({ processMetrics: false }),
      planDraft: (mailboxId, draft) => engine.planSession(mailboxId, draft),
      requestSession: (mailboxId) => {
        world.running.push(world.runSession(mailboxId));
      },
    });
    world.server = await createServer({ logger, routes: [routes] }).listen(0, '127.0.0.1');
    return world;
  }

  get url(): string {
    return this.server?.url ?? '';
  }

  /** Run one session through the session runner, as the scheduler does for a forced session. */
  async runSession(mailboxId: string = MAILBOX_ID): Promise<SessionReport> {
    const report = await this.runner.runSession(mailboxId, 'force');
    if (report === null) {
      throw new Error(`the session of ${mailboxId} did not start: its state forbade it`);
    }
    this.reports.push(report);
    return report;
  }

  async signIn(email: string): Promise<ApiClient> {
    const client = new ApiClient(this.url);
    const response = await client.signIn(email);
    if (response.status !== 200) {
      throw new Error(`sign-in of ${email} failed with ${response.status}: ${response.text}`);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.running);
    await this.server?.close();
    await this.engine.close();
    await this.emulators.close();
  }
}
