import { ConnectorError, type Failure } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { TokenCache } from '../../graph/auth/token-cache.ts';
import { networkFailure } from '../../graph/network-failure.ts';
import { decideRetry } from '../../graph/retry-policy.ts';
import type { EwsAuth, EwsOAuthAuth } from '../ews-options.ts';
import { createNtlmTransport, type NtlmTransport } from './ntlm-transport.ts';
import { accountKeyOf } from './rejected-accounts.ts';

/** Builds the Authorization header of every EWS request, and drops a bearer token the server rejected. */
export interface EwsCredentials {
  readonly kind: EwsAuth['kind'];
  /** The header of the next request; empty when the transport authenticates the connection itself (NTLM). */
  authorization(): Promise<string>;
  /** Forget the header's token after a 401, so the next `authorization` asks for a new one. Basic has nothing to forget. */
  invalidate(header: string): void;
  /** NTLM only: the transport that logs its connections on, used in place of fetch for EWS requests. */
  readonly transport?: NtlmTransport;
  /** The environment variable that holds the password, e.g. SYNCLINE_ACME_EWS_PASSWORD, named when a logon is rejected. */
  readonly passwordVariable?: string;
  /** Basic and NTLM: the key of the service account's password, under which a rejection is remembered. */
  readonly accountKey?: string;
}

interface CredentialOptions {
  readonly ewsUrl: string;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly passwordVariable?: string;
}

export function createEwsCredentials(auth: EwsAuth, options: CredentialOptions): EwsCredentials {
  if (auth.kind === 'basic') {
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    return { kind: 'basic', authorization: () => Promise.resolve(header), invalidate: () => undefined, accountKey: accountKeyOf(options.ewsUrl, auth), ...passwordVariableOf(options) };
  }
  if (auth.kind === 'ntlm') {
    const transport = createNtlmTransport(auth, { ewsUrl: options.ewsUrl, logger: options.logger });
    return { kind: 'ntlm', authorization: () => Promise.resolve(''), invalidate: () => undefined, transport, accountKey: accountKeyOf(options.ewsUrl, auth), ...passwordVariableOf(options) };
  }

  const cache = new TokenCache();
  const scope = auth.scope ?? `${new URL(options.ewsUrl).origin}/.default`;
  return {
    kind: 'oauth',
    authorization: async () => `Bearer ${await cache.get(() => requestClientCredentialsToken(auth, scope, options))}`,
    invalidate: (header) => cache.invalidate(header.replace(/^Bearer /, '')),
  };
}

function passwordVariableOf(options: CredentialOptions): { passwordVariable?: string } {
  return options.passwordVariable === undefined ? {} : { passwordVariable: options.passwordVariable };
}

async function requestClientCredentialsToken(auth: EwsOAuthAuth, scope: string, options: CredentialOptions): Promise<{ accessToken: string; expiresInSeconds: number }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret, scope });
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await postTokenRequest(auth.tokenUrl, form, options.fetch);
    if (!('kind' in outcome)) {
      return outcome;
    }

    const decision = decideRetry({ failure: outcome, attempt, idempotent: true, notProcessed: false });
    if (!decision.retry) {
      throw new ConnectorError(outcome);
    }
    options.logger.warn({ waitMs: decision.waitMs, reason: decision.reason, attempt }, 'EWS token request will be retried');
    await options.sleep(decision.waitMs);
  }
}

async function postTokenRequest(tokenUrl: string, form: URLSearchParams, fetchFn: typeof fetch): Promise<{ accessToken: string; expiresInSeconds: number } | Failure> {
  let response: Response;
  try {
    response = await fetchFn(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: form.toString() });
  } catch (error) {
    return networkFailure(error, { url: tokenUrl, service: 'the OAuth token endpoint', configKey: 'ews.auth.tokenUrl' });
  }

  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok) {
    return tokenFailure(response.status, typeof body?.error === 'string' ? body.error : null);
  }

  const accessToken = body?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    return { kind: 'bug', code: 'TokenResponseInvalid', message: 'the token endpoint answered without an access_token; check ews.auth.tokenUrl' };
  }
  return { accessToken, expiresInSeconds: Number(body?.expires_in ?? 3600) };
}

/** OAuth 2.0 error codes (RFC 6749 section 5.2): a rejected client or grant needs an administrator, anything 5xx clears. */
function tokenFailure(status: number, error: string | null): Failure {
  const code = error ?? `HTTP${status}`;
  if (status === 429 || status >= 500) {
    return { kind: 'retryLater', code, message: `the token endpoint returned ${status} ${code}, so the token is requested again later` };
  }
  if (error === 'invalid_client' || error === 'unauthorized_client' || error === 'invalid_grant' || error === 'invalid_scope' || status === 401 || status === 403) {
    return {
      kind: 'suspend',
      code,
      message: `the token endpoint rejected the EWS app (${status} ${code}); check ews.auth.clientId, the client secret, ews.auth.scope and the app's consent`,
    };
  }
  return { kind: 'bug', code, message: `the token endpoint rejected the token request with ${status} ${code}; check ews.auth.tokenUrl` };
}
