import type { Logger } from '../../observability/logger.ts';
import { ConnectorError, type Failure } from '../../domain/errors.ts';
import { decideRetry } from './retry-policy.ts';
import { networkFailure } from './network-failure.ts';
import { parseRetryAfter } from './classify-graph-error.ts';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** A token is renewed this long before Entra ID says it expires, so no request leaves with a dying token. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/** The settings of the client secret. The connector does not know the org id, so the variable is named as a pattern. */
const SECRET_SETTING = "the org's graph.clientSecret (or the SYNCLINE_<ORG>_GRAPH_CLIENT_SECRET environment variable, which overrides it)";

/** Token endpoint error codes that no retry can fix: the app registration, its consent or the configuration must change. */
const SUSPEND_REASONS: Record<string, string> = {
  invalid_client: `the client id or client secret was rejected. Check ${SECRET_SETTING} and graph.clientId`,
  unauthorized_client: "the app is not registered or not enabled in this tenant; check the org's graph.clientId and graph.tenantId",
  invalid_grant: 'the tenant rejected the grant. An admin must grant the app consent again',
  consent_required: 'the app lacks admin consent; an admin must grant Calendars.ReadWrite application consent',
  interaction_required: 'the tenant requires an admin action before the app may sign in',
  invalid_scope: 'the tenant rejected the Graph scope. Check the app permissions',
};

/** Entra ID's numeric AADSTS codes (the `error_codes` field) that name exactly which setting is wrong. */
const AADSTS_REASONS: Record<number, string> = {
  7000215: `the client secret was rejected (AADSTS7000215). Check ${SECRET_SETTING}: it must hold the secret's value, not its id`,
  7000222: `the client secret has expired (AADSTS7000222). Create a new secret in the app registration and put it in ${SECRET_SETTING}`,
  700016: "the app was not found in the tenant (AADSTS700016). Check the org's graph.clientId and graph.tenantId",
  90002: "the tenant was not found (AADSTS90002). Check the org's graph.tenantId",
};

export interface TokenProviderOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

interface CachedToken {
  readonly value: string;
  readonly renewAt: number;
}

/** Client-credentials access tokens for Graph, cached until shortly before they expire. */
export class TokenProvider {
  private cached: CachedToken | null = null;
  private pending: Promise<string> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) {
      return this.cached.value;
    }

    // Concurrent requests share one token request instead of each asking Entra ID.
    this.pending ??= this.requestToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forget a token that Graph rejected, so the next `getToken` requests a new one. */
  invalidate(token: string): void {
    if (this.cached?.value === token) {
      this.cached = null;
    }
  }

  /** Forget the cached token whatever it is; used when a refusal cannot be tied to one token. */
  clear(): void {
    this.cached = null;
  }

  private async requestToken(): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.tryOnce();
      if (typeof outcome === 'string') {
        return outcome;
      }

      const decision = decideRetry({ failure: outcome, attempt, idempotent: true, notProcessed: false });
      if (!decision.retry) {
        throw new ConnectorError(outcome);
      }

      this.options.logger.warn({ waitMs: decision.waitMs, reason: decision.reason, attempt }, 'Graph token request will be retried');
      await this.options.sleep(decision.waitMs);
    }
  }

  private async tryOnce(): Promise<string | Failure> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      scope: GRAPH_SCOPE,
    });

    let response: Response;
    try {
      response = await this.options.fetch(this.options.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
      });
    } catch (error) {
      return networkFailure(error, { url: this.options.tokenUrl, service: 'the Microsoft Entra token endpoint', configKey: 'graph.authorityUrl' });
    }

    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (response.ok) {
      return this.store(body);
    }

    return tokenFailure(response.status, body, response.headers);
  }

  private store(body: Record<string, unknown> | null): string | Failure {
    const value = body?.access_token;
    if (typeof value !== 'string' || value === '') {
      return { kind: 'bug', code: 'TokenResponseInvalid', message: "the token endpoint response has no access_token. Check the org's graph.authorityUrl" };
    }

    const lifetimeMs = Number(body?.expires_in ?? 3600) * 1000;
    const margin = Math.min(RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 10);
    this.cached = { value, renewAt: this.now() + lifetimeMs - margin };
    return value;
  }
}

function tokenFailure(status: number, body: Record<string, unknown> | null, headers: Headers): Failure {
  const code = typeof body?.error === 'string' ? body.error : `HTTP${status}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
    const failure: Failure = { kind: 'retryLater', code, message: `the token endpoint returned ${status}, so the request is repeated` };
    return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
  }

  // Any other refusal from the token endpoint means the mailbox cannot sign in until someone fixes the setup.
  const reason =
    aadstsReason(body) ??
    SUSPEND_REASONS[code] ??
    `the token endpoint rejected the app (${status} ${code}). Check the org's graph.authorityUrl, graph.tenantId, graph.clientId and graph.clientSecret`;
  return { kind: 'suspend', code, message: `Graph sign-in failed: ${reason}` };
}

function aadstsReason(body: Record<string, unknown> | null): string | undefined {
  const codes = Array.isArray(body?.error_codes) ? body.error_codes : [];
  return codes.map((value) => (typeof value === 'number' ? AADSTS_REASONS[value] : undefined)).find((reason) => reason !== undefined);
}
