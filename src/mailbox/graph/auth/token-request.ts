import { ConnectorError, type Failure } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { networkFailure } from '../network-failure.ts';
import { decideRetry } from '../retry-policy.ts';
import { classifyTokenError, type TokenErrorContext } from './classify-token-error.ts';

/** Fields of a successful token endpoint response that Syncline reads. */
export interface TokenResponse {
  readonly accessToken: string;
  /** Seconds until the access token expires. */
  readonly expiresInSeconds: number;
  /** Present for delegated grants that asked for `offline_access`; Entra ID sends a new one on every use. */
  readonly refreshToken: string | null;
}

export interface TokenRequestOptions {
  readonly tokenUrl: string;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * POST a form to the v2.0 token endpoint, repeating temporary failures (429, 5xx, network) with the backoff table.
 * Throws a ConnectorError with the classified failure otherwise.
 */
export async function requestToken(options: TokenRequestOptions, form: URLSearchParams, context: TokenErrorContext): Promise<TokenResponse> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await postOnce(options, form, context);
    if (!('kind' in outcome)) {
      return outcome;
    }

    const decision = decideRetry({ failure: outcome, attempt, idempotent: true, notProcessed: false });
    if (!decision.retry) {
      throw new ConnectorError(outcome);
    }

    options.logger.warn({ waitMs: decision.waitMs, reason: decision.reason, attempt, grant: context.grant }, 'Graph token request will be retried');
    await options.sleep(decision.waitMs);
  }
}

async function postOnce(options: TokenRequestOptions, form: URLSearchParams, context: TokenErrorContext): Promise<TokenResponse | Failure> {
  let response: Response;
  try {
    response = await options.fetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
    });
  } catch (error) {
    return networkFailure(error, { url: options.tokenUrl, service: 'the Microsoft Entra token endpoint', configKey: 'graph.authorityUrl' });
  }

  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok) {
    return classifyTokenError(response.status, body, response.headers, context);
  }

  const accessToken = body?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    return { kind: 'bug', code: 'TokenResponseInvalid', message: "the token endpoint response has no access_token. Check the org's graph.authorityUrl" };
  }

  const refreshToken = typeof body?.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : null;
  return { accessToken, expiresInSeconds: Number(body?.expires_in ?? 3600), refreshToken };
}
