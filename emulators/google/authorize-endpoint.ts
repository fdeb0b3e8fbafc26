import type { FastifyInstance } from 'fastify';
import { newOpaqueToken } from './ids.ts';
import type { EmulatorState } from './state.ts';

/** An OAuth client the emulator's authorization and token endpoints accept. */
export interface OAuthClientRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The authorized redirect URIs; the authorization endpoint redirects only to one of them (exact match), as Google
   * does. A loopback URI (`127.0.0.1`, `[::1]`, `localhost`) matches on any port (RFC 8252 section 7.3), so a test
   * server on port 0 can register its callback before it listens. None registered: every redirect is refused.
   */
  readonly redirectUris?: readonly string[];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Return whether `uri` is one of the client's registered redirect URIs. */
export function isRegisteredRedirectUri(client: OAuthClientRegistration, uri: string): boolean {
  let requested: URL;
  try {
    requested = new URL(uri);
  } catch {
    return false;
  }
  return (client.redirectUris ?? []).some((registered) => {
    if (registered === uri) {
      return true;
    }
    const allowed = URL.canParse(registered) ? new URL(registered) : null;
    return allowed !== null
      && LOOPBACK_HOSTS.has(allowed.hostname)
      && allowed.hostname === requested.hostname
      && allowed.protocol === requested.protocol
      && allowed.pathname === requested.pathname
      && allowed.search === requested.search;
  });
}

/**
 * Google's OAuth 2.0 authorization endpoint for web server apps (`GET /o/oauth2/v2/auth`), without a login page:
 * the account that "signs in" is the `login_hint` when it names a known user, else the user set with
 * `POST /_admin/authorize-as`. The endpoint then redirects to `redirect_uri` with `code`, `state` and `scope`, as
 * Google does after consent. Errors that Google shows on its own page (unknown client, missing or unregistered redirect URI) are a
 * 400 text page. The others go back to the redirect URI as `error=…`. Codes are single use and live 10 minutes.
 */

export interface AuthorizationCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly email: string;
  readonly scopes: string[];
  /** `access_type=offline`: the code's exchange also returns a refresh token. */
  readonly offline: boolean;
  readonly codeChallenge: string | null;
  readonly expiresAt: number;
}

export interface AuthorizeDeps {
  readonly state: EmulatorState;
  readonly oauthClients: Map<string, OAuthClientRegistration>;
  readonly codes: Map<string, AuthorizationCode>;
  /** The user who signs in when the request has no `login_hint` of a known user; null: none. */
  readonly signedInUser: () => string | null;
}

const CODE_LIFETIME_MS = 10 * 60_000;

export const AUTHORIZE_PATH = '/o/oauth2/v2/auth';

export function registerAuthorizeEndpoint(app: FastifyInstance, deps: AuthorizeDeps): void {
  app.get<{ Querystring: Record<string, string | undefined> }>(AUTHORIZE_PATH, async (request, reply) => {
    const query = request.query;
    const page = (text: string) => reply.code(400).type('text/plain; charset=utf-8').send(`Error 400: ${text}`);
    const client = deps.oauthClients.get(query.client_id ?? '');
    if (client === undefined) {
      return page('invalid_client. The OAuth client was not found.');
    }
    if (query.redirect_uri === undefined || !/^https?:\/\//.test(query.redirect_uri)) {
      return page('invalid_request. Missing required parameter: redirect_uri');
    }
    if (!isRegisteredRedirectUri(client, query.redirect_uri)) {
      return page(`redirect_uri_mismatch. The redirect URI in the request, ${query.redirect_uri}, does not match the ones authorized for the OAuth client.`);
    }

    const back = new URL(query.redirect_uri);
    const redirectWith = (parameters: Record<string, string>) => {
      for (const [name, value] of Object.entries(parameters)) back.searchParams.set(name, value);
      if (query.state !== undefined) back.searchParams.set('state', query.state);
      return reply.redirect(back.toString(), 302);
    };
    if (query.response_type !== 'code') {
      return redirectWith({ error: 'unsupported_response_type' });
    }
    const scopes = (query.scope ?? '').split(/\s+/).filter((scope) => scope !== '');
    if (scopes.length === 0) {
      return redirectWith({ error: 'invalid_scope' });
    }
    const hinted = query.login_hint?.toLowerCase();
    const email = hinted !== undefined && deps.state.users[hinted] !== undefined ? hinted : deps.signedInUser();
    if (email === null || deps.state.users[email] === undefined) {
      return redirectWith({ error: 'access_denied' });
    }

    const now = Date.now();
    for (const [code, entry] of deps.codes) {
      if (entry.expiresAt <= now) deps.codes.delete(code);
    }
    const code = newOpaqueToken('4/');
    deps.codes.set(code, {
      clientId: client.clientId,
      redirectUri: query.redirect_uri,
      email,
      scopes,
      offline: query.access_type === 'offline',
      codeChallenge: query.code_challenge ?? null,
      expiresAt: now + CODE_LIFETIME_MS,
    });
    return redirectWith({ code, scope: scopes.join(' ') });
  });
}
