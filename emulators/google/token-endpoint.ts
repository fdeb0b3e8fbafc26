import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AccessTokens } from './access-tokens.ts';
import type { AuthorizationCode, OAuthClientRegistration } from './authorize-endpoint.ts';
import { newOpaqueToken } from './ids.ts';
import type { EmulatorState } from './state.ts';

/**
 * Google's OAuth 2.0 token endpoint (`POST /token`, form-encoded), for the three grants a server uses:
 * - the JWT bearer grant of a service account (RFC 7523), with `sub` naming the user when the account has
 *   domain-wide delegation. The assertion must be signed RS256 by the account's key and live at most one hour.
 * - the refresh token grant of an OAuth client, for a user who consented once.
 * - the authorization code grant, which redeems a code of the authorization endpoint once; with `access_type=offline`
 *   it also returns a refresh token.
 * Errors use Google's OAuth shape `{ error, error_description }`.
 */

export interface ServiceAccountRegistration {
  readonly clientEmail: string;
  /** PEM of the public half of the account's key. */
  readonly publicKeyPem: string;
  /** Numeric client id that an administrator authorizes for domain-wide delegation. */
  readonly clientId: string;
  /** Scopes the Workspace administrator granted to the client id; requests for others fail with unauthorized_client. */
  readonly delegatedScopes: readonly string[];
}

export type { OAuthClientRegistration } from './authorize-endpoint.ts';

export interface TokenEndpointDeps {
  readonly state: EmulatorState;
  readonly tokens: AccessTokens;
  readonly serviceAccounts: Map<string, ServiceAccountRegistration>;
  readonly oauthClients: Map<string, OAuthClientRegistration>;
  /** Codes the authorization endpoint granted and not yet redeemed. */
  readonly codes: Map<string, AuthorizationCode>;
  /** The absolute URL of this endpoint; an assertion's `aud` must be it or Google's own token URL. */
  readonly tokenUrl: () => string;
  readonly onChange: () => void;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const MAX_ASSERTION_SECONDS = 3600;

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

export function registerTokenEndpoint(app: FastifyInstance, deps: TokenEndpointDeps): void {
  app.post('/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    try {
      if (form.grant_type === JWT_BEARER) {
        return sendToken(reply, jwtGrant(deps, form.assertion ?? ''), deps);
      }
      if (form.grant_type === 'refresh_token') {
        return sendToken(reply, refreshGrant(deps, form), deps);
      }
      if (form.grant_type === 'authorization_code') {
        const issued = codeGrant(deps, form);
        return sendToken(reply, issued, deps, issued.offline ? issueRefreshToken(deps, issued.clientId, issued.email, issued.scopes) : undefined);
      }
      throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    } catch (error) {
      if (error instanceof OAuthError) {
        return reply.code(error.status).send({ error: error.error, error_description: error.message });
      }
      throw error;
    }
  });
}

interface Issued {
  readonly email: string;
  readonly scopes: string[];
  readonly clientId: string;
  readonly echoScope: boolean;
}

function sendToken(reply: FastifyReply, issued: Issued, deps: TokenEndpointDeps, refreshToken?: string) {
  const accessToken = deps.tokens.issue(issued.email, issued.scopes, issued.clientId);
  const body: Record<string, unknown> = { access_token: accessToken, expires_in: deps.tokens.lifetime, token_type: 'Bearer' };
  if (refreshToken !== undefined) {
    body.refresh_token = refreshToken;
  }
  if (issued.echoScope) {
    body.scope = issued.scopes.join(' ');
  }
  return reply.header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate').send(body);
}

function jwtGrant(deps: TokenEndpointDeps, assertion: string): Issued {
  const { header, claims, signed, signature } = splitJwt(assertion);
  if (header.alg !== 'RS256') {
    throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: only RS256 signatures are accepted.');
  }

  const account = deps.serviceAccounts.get(String(claims.iss ?? ''));
  if (!account) {
    throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
  }
  if (!verify('RSA-SHA256', Buffer.from(signed), publicKey(account), signature)) {
    throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  }
  checkTimes(claims);
  if (claims.aud !== GOOGLE_TOKEN_URL && claims.aud !== deps.tokenUrl()) {
    throw new OAuthError(400, 'invalid_grant', `Invalid JWT: aud must be ${GOOGLE_TOKEN_URL}.`);
  }

  const scopes = String(claims.scope ?? '').split(/\s+/).filter((scope) => scope !== '');
  if (scopes.length === 0) {
    throw new OAuthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  }
  const subject = typeof claims.sub === 'string' ? claims.sub.toLowerCase() : null;
  if (subject === null || !deps.state.users[subject]) {
    throw new OAuthError(400, 'invalid_grant', 'Invalid email or User ID');
  }
  if (!scopes.every((scope) => account.delegatedScopes.includes(scope))) {
    throw new OAuthError(
      401,
      'unauthorized_client',
      'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
    );
  }
  return { email: subject, scopes, clientId: account.clientId, echoScope: false };
}

function refreshGrant(deps: TokenEndpointDeps, form: Record<string, string | undefined>): Issued {
  const client = deps.oauthClients.get(form.client_id ?? '');
  if (!client || client.clientSecret !== form.client_secret) {
    throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
  }

  const grant = deps.state.refreshTokens[form.refresh_token ?? ''];
  if (!grant || grant.revoked || grant.clientId !== client.clientId || !deps.state.users[grant.email]) {
    throw new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.');
  }
  return { email: grant.email, scopes: [...grant.scopes], clientId: client.clientId, echoScope: true };
}

function codeGrant(deps: TokenEndpointDeps, form: Record<string, string | undefined>): Issued & { readonly offline: boolean } {
  const client = deps.oauthClients.get(form.client_id ?? '');
  if (!client || client.clientSecret !== form.client_secret) {
    throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
  }

  const entry = deps.codes.get(form.code ?? '');
  // A code works once: Google refuses a second redemption the same way as an unknown code.
  deps.codes.delete(form.code ?? '');
  if (!entry || entry.expiresAt <= Date.now() || entry.clientId !== client.clientId || !deps.state.users[entry.email]) {
    throw new OAuthError(400, 'invalid_grant', 'Malformed auth code.');
  }
  if (form.redirect_uri !== entry.redirectUri) {
    throw new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request');
  }
  if (entry.codeChallenge !== null && createHash('sha256').update(form.code_verifier ?? '').digest('base64url') !== entry.codeChallenge) {
    throw new OAuthError(400, 'invalid_grant', 'Invalid code verifier.');
  }
  return { email: entry.email, scopes: entry.scopes, clientId: client.clientId, echoScope: true, offline: entry.offline };
}

/** Record a user's consent to an OAuth client and return the refresh token that stands for it. */
export function issueRefreshToken(deps: Pick<TokenEndpointDeps, 'state' | 'onChange'>, clientId: string, email: string, scopes: string[]): string {
  const token = newOpaqueToken('1//');
  deps.state.refreshTokens[token] = { clientId, email: email.toLowerCase(), scopes, revoked: false };
  deps.onChange();
  return token;
}

function splitJwt(assertion: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signed: string; signature: Buffer } {
  const parts = assertion.split('.');
  if (parts.length !== 3) {
    throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: the assertion is not a signed JWT of three parts.');
  }

  try {
    const [header, claims, signature] = parts as [string, string, string];
    return {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
      claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
      signed: `${header}.${claims}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: the header or claims are not base64url JSON.');
  }
}

function checkTimes(claims: Record<string, unknown>): void {
  const now = Math.floor(Date.now() / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp <= now || iat > now + 300 || exp - iat > MAX_ASSERTION_SECONDS) {
    throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
  }
}

const keys = new WeakMap<ServiceAccountRegistration, KeyObject>();

function publicKey(account: ServiceAccountRegistration): KeyObject {
  const cached = keys.get(account);
  if (cached) {
    return cached;
  }
  const key = createPublicKey(account.publicKeyPem);
  keys.set(account, key);
  return key;
}
