import type { Logger } from '../../observability/logger.ts';
import { ConnectorError, type Failure } from '../../domain/errors.ts';
import type { AccessTokenSource } from './auth/access-token-source.ts';
import type { MailboxLimits } from './mailbox-limits.ts';
import { classifyGraphError } from './classify-graph-error.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import { networkFailure } from './network-failure.ts';

/**
 * Sent on every request: immutable ids survive a move between folders, UTC times make `dateTime` the instant
 * itself, and text bodies spare an HTML conversion. Graph takes several preferences in one header.
 */
export const PREFERENCES = ['IdType="ImmutableId"', 'outlook.timezone="UTC"', 'outlook.body-content-type="text"'] as const;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface GraphRequest {
  readonly method: HttpMethod;
  /** Absolute URL on the configured Graph host. */
  readonly url: string;
  readonly body?: unknown;
  /** Preferences beyond the standard ones, e.g. `odata.maxpagesize=50`. */
  readonly extraPreferences?: readonly string[];
  /** Preferences sent in place of `PREFERENCES`, e.g. without the text body preference to get a mail body as stored. */
  readonly preferences?: readonly string[];
  /** `bytes` reads a successful body as raw bytes (an attachment's `$value`); the default parses JSON. */
  readonly responseType?: 'json' | 'bytes';
  /** True when sending the request twice cannot apply it twice. */
  readonly idempotent: boolean;
  /** Short name of the operation for log lines; never a URL, which may hold an address. */
  readonly label: string;
  /** Requests this call counts against the mailbox's request window: the requests a `$batch` carries, else 1. */
  readonly cost?: number;
}

export type GraphResponse =
  | { readonly ok: true; readonly status: number; readonly headers: Headers; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly failure: Failure };

export interface GraphHttpOptions {
  readonly baseUrl: string;
  readonly tokens: AccessTokenSource;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  /** The mailbox's limits, shared with every other source of the mailbox (see `sharedMailboxLimits`). */
  readonly limits: MailboxLimits;
  readonly sleep: (ms: number) => Promise<void>;
  readonly timeoutMs?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly random?: () => number;
}

const DEFAULT_TIMEOUT_MS = 100_000;

/** Sends Graph requests with a token, the standard preferences, the mailbox's limits and the retry policy. */
export class GraphHttp {
  private sent = 0;
  private retried = 0;
  private readonly origin: string;

  constructor(private readonly options: GraphHttpOptions) {
    this.origin = new URL(options.baseUrl).origin;
  }

  /** Requests sent to Graph so far, retries included, token requests excluded. */
  get calls(): number {
    return this.sent;
  }

  /** Attempts repeated after a temporary failure, token refreshes excluded. */
  get retries(): number {
    return this.retried;
  }

  get tokens(): AccessTokenSource {
    return this.options.tokens;
  }

  /**
   * Hold back every request of this mailbox, in every source of this process, for `ms` (a server's Retry-After).
   * Returns the pause's id when this call set it, else null; pass the id to `liftPause` once `ms` was waited out.
   */
  pauseMailbox(ms: number): number | null {
    return this.options.limits.pause(Math.min(ms, this.maxServerDelayMs));
  }

  liftPause(id: number): void {
    this.options.limits.liftPause(id);
  }

  private get maxServerDelayMs(): number {
    return (this.options.retryPolicy ?? DEFAULT_RETRY_POLICY).maxServerDelayMs;
  }

  async send(request: GraphRequest): Promise<GraphResponse> {
    this.assertOwnHost(request.url);
    let refreshed = false;
    let serverWaitedMs = 0;

    for (let attempt = 1; ; attempt += 1) {
      const token = await this.options.tokens.getToken();
      const limited = { cost: request.cost ?? 1, sleep: this.options.sleep };
      const response = await this.options.limits.run(limited, () => this.sendOnce(request, token));
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

      // Outlook throttles the mailbox, so the server's delay holds back every source of it, not this request only.
      // A delay longer than a session waits is capped here; the request itself gives up on it below.
      const serverDelayMs = response.failure.retryAfterMs;
      const pauseId = serverDelayMs === undefined ? null : this.pauseMailbox(serverDelayMs);

      const decision = decideRetry(
        { failure: response.failure, attempt, idempotent: request.idempotent, notProcessed: response.status === 429, serverWaitedMs },
        this.options.retryPolicy ?? DEFAULT_RETRY_POLICY,
        this.options.random,
      );
      if (!decision.retry) {
        return response;
      }

      this.retried += 1;
      this.options.logger.warn(
        { operation: request.label, status: response.status, waitMs: decision.waitMs, reason: decision.reason, attempt },
        'Graph request will be retried',
      );
      await this.options.sleep(decision.waitMs);
      if (serverDelayMs !== undefined) {
        serverWaitedMs += decision.waitMs;
      }
      if (pauseId !== null) {
        this.options.limits.liftPause(pauseId);
      }
    }
  }

  /** Like `send`, but a failure is thrown as a ConnectorError. */
  async sendOrThrow(request: GraphRequest): Promise<{ readonly headers: Headers; readonly body: unknown }> {
    const response = await this.send(request);
    if (!response.ok) {
      throw new ConnectorError(response.failure);
    }

    return response;
  }

  private async sendOnce(request: GraphRequest, token: string): Promise<GraphResponse> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: request.responseType === 'bytes' ? '*/*' : 'application/json',
      Prefer: [...(request.preferences ?? PREFERENCES), ...(request.extraPreferences ?? [])].join(', '),
    };
    if (request.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }

    this.sent += 1;
    let response: Response;
    try {
      response = await this.options.fetch(request.url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      return { ok: false, status: 0, failure: networkFailure(error, { url: request.url, service: 'Microsoft Graph', configKey: 'graph.graphBaseUrl' }) };
    }

    const body = request.responseType === 'bytes' && response.ok ? new Uint8Array(await response.arrayBuffer()) : await readJson(response);
    if (response.ok) {
      return { ok: true, status: response.status, headers: response.headers, body };
    }

    return { ok: false, status: response.status, failure: classifyGraphError(response.status, body, response.headers, this.options.tokens.authKind) };
  }

  /** Next and delta links come from the server; a token is only ever sent to the configured Graph host. */
  private assertOwnHost(url: string): void {
    if (new URL(url).origin === this.origin) {
      return;
    }

    throw new ConnectorError({
      kind: 'bug',
      code: 'ForeignHost',
      message: `a Graph link points to ${new URL(url).origin}, not to the configured graphBaseUrl ${this.origin}; check graphBaseUrl`,
    });
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text.trim() === '') {
    return null;
  }

  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
