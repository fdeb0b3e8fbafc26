import { createSilentLogger } from '../../src/observability/logger.ts';
import { createEwsConnector, type EwsConnector, type EwsConnectorOptions } from '../../src/mailbox/ews/index.ts';
import type { GraphEventSeed } from '../../emulators/graph/seed-types.ts';
import { startEwsEmulator, type RunningEwsEmulator } from '../../emulators/ews/server.ts';

export const SERVICE_ACCOUNT = { username: 'svc-syncline@contoso.example', password: 'service-secret', canImpersonate: true };
export const OAUTH_CLIENT = { clientId: 'syncline-ews', clientSecret: 'oauth-secret' };

export interface EwsMailbox {
  readonly address: string;
  readonly waits: number[];
  readonly options: EwsConnectorOptions;
  readonly connector: EwsConnector;
}

/** One EWS emulator shared by a test file; each test gets a mailbox of its own. */
export class EwsWorld {
  emulator!: RunningEwsEmulator;
  private count = 0;

  async start(): Promise<void> {
    this.emulator = await startEwsEmulator({ accounts: [SERVICE_ACCOUNT, { username: 'no-role@contoso.example', password: 'pw' }], clients: [OAUTH_CLIENT], streamMinuteMs: 200 });
  }

  async stop(): Promise<void> {
    await this.emulator.close();
  }

  get ewsUrl(): string {
    return `${this.emulator.url}/EWS/Exchange.asmx`;
  }

  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.emulator.url}/_admin${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`admin ${method} ${path} failed with ${response.status}: ${await response.text()}`);
    return (response.status === 204 ? null : await response.json()) as T;
  }

  async newMailbox(seeds: GraphEventSeed[] = [], overrides: Partial<EwsConnectorOptions> = {}): Promise<EwsMailbox> {
    this.count += 1;
    const address = `user${this.count}@contoso.example`;
    await this.admin('POST', '/users', { smtp: address, displayName: `User ${this.count}`, timeZone: 'Europe/Berlin' });
    if (seeds.length > 0) await this.admin('POST', `/users/${encodeURIComponent(address)}/events`, { events: seeds });

    const waits: number[] = [];
    const options: EwsConnectorOptions = {
      ewsUrl: this.ewsUrl,
      auth: { kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password },
      mailboxAddress: address,
      mailboxTimeZone: 'Europe/Berlin',
      logger: createSilentLogger(),
      sleep: (ms) => {
        waits.push(ms);
        return new Promise((resolve) => setTimeout(resolve, ms));
      },
      ...overrides,
    };
    return { address, waits, options, connector: createEwsConnector(options) };
  }
}
