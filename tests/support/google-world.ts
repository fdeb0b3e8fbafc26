import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../emulators/google/server.ts';
import { GOOGLE_SCOPES, type GoogleConnectorOptions } from '../../src/mailbox/google/index.ts';

/**
 * A Google emulator with one service account that has domain-wide delegation for every scope the connector requests
 * for, and a fresh user per test, so tests share the server but never each other's data.
 */

/** The connector's scopes, and gmail.modify for tests that label messages the way a user does. */
export const ALL_SCOPES = [...Object.values(GOOGLE_SCOPES).flat(), 'https://www.googleapis.com/auth/gmail.modify'];

export const SERVICE_ACCOUNT_EMAIL = 'syncline@syncline-test.iam.gserviceaccount.com';
export const SERVICE_ACCOUNT_CLIENT_ID = '113000000000000000001';

export interface GoogleUser {
  readonly email: string;
  readonly options: GoogleConnectorOptions;
}

export class GoogleWorld {
  emulator!: RunningGoogleEmulator;
  readonly privateKey: string;
  readonly publicKey: string;
  /** Waits requested by connectors; tests run without real backoff delays. */
  readonly sleeps: number[] = [];

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  async start(options: { gmailUnitsPerMinute?: number } = {}): Promise<void> {
    this.emulator = await startGoogleEmulator({
      serviceAccounts: [{ clientEmail: SERVICE_ACCOUNT_EMAIL, publicKeyPem: this.publicKey, clientId: SERVICE_ACCOUNT_CLIENT_ID, delegatedScopes: ALL_SCOPES }],
      oauthClients: [{ clientId: 'oauth-client.apps.googleusercontent.com', clientSecret: 'oauth-secret' }],
      ...(options.gmailUnitsPerMinute === undefined ? {} : { gmailUnitsPerMinute: options.gmailUnitsPerMinute }),
    });
  }

  async stop(): Promise<void> {
    await this.emulator?.close();
  }

  async newUser(timeZone = 'Europe/Berlin', overrides: Partial<GoogleConnectorOptions> = {}): Promise<GoogleUser> {
    const email = `user-${randomUUID().slice(0, 8)}@example.com`;
    await this.admin('POST', '/_admin/users', { email, timeZone });
    return { email, options: this.optionsFor(email, timeZone, overrides) };
  }

  optionsFor(email: string, timeZone: string, overrides: Partial<GoogleConnectorOptions> = {}): GoogleConnectorOptions {
    return {
      userEmail: email,
      credentials: { kind: 'serviceAccount', clientEmail: SERVICE_ACCOUNT_EMAIL, privateKey: this.privateKey },
      tokenUrl: this.emulator.tokenUrl,
      apiBaseUrl: this.emulator.url,
      peopleBaseUrl: this.emulator.url,
      mailboxTimeZone: timeZone,
      logger: pino({ level: 'silent' }),
      sleep: async (ms) => {
        this.sleeps.push(ms);
      },
      ...overrides,
    };
  }

  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.emulator.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`admin ${method} ${path} failed with ${response.status}: ${text}`);
    }
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  /** Call a Google API as the user would through another client, with a token of its own. */
  async api<T = unknown>(user: GoogleUser, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const token = await this.userToken(user.email);
    const response = await fetch(`${this.emulator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  private readonly userTokens = new Map<string, string>();

  private async userToken(email: string): Promise<string> {
    const cached = this.userTokens.get(email);
    if (cached) {
      return cached;
    }
    const { refreshToken } = await this.admin<{ refreshToken: string }>('POST', '/_admin/refresh-tokens', { clientId: 'oauth-client.apps.googleusercontent.com', email, scopes: ALL_SCOPES });
    const response = await fetch(this.emulator.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'oauth-client.apps.googleusercontent.com', client_secret: 'oauth-secret' }),
    });
    const token = ((await response.json()) as { access_token: string }).access_token;
    this.userTokens.set(email, token);
    return token;
  }
}
