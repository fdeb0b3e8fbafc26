import { ConnectorError, isConnectorError, type Failure } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { OrgApiBudget } from './api-budget.ts';
import { readJson, requestToken, type SalesforceAuth, type SalesforceToken } from './auth.ts';
import { classifyNetworkError, classifySalesforceError } from './classify-error.ts';
import { SalesforceOrgCache } from './org-cache.ts';
import { decideRetry, type RetryOptions } from './retry-policy.ts';

export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** How a request body is sent and a successful response read: JSON, or CSV text for Bulk API 2.0 job data. */
export type BodyFormat = 'json' | 'csv';

const MEDIA_TYPES: Readonly<Record<BodyFormat, string>> = { json: 'application/json', csv: 'text/csv' };

export interface RestClientOptions {
  readonly loginUrl: string;
  readonly auth: SalesforceAuth;
  readonly apiVersion: string;
  readonly logger: Logger;
  readonly fetch: typeof fetch;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The org's shared API budget; without one, calls are only counted here. */
  readonly budget?: OrgApiBudget;
  /** Abort a request that has not completed in this time; default 5 minutes. */
  readonly timeoutMs?: number;
  /** The token and describe answers shared by the org's sessions in this process; without one, each client asks for its own. */
  readonly orgCache?: SalesforceOrgCache;
}

/** Refusals that mean a field or an object the describes named is gone, so kept describes are out of date. */
const STALE_METADATA_CODES = new Set(['INVALID_FIELD', 'INVALID_TYPE', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'NO_SUCH_COLUMN']);

/** Long enough for a Composite call of 1,000 records with triggers, short enough to free a hung connection. */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Client name sent as `Sforce-Call-Options: client=…` on every request. Salesforce copies it into the changeOrigin
 * of the change events a write causes, which is how the change stream recognises the engine's own writes.
 */
export const SYNCLINE_CLIENT_NAME = 'Syncline';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RequestOptions {
  /**
   * False for a request whose repeat could write twice: one that carries plain inserts. Such a request is sent
   * again only after a refusal that proves Salesforce did not run it (401, 429, REQUEST_LIMIT_EXCEEDED), never
   * after a timeout, a network error or a 5xx, and then fails with an `OutcomeUnknownError`.
   */
  readonly idempotent?: boolean;
  /** Extra request headers, such as `Sforce-Duplicate-Rule-Header`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A request that carried non-idempotent writes lost its response (a timeout, a network error or a 5xx): Salesforce
 * may have run it. It was not sent again; the caller decides, e.g. by looking the records up.
 */
export class OutcomeUnknownError extends ConnectorError {
  constructor(failure: Failure, options?: { cause?: unknown }) {
    super(failure, options);
    this.name = 'OutcomeUnknownError';
  }
}

type AttemptOutcome =
  | { readonly response: RestResponse }
  | { readonly failure: Failure; readonly cause?: unknown; readonly usedToken?: Promise<SalesforceToken>; readonly mayHaveRun: boolean };

/**
 * The small HTTP layer under the connector: bearer token from the OAuth flow, REST calls against the token's
 * `instance_url`, one re-authentication on an expired session, and retries of temporary failures.
 */
export class SalesforceRestClient {
  /** REST requests sent, token requests excluded. */
  calls = 0;
  private token: Promise<SalesforceToken> | null = null;
  private knownInstanceUrl: string | null = null;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RestClientOptions) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** `/services/data/vXX.X`, the prefix of every REST resource. */
  get dataPath(): string {
    return `/services/data/v${this.options.apiVersion}`;
  }

  /** The org's origin once a token was issued, else null. */
  get instanceUrl(): string | null {
    return this.knownInstanceUrl;
  }

  /**
   * Send one REST request; `path` starts with `/services/...`. Throws a `ConnectorError` unless it succeeds, and an
   * `OutcomeUnknownError` when a request marked not idempotent lost its response.
   */
  async request(method: string, path: string, body?: unknown, format: BodyFormat = 'json', options: RequestOptions = {}): Promise<RestResponse> {
    const cache = this.options.orgCache;
    if (cache !== undefined && method === 'GET' && SalesforceOrgCache.isMetadataPath(path)) {
      return cache.metadataResponse(path, () => this.send(method, path, body, format, options));
    }
    return this.send(method, path, body, format, options);
  }

  /**
   * Send a read of org metadata that is no plain describe GET, such as a Composite call of several describes, and
   * share its answer through the org cache under `key` like a describe.
   */
  metadataRequest(key: string, method: string, path: string, body: unknown): Promise<RestResponse> {
    const load = () => this.send(method, path, body, 'json', {});
    return this.options.orgCache === undefined ? load() : this.options.orgCache.metadataResponse(key, load);
  }

  private async send(method: string, path: string, body: unknown, format: BodyFormat, options: RequestOptions): Promise<RestResponse> {
    let reauthenticated = false;

    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(method, path, body, format, options.headers);
      if ('response' in outcome) {
        return outcome.response;
      }

      const failure = outcome.failure;
      if (failure.kind === 'reauthenticate' && !reauthenticated) {
        reauthenticated = true;
        // A concurrent request may have replaced the token already; drop only the one that was refused.
        if (this.token === outcome.usedToken) {
          this.token = null;
        }
        if (outcome.usedToken !== undefined) {
          this.options.orgCache?.forgetToken(this.options.loginUrl, this.options.auth, outcome.usedToken);
        }
        continue;
      }

      if (options.idempotent === false && outcome.mayHaveRun) {
        throw new OutcomeUnknownError(failure, { cause: outcome.cause });
      }
      const decision = decideRetry(failure, attempt, this.options.retry);
      if (!decision.retry) {
        if (STALE_METADATA_CODES.has(failure.code)) {
          this.options.orgCache?.forgetMetadata();
        }
        // A token request's own ConnectorError goes up as it is: wrapped, its message would appear twice in a log.
        throw isConnectorError(outcome.cause) && outcome.cause.failure === failure ? outcome.cause : new ConnectorError(failure, { cause: outcome.cause });
      }
      this.options.logger.warn(
        { code: failure.code, method, path: pathOnly(path), attempt, waitMs: decision.waitMs, reason: decision.reason },
        'Salesforce request failed for a temporary reason; retrying',
      );
      await this.sleep(decision.waitMs);
    }
  }

  private async attempt(method: string, path: string, body: unknown, format: BodyFormat, extraHeaders: Readonly<Record<string, string>> = {}): Promise<AttemptOutcome> {
    let token: SalesforceToken;
    const usedToken = this.currentToken();
    try {
      token = await usedToken;
    } catch (error) {
      if (isConnectorError(error)) {
        return { failure: error.failure, cause: error, mayHaveRun: false };
      }
      throw error;
    }

    const refusal = await this.passBudget(method, path);
    if (refusal !== null) {
      return { failure: refusal, mayHaveRun: false };
    }

    let response: Response;
    this.calls += 1;
    try {
      response = await this.options.fetch(`${token.instanceUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          accept: MEDIA_TYPES[format],
          'sforce-call-options': `client=${SYNCLINE_CLIENT_NAME}`,
          ...(body === undefined ? {} : { 'content-type': MEDIA_TYPES[format] }),
          ...extraHeaders,
        },
        ...(body === undefined ? {} : { body: format === 'csv' ? String(body) : JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      this.options.budget?.observe(null);
      return { failure: classifyNetworkError(error, 'Salesforce'), cause: error, mayHaveRun: true };
    }
    this.options.budget?.observe(response.headers);

    let parsed: unknown;
    try {
      parsed = format === 'csv' && response.ok ? await response.text() : await readJson(response);
    } catch (error) {
      // The status came but the body did not, so a success cannot be read: it counts as a lost response.
      return { failure: classifyNetworkError(error, 'Salesforce'), cause: error, mayHaveRun: true };
    }

    if (response.ok) {
      return { response: { status: response.status, body: parsed, headers: response.headers } };
    }
    // A 5xx may come after Salesforce committed the writes, or from a proxy that lost the response on the way.
    return { failure: classifySalesforceError(response.status, parsed, response.headers), usedToken, mayHaveRun: response.status >= 500 };
  }

  /**
   * Wait as long as the org's API budget requires, or return the failure to stop with when Syncline's share is
   * spent. After a wait the budget is asked again, since concurrent sessions may have used the room meanwhile.
   */
  private async passBudget(method: string, path: string): Promise<Failure | null> {
    const budget = this.options.budget;
    if (budget === undefined) {
      return null;
    }
    let decision = budget.admit();
    if (decision.action === 'wait') {
      this.options.logger.debug({ method, path: pathOnly(path), waitMs: decision.waitMs }, 'Slowing down: the org nears its Salesforce API budget');
      await this.sleep(decision.waitMs);
      decision = budget.admit(true);
    }
    return decision.action === 'stop' ? decision.failure : null;
  }

  private currentToken(): Promise<SalesforceToken> {
    if (this.token === null) {
      const { fetch: fetchFn, loginUrl, auth, orgCache } = this.options;
      const request = () => requestToken(fetchFn, loginUrl, auth);
      const pending = orgCache === undefined ? request() : orgCache.token(loginUrl, auth, request);
      this.token = pending;
      pending.then(
        (token) => {
          this.knownInstanceUrl = token.instanceUrl;
        },
        () => {
          // A failed token request is not cached, so the next request fetches a new token.
          if (this.token === pending) {
            this.token = null;
          }
        },
      );
    }
    return this.token;
  }
}

/** Return the path without its query string, which can contain SOQL with addresses or sync ids. */
function pathOnly(path: string): string {
  const index = path.indexOf('?');
  return index === -1 ? path : path.slice(0, index);
}
