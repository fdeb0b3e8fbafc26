import { ConnectorError, isConnectorError, type Failure } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { errorName, readJson, requestToken, type SalesforceAuth, type SalesforceToken } from './auth.ts';
import { classifySalesforceError } from './classify-error.ts';
import { decideRetry, type RetryOptions } from './retry-policy.ts';

export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface RestClientOptions {
  readonly loginUrl: string;
  readonly auth: SalesforceAuth;
  readonly apiVersion: string;
  readonly logger: Logger;
  readonly fetch: typeof fetch;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

  /** Send one REST request; `path` starts with `/services/...`. Throws a `ConnectorError` unless it succeeds. */
  async request(method: string, path: string, body?: unknown): Promise<RestResponse> {
    let reauthenticated = false;

    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(method, path, body);
      if ('response' in outcome) {
        return outcome.response;
      }

      const failure = outcome.failure;
      if (failure.kind === 'reauthenticate' && !reauthenticated) {
        reauthenticated = true;
        this.token = null;
        continue;
      }

      const decision = decideRetry(failure, attempt, this.options.retry);
      if (!decision.retry) {
        throw new ConnectorError(failure, { cause: outcome.cause });
      }
      this.options.logger.warn(
        { code: failure.code, method, path: pathOnly(path), attempt, waitMs: decision.waitMs, reason: decision.reason },
        'Salesforce request failed for a temporary reason; retrying',
      );
      await this.sleep(decision.waitMs);
    }
  }

  private async attempt(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ response: RestResponse } | { failure: Failure; cause?: unknown }> {
    let token: SalesforceToken;
    try {
      token = await this.currentToken();
    } catch (error) {
      if (isConnectorError(error)) {
        return { failure: error.failure, cause: error };
      }
      throw error;
    }

    let response: Response;
    this.calls += 1;
    try {
      response = await this.options.fetch(`${token.instanceUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      return { failure: { kind: 'retryLater', code: 'NETWORK_ERROR', message: `Salesforce unreachable: ${errorName(error)}` }, cause: error };
    }

    const parsed = await readJson(response);
    if (response.ok) {
      return { response: { status: response.status, body: parsed, headers: response.headers } };
    }
    return { failure: classifySalesforceError(response.status, parsed, response.headers) };
  }

  private currentToken(): Promise<SalesforceToken> {
    if (this.token === null) {
      const pending = requestToken(this.options.fetch, this.options.loginUrl, this.options.auth);
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
