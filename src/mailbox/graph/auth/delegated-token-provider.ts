import { ConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import type { AccessTokenSource } from './access-token-source.ts';
import { DELEGATED_SCOPES, scopeParameter } from './delegated-scopes.ts';
import type { RefreshTokenStore } from './refresh-token-store.ts';
import { TokenCache } from './token-cache.ts';
import { requestToken } from './token-request.ts';

export interface DelegatedTokenProviderOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly mailboxId: string;
  readonly refreshTokens: RefreshTokenStore;
  /** URL of the page where the owner signs in again, named in the suspension reason. */
  readonly signInUrl?: string;
  readonly scopes?: readonly string[];
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Delegated access tokens for one mailbox, from the refresh token its owner's sign-in left in the store (the
 * refresh_token grant of the v2.0 token endpoint). Each response carries a new refresh token, which is stored
 * before the access token is used, so a crash right after never leaves the store with only an older token.
 */
export class DelegatedTokenProvider implements AccessTokenSource {
  readonly authKind = 'delegated';
  private readonly cache: TokenCache;

  constructor(private readonly options: DelegatedTokenProviderOptions) {
    this.cache = new TokenCache(options.now);
  }

  getToken(): Promise<string> {
    return this.cache.get(() => this.redeem());
  }

  invalidate(token: string): void {
    this.cache.invalidate(token);
  }

  clear(): void {
    this.cache.clear();
  }

  private async redeem(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const { options } = this;
    const refreshToken = await options.refreshTokens.loadRefreshToken(options.mailboxId);
    if (refreshToken === null) {
      const where = options.signInUrl === undefined ? "through Syncline's Office 365 sign-in" : `at ${options.signInUrl}`;
      throw new ConnectorError({
        kind: 'suspend',
        code: 'NoRefreshToken',
        message: `Graph sign-in missing: this mailbox uses delegated access and its owner has not signed in yet. The mailbox owner must sign in ${where}`,
      });
    }

    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      refresh_token: refreshToken,
      scope: scopeParameter(options.scopes ?? DELEGATED_SCOPES),
    });
    const context = options.signInUrl === undefined ? { grant: 'refresh_token' as const } : { grant: 'refresh_token' as const, signInUrl: options.signInUrl };
    const response = await requestToken(options, form, context);

    if (response.refreshToken !== null && response.refreshToken !== refreshToken) {
      await options.refreshTokens.saveRefreshToken(options.mailboxId, response.refreshToken);
      options.logger.debug({ mailboxId: options.mailboxId }, 'Stored the rotated Graph refresh token');
    }
    return response;
  }
}
