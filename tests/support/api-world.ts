import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { hashPassword } from '../../src/auth/passwords.ts';
import { SignInThrottle } from '../../src/auth/sign-in-throttle.ts';
import type { OidcSetting, OrgSetting, ServerSetting, SynclineConfig } from '../../src/config/resolved-config.ts';
import type { UserRole } from '../../src/domain/users.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { createMetrics, type SynclineMetrics } from '../../src/observability/metrics.ts';
import { apiRoutes } from '../../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../../src/server/create-server.ts';
import type { DraftPlanner } from '../../src/server/routes/org-settings-edits.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';

export const PASSWORD = 'correct horse battery staple';

/** Build one org's configuration as the API reads it; API tests never call the connector settings. */
export function orgSetting(id: string, name: string, mailboxes: readonly { id: string; address: string }[], oidc?: OidcSetting): OrgSetting {
  return {
    id,
    name,
    policy: { conflict: 'mailboxWins' },
    salesforce: {
      loginUrl: 'https://login.salesforce.com',
      apiVersion: '62.0',
      auth: { kind: 'refreshToken', clientId: 'sf-client', clientSecret: 'sf-secret-never-shown', refreshToken: 'sf-refresh-never-shown' },
      syncIdField: 'Syncline_Sync_Id__c',
      apiBudgetShare: 0.5,
    },
    graph: { graphBaseUrl: 'https://graph.microsoft.com/v1.0', tokenUrl: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', clientId: 'graph-client', clientSecret: 'graph-secret-never-shown' },
    ...(oidc === undefined ? {} : { oidc }),
    mailboxes: mailboxes.map((mailbox) => ({ id: mailbox.id, address: mailbox.address, timeZone: 'Europe/Berlin', salesforceUser: { email: mailbox.address }, sessionIntervalMinutes: 30 })),
  };
}

export interface ApiWorldOptions {
  readonly orgs: readonly OrgSetting[];
  readonly server?: ServerSetting;
  readonly logger?: Logger;
  readonly requestSession?: (mailboxId: string, trigger: string) => void;
  /** Failed sign-ins per address before 429; the product's default is 10. */
  readonly maxSignInFailures?: number;
  /** The dry run's planner; without it the dry run answers 503, as where no engine runs. */
  readonly planDraft?: DraftPlanner;
}

/** A SQLite store with orgs and mailboxes, and the API server on a free loopback port. */
export class ApiWorld {
  private constructor(
    readonly url: string,
    readonly store: SynclineStore,
    readonly config: SynclineConfig,
    readonly metrics: SynclineMetrics,
    private readonly running: RunningServer,
    private readonly dataDir: string,
  ) {}

  static async start(options: ApiWorldOptions): Promise<ApiWorld> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-api-'));
    const logger = options.logger ?? createSilentLogger();
    const config: SynclineConfig = {
      dataDir,
      store: { kind: 'sqlite', path: path.join(dataDir, 'syncline.db') },
      window: { kind: 'relative', pastDays: 30, futureDays: 180 },
      jitter: 0,
      maxConcurrentSessions: 2,
      server: options.server ?? { host: '127.0.0.1', port: 0, publicUrl: null },
      orgs: options.orgs,
    };

    const store = await openStore(config.store, logger);
    for (const org of options.orgs) {
      await store.upsertOrg({ id: org.id, name: org.name });
      for (const mailbox of org.mailboxes) {
        await store.upsertMailbox({ id: mailbox.id, orgId: org.id, kind: 'graph', address: mailbox.address, timeZone: mailbox.timeZone });
      }
    }

    const metrics = createMetrics({ processMetrics: false });
    const server = createServer({
      logger,
      routes: [apiRoutes({ store, config, logger, metrics, signInThrottle: new SignInThrottle({ maxFailures: options.maxSignInFailures ?? 10 }), ...(options.requestSession === undefined ? {} : { requestSession: options.requestSession }), ...(options.planDraft === undefined ? {} : { planDraft: options.planDraft }) })],
    });
    const running = await server.listen(0, '127.0.0.1');
    return new ApiWorld(running.url, store, config, metrics, running, dataDir);
  }

  async addUser(orgId: string, email: string, role: UserRole, password: string | null = PASSWORD): Promise<string> {
    const id = randomUUID();
    await this.store.createUser({ id, orgId, email, role, passwordHash: password === null ? null : await hashPassword(password), createdAt: new Date().toISOString() });
    return id;
  }

  private readonly sessions = new Map<string, Promise<ApiClient>>();
  /** Every Set-Cookie header any client of this world received. */
  readonly issuedCookies: string[] = [];

  /**
   * Return a client signed in as `email`, shared by the tests of a file: Argon2 makes each sign-in cost about a
   * second on a busy 2-core machine. Tests that sign out or change the session take a fresh `client()`.
   */
  session(email: string): Promise<ApiClient> {
    let client = this.sessions.get(email);
    if (client === undefined) {
      client = (async () => {
        const fresh = this.client();
        const response = await fresh.signIn(email);
        if (response.status !== 200) {
          throw new Error(`sign-in of ${email} failed with ${response.status}: ${response.text}`);
        }
        return fresh;
      })();
      this.sessions.set(email, client);
    }
    return client;
  }

  /** Create a client that keeps the cookies the server sets, like a browser of its own. */
  client(): ApiClient {
    return new ApiClient(this.url, (lines) => this.issuedCookies.push(...lines));
  }

  async close(): Promise<void> {
    await this.running.close();
    await this.store.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
  readonly setCookies: readonly string[];
}

/** Minimal cookie-keeping HTTP client: what a browser sends back is what the server set, by name. */
export class ApiClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;

  constructor(
    private readonly origin: string,
    private readonly onSetCookies: (lines: readonly string[]) => void = () => undefined,
  ) {}

  async request(method: string, route: string, options: { body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if ((options.csrf ?? true) && this.csrfToken !== null && method !== 'GET') {
      headers['x-csrf-token'] = this.csrfToken;
    }

    let payload: string | undefined;
    if (options.rawBody !== undefined) {
      payload = options.rawBody;
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }

    const response = await fetch(`${this.origin}${route}`, { method, headers, body: payload, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    this.onSetCookies(setCookies);
    this.remember(setCookies);
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: response.status, headers: response.headers, body, text, setCookies };
  }

  async signIn(email: string, password: string = PASSWORD, org?: string): Promise<ApiResponse> {
    const response = await this.request('POST', '/api/v1/auth/sign-in', { body: { email, password, ...(org === undefined ? {} : { org }) } });
    if (response.status === 200) {
      this.csrfToken = (response.body as { csrfToken: string }).csrfToken;
    }
    return response;
  }

  remember(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair === undefined || index < 0) {
        continue;
      }
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
      }
    }
  }
}

export function errorOf(response: ApiResponse): { code: string; message: string; field?: string } {
  return (response.body as { error: { code: string; message: string; field?: string } }).error;
}
