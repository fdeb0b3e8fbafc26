import { gaxios, JWT, OAuth2Client } from 'google-auth-library';
import { ConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { GOOGLE_TOKEN_URL, type GoogleCredentials } from '../google-options.ts';
import { classifyTokenError, type TokenErrorInput } from './classify-token-error.ts';

/** Access tokens for one mailbox and one set of scopes. */
export interface AccessTokenSource {
  getToken(): Promise<string>;
  /** Forget a token the API rejected (401), or any token when none is named, so the next `getToken` requests a new one. */
  invalidate(token?: string): void;
}

export interface TokenSourceOptions {
  readonly credentials: GoogleCredentials;
  readonly userEmail: string;
  readonly scopes: readonly string[];
  readonly tokenUrl?: string;
  readonly fetch?: typeof fetch;
  readonly logger: Logger;
}

type AuthClient = JWT | OAuth2Client;

/**
 * Tokens through google-auth-library: the JWT bearer grant of a service account with `subject` set to the mailbox
 * (domain-wide delegation), or the refresh token grant of a user's consent. The library caches a token until shortly
 * before it expires. A failed grant is thrown as a ConnectorError with the kind the session acts on.
 */
export class GoogleTokenSource implements AccessTokenSource {
  private client: AuthClient;
  private readonly tokenUrl: string;

  constructor(private readonly options: TokenSourceOptions) {
    this.tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;
    this.client = this.newClient();
  }

  async getToken(): Promise<string> {
    await this.loadRefreshToken();
    let token: string | null | undefined;
    try {
      token = (await this.client.getAccessToken()).token;
    } catch (error) {
      const { credentials } = this.options;
      const failure = classifyTokenError(tokenErrorOf(error), credentials.kind, this.tokenUrl, credentials.kind === 'userOAuth' ? credentials.signInUrl : undefined);
      this.options.logger.warn({ code: failure.code, kind: failure.kind }, 'Google token request failed');
      if (failure.kind === 'suspend' && credentials.kind === 'userOAuth' && typeof credentials.refreshToken !== 'string') {
        // The owner may sign in again while this source lives, so the next request reads the store again.
        this.client = this.newClient();
      }
      throw new ConnectorError(failure, { cause: error });
    }
    if (!token) {
      throw new ConnectorError({ kind: 'retryLater', code: 'EmptyToken', message: 'the Google token endpoint returned no access token; a token is requested again later' });
    }
    return token;
  }

  /** Give a user OAuth client the refresh token the owner's sign-in stored, read again for each new client. */
  private async loadRefreshToken(): Promise<void> {
    const { credentials } = this.options;
    if (credentials.kind !== 'userOAuth' || typeof credentials.refreshToken === 'string' || this.client.credentials.refresh_token) {
      return;
    }
    const refreshToken = await credentials.refreshToken();
    if (refreshToken === null) {
      const where = credentials.signInUrl === undefined ? "through Syncline's Google sign-in page (docs/connect-google.md)" : `at ${credentials.signInUrl}`;
      throw new ConnectorError({
        kind: 'suspend',
        code: 'NoRefreshToken',
        message: `Google sign-in missing: this mailbox uses user OAuth and its owner has not signed in yet. The mailbox owner must sign in ${where}`,
      });
    }
    this.client.setCredentials({ refresh_token: refreshToken });
  }

  // The library keeps its token until expiry, so a token the API revoked early is dropped with its client.
  invalidate(token?: string): void {
    if (token === undefined || this.client.credentials.access_token === token) {
      this.client = this.newClient();
    }
  }

  private newClient(): AuthClient {
    const transporter = new gaxios.Gaxios({ fetchImplementation: this.options.fetch ?? globalThis.fetch });
    const tokenUrl = this.tokenUrl;
    // The library's JWT grant (google-auth-library 10) always posts to Google's token URL; another
    // configured tokenUrl (a proxy or the emulator) takes its place here.
    transporter.interceptors.request.add({
      resolved: async (config) => {
        if (config.url.href === GOOGLE_TOKEN_URL && tokenUrl !== GOOGLE_TOKEN_URL) {
          config.url = new URL(tokenUrl);
        }
        return config;
      },
    });

    const { credentials } = this.options;
    if (credentials.kind === 'serviceAccount') {
      return new JWT({
        email: credentials.clientEmail,
        key: credentials.privateKey,
        ...(credentials.privateKeyId === undefined ? {} : { keyId: credentials.privateKeyId }),
        scopes: [...this.options.scopes],
        subject: this.options.userEmail,
        transporter,
      });
    }

    const client = new OAuth2Client({ clientId: credentials.clientId, clientSecret: credentials.clientSecret, endpoints: { oauth2TokenUrl: tokenUrl }, transporter });
    if (typeof credentials.refreshToken === 'string') {
      client.setCredentials({ refresh_token: credentials.refreshToken });
    }
    return client;
  }
}

/** The parts of a gaxios error the classification needs; never its message, which may quote the request. */
export function tokenErrorOf(error: unknown): TokenErrorInput {
  const response = (error as { response?: { status?: unknown; data?: unknown } } | null)?.response;
  const ownCode = (error as { code?: unknown } | null)?.code;
  // Signing the JWT grant happens before any request; Node's crypto errors carry codes such as ERR_OSSL_UNSUPPORTED.
  if (response === undefined && typeof ownCode === 'string' && /^ERR_(OSSL|CRYPTO)_/.test(ownCode)) {
    return { status: null, error: null, networkCode: null, signingCode: ownCode };
  }
  if (response === undefined || typeof response.status !== 'number') {
    const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
    return { status: null, error: null, networkCode: typeof code === 'string' ? code : null };
  }
  const data = response.data as { error?: unknown } | string | null | undefined;
  const oauthError = typeof data === 'object' && data !== null && typeof data.error === 'string' ? data.error : null;
  return { status: response.status, error: oauthError, networkCode: null };
}
