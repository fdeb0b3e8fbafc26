import type { GraphConnectorOptions } from '../../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../../emulators/graph/server.ts';

/**
 * Test support for the To Do task and contact sources: one Graph emulator shared by a test file, a fresh mailbox
 * per test, and connector options whose fetch records every `$batch` body and can drop the response of one.
 */
export const CLIENT = { tenantId: 'contoso', clientId: 'syncline-test', clientSecret: 'test-secret' };
export const MAILBOX_ZONE = 'Europe/Berlin';

export interface BatchRequestRecord {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: Record<string, unknown>;
}

export interface ItemMailbox {
  readonly address: string;
  readonly userPath: string;
  /** Waits the connector asked for before retries, in milliseconds; the waits themselves are skipped. */
  readonly waits: number[];
  /** The inner requests of every `$batch` sent, in order. */
  readonly batches: BatchRequestRecord[][];
  readonly options: GraphConnectorOptions;
  /** Deliver the next `$batch` that contains a POST to the emulator, then fail as if the connection dropped. */
  loseNextCreateResponse(): void;
}

export class ItemMailboxes {
  private emulator: RunningGraphEmulator | null = null;
  private count = 0;

  async start(): Promise<void> {
    this.emulator = await startGraphEmulator({ clients: [CLIENT] });
  }

  async stop(): Promise<void> {
    await this.emulator?.close();
  }

  get url(): string {
    if (!this.emulator) {
      throw new Error('start the emulator first');
    }
    return this.emulator.url;
  }

  async admin<T = unknown>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/_admin${pathAndQuery}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`admin ${method} ${pathAndQuery} failed with ${response.status}: ${await response.text()}`);
    }
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** Create a mailbox in Berlin time, so tests share one emulator without seeing each other's items. */
  async newMailbox(): Promise<ItemMailbox> {
    this.count += 1;
    const address = `owner${this.count}@contoso.example`;
    await this.admin('POST', '/users', { userPrincipalName: address, displayName: `Owner ${this.count}`, mailboxTimeZone: MAILBOX_ZONE });

    const waits: number[] = [];
    const batches: BatchRequestRecord[][] = [];
    let dropCreate = false;
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      const isBatch = url.endsWith('/$batch');
      const requests = isBatch ? ((JSON.parse(String(init?.body)) as { requests: BatchRequestRecord[] }).requests ?? []) : [];
      if (isBatch) {
        batches.push(requests.map(({ method, url: innerUrl, headers, body }) => ({ method, url: innerUrl, headers, body })));
      }

      const response = await fetch(input, init);
      if (isBatch && dropCreate && requests.some((request) => request.method === 'POST')) {
        dropCreate = false;
        await response.arrayBuffer();
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      }
      return response;
    };

    const options: GraphConnectorOptions = {
      graphBaseUrl: `${this.url}/v1.0`,
      tokenUrl: `${this.url}/${CLIENT.tenantId}/oauth2/v2.0/token`,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      userId: address,
      mailboxTimeZone: MAILBOX_ZONE,
      logger: createSilentLogger(),
      fetch: recordingFetch,
      pageSize: 3,
      sleep: async (ms) => {
        waits.push(ms);
      },
    };
    return {
      address,
      userPath: `/users/${encodeURIComponent(address)}`,
      waits,
      batches,
      options,
      loseNextCreateResponse: () => {
        dropCreate = true;
      },
    };
  }

  /** Call Graph for the mailbox directly, as another client of it would. */
  async graph<T = unknown>(mailbox: ItemMailbox, method: string, pathAfterUser: string, body?: unknown): Promise<T> {
    const { options } = mailbox;
    const form = { grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret, scope: 'https://graph.microsoft.com/.default' };
    const tokenResponse = await fetch(options.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const response = await fetch(`${this.url}/v1.0${mailbox.userPath}${pathAfterUser}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`${method} ${pathAfterUser} failed with ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as T;
  }

  async fault(fault: Record<string, unknown>): Promise<void> {
    await this.admin('POST', '/faults', { faults: [fault] });
  }
}
