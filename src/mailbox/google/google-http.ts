import { ConnectorError, type Failure } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { AccessTokenSource } from './auth/google-token-source.ts';
import { classifyGoogleError } from './classify-google-error.ts';
import { GMAIL_METHOD_UNITS, type GmailMethod, type QuotaMeter } from './quota-meter.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GoogleRequest {
  readonly method: HttpMethod;
  /** Absolute URL on a configured Google host. */
  readonly url: string;
  /** A JSON body, or a body already encoded with its content type (a multipart batch). */
  readonly body?: unknown;
  readonly rawBody?: { readonly contentType: string; readonly text: string };
  readonly headers?: Readonly<Record<string, string>>;
  /** True when sending the request twice cannot apply it twice. */
  readonly idempotent: boolean;
  /** Short name of the operation for log lines; never a URL, which contains the mailbox address. */
  readonly label: string;
  /** Gmail method, charged against the mailbox's quota units before sending. */
  readonly gmailMethod?: GmailMethod;
  /** Gmail units of a batch, the sum of its parts; replaces `gmailMethod`. */
  readonly gmailUnits?: number;
  /** `text` keeps the body as text (a multipart batch response); the default parses JSON. */
  readonly responseType?: 'json' | 'text';
  /** True sends the request once, with no retry: for best-effort calls while the process shuts down. */
  readonly once?: boolean;
}

export type GoogleResponse =
  | { readonly ok: true; readonly status: number; readonly headers: Headers; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly failure: Failure; readonly errorBody?: unknown };

export interface GoogleHttpOptions {
  readonly tokens: AccessTokenSource;
  /** Origins a token may be sent to: the configured API roots. */
  readonly allowedOrigins: readonly string[];
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly gmailMeter: QuotaMeter | null;
  readonly retryPolicy?: RetryPolicy;
  readonly random?: () => number;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 100_000;

/** Sends Google API requests with a token, the retry policy, Gmail's quota pacing and a count of calls and units. */
export class GoogleHttp {
  private sent = 0;
  private units = 0;

  constructor(private readonly options: GoogleHttpOptions) {}

  /** Requests sent so far, retries included, token requests excluded; a batch counts once. */
  get calls(): number {
    return this.sent;
  }

  /** Gmail quota units spent through this layer. */
  get quotaUnits(): number {
    return this.units;
  }

  get tokens(): AccessTokenSource {
    return this.options.tokens;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get policy(): RetryPolicy {
    return this.options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  }

  get random(): () => number {
    return this.options.random ?? Math.random;
  }

  get sleep(): (ms: number) => Promise<void> {
    return this.options.sleep;
  }

  async send(request: GoogleRequest): Promise<GoogleResponse> {
    this.assertAllowed(request.url);
    let refreshed = false;

    for (let attempt = 1; ; attempt += 1) {
      const token = await this.options.tokens.getToken();
      await this.charge(request);
      const response = await this.sendOnce(request, token);
      if (response.ok) {
        return response;
      }

      // A token can be revoked before its expiry; one fresh token settles it, a second 401 is final.
      if (response.failure.kind === 'reauthenticate' && !refreshed) {
        refreshed = true;
        this.options.tokens.invalidate(token);
        attempt -= 1;
        continue;
      }

      if (request.once === true) {
        return response;
      }
      const decision = decideRetry(
        { failure: response.failure, attempt, idempotent: request.idempotent, notProcessed: isRateRefusal(response) },
        this.policy,
        this.random,
      );
      if (!decision.retry) {
        return response;
      }
      this.options.logger.warn({ operation: request.label, status: response.status, waitMs: decision.waitMs, reason: decision.reason, attempt }, 'Google request will be retried');
      await this.options.sleep(decision.waitMs);
    }
  }

  /** Like `send`, but a failure is thrown as a ConnectorError. */
  async sendOrThrow(request: GoogleRequest): Promise<{ readonly headers: Headers; readonly body: unknown }> {
    const response = await this.send(request);
    if (!response.ok) {
      throw new ConnectorError(response.failure);
    }
    return response;
  }

  private async charge(request: GoogleRequest): Promise<void> {
    const units = request.gmailUnits ?? (request.gmailMethod === undefined ? 0 : GMAIL_METHOD_UNITS[request.gmailMethod]);
    if (units === 0 || this.options.gmailMeter === null) {
      return;
    }
    await this.options.gmailMeter.charge(units, this.options.sleep);
    this.units += units;
  }

  private async sendOnce(request: GoogleRequest, token: string): Promise<GoogleResponse> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.rawBody !== undefined) {
      headers['Content-Type'] = request.rawBody.contentType;
      body = request.rawBody.text;
    } else if (request.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.body);
    }

    this.sent += 1;
    let response: Response;
    try {
      response = await this.options.fetch(request.url, { method: request.method, headers, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
    } catch (error) {
      return { ok: false, status: 0, failure: networkFailure(error, request.url) };
    }

    const text = await response.text().catch(() => '');
    if (response.ok) {
      return { ok: true, status: response.status, headers: response.headers, body: request.responseType === 'text' ? text : parseJson(text) };
    }
    const errorBody = parseJson(text);
    return { ok: false, status: response.status, failure: classifyGoogleError(response.status, errorBody, response.headers), errorBody };
  }

  /** Page tokens and batch parts come from the server; a token only ever goes to a configured Google host. */
  private assertAllowed(url: string): void {
    if (this.options.allowedOrigins.includes(new URL(url).origin)) {
      return;
    }
    throw new ConnectorError({
      kind: 'bug',
      code: 'ForeignHost',
      message: `a Google request points to ${new URL(url).origin}, not to the configured google.apiBaseUrl or google.peopleBaseUrl; check those settings`,
    });
  }
}

/** Tell whether Google did not act on the request: a 429, or a 403 rate-limit refusal. */
export function isRateRefusal(response: { readonly status: number; readonly failure: Failure }): boolean {
  return response.status === 429 || (response.status === 403 && response.failure.kind === 'retryLater');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Classify a request without a response; the message names the host and path, never the query (sync and page tokens). */
function networkFailure(error: unknown, url: string): Failure {
  const isTimeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const parsed = new URL(url);
  const where = `${parsed.origin}${parsed.pathname.replace(/\/users\/[^/]+/, '/users/{mailbox}').replace(/\/calendars\/[^/]+/, '/calendars/{calendar}')}`;
  return {
    kind: 'retryLater',
    code: isTimeout ? 'Timeout' : 'NetworkError',
    message: `no response from Google at ${where} (${isTimeout ? 'timed out' : typeof cause === 'string' ? cause : 'network error'}); check google.apiBaseUrl and that this server can reach that host. The request is repeated later`,
  };
}
