import type { Logger } from '../../observability/logger.ts';
import type { AccessTokenSource } from './auth/access-token-source.ts';
import { DelegatedTokenProvider } from './auth/delegated-token-provider.ts';
import type { GraphClientOptions } from './connector-options.ts';
import type { BatchDeps } from './graph-batch.ts';
import { GraphHttp } from './graph-http.ts';
import { OUTLOOK_LIMITS, sharedMailboxLimits } from './mailbox-limits.ts';
import { TokenProvider } from './token-provider.ts';

/** The parts every Graph source of one mailbox sends requests with; `createGraphClient` builds them. */
export interface GraphClient {
  readonly http: GraphHttp;
  readonly batch: BatchDeps;
  /** Graph version root without a trailing slash, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly baseUrl: string;
  /** `/users/{id}` with the id escaped, relative to the version root. */
  readonly userPath: string;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Build the HTTP layer for one mailbox: its token source (app-only or the owner's delegated grant) and its share of
 * Outlook's limits, which every other source of the same mailbox in this process shares.
 */
export function createGraphClient(options: GraphClientOptions, component: string): GraphClient {
  const baseUrl = options.graphBaseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? realSleep;
  const logger = options.logger.child({ connector: 'graph', component });
  const tokens = createTokenSource(options, doFetch, logger, sleep);
  const limits = sharedMailboxLimits(options, {
    maxConcurrency: options.maxConcurrency ?? OUTLOOK_LIMITS.maxConcurrency,
    maxRequests: options.requestWindow?.maxRequests ?? OUTLOOK_LIMITS.maxRequests,
    windowMs: options.requestWindow?.windowMs ?? OUTLOOK_LIMITS.windowMs,
  });
  const http = new GraphHttp({ baseUrl, tokens, fetch: doFetch, logger, limits, sleep });

  return {
    http,
    batch: { http, baseUrl, logger, sleep },
    baseUrl,
    userPath: `/users/${encodeURIComponent(options.userId)}`,
    logger,
    sleep,
  };
}

function createTokenSource(options: GraphClientOptions, doFetch: typeof fetch, logger: Logger, sleep: (ms: number) => Promise<void>): AccessTokenSource {
  const common = { tokenUrl: options.tokenUrl, clientId: options.clientId, clientSecret: options.clientSecret, fetch: doFetch, logger, sleep };
  if (options.auth?.kind !== 'delegated') {
    return new TokenProvider(common);
  }

  const { mailboxId, refreshTokens, signInUrl } = options.auth;
  return new DelegatedTokenProvider({ ...common, mailboxId, refreshTokens, ...(signInUrl === undefined ? {} : { signInUrl }) });
}
