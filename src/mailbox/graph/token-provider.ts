import type { Logger } from '../../observability/logger.ts';
import type { AccessTokenSource } from './auth/access-token-source.ts';
import { TokenCache } from './auth/token-cache.ts';
import { requestToken } from './auth/token-request.ts';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface TokenProviderOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** App-only access tokens for Graph (the client credentials grant), cached until shortly before they expire. */
export class TokenProvider implements AccessTokenSource {
  readonly authKind = 'appOnly';
  private readonly cache: TokenCache;

  constructor(private readonly options: TokenProviderOptions) {
    this.cache = new TokenCache(options.now);
  }

  getToken(): Promise<string> {
    return this.cache.get(() => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        scope: GRAPH_SCOPE,
      });
      return requestToken(this.options, form, { grant: 'client_credentials' });
    });
  }

  invalidate(token: string): void {
    this.cache.invalidate(token);
  }

  clear(): void {
    this.cache.clear();
  }
}
