import type { FastifyInstance, FastifyReply } from 'fastify';
import { findClient, type ClientRegistration } from './app-registrations.ts';
import type { AuthGrants } from './auth-grants.ts';
import type { MailboxStore } from './mailbox-store.ts';

export interface AuthorizeEndpointOptions {
  readonly clients: readonly ClientRegistration[] | null;
  readonly store: MailboxStore;
  readonly grants: AuthGrants;
  /** Users whose next sign-in declines the consent prompt (AADSTS65004), by user id; each entry is used once. */
  readonly decliners: Set<string>;
}

type AuthorizeQuery = Record<string, string | undefined>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The v2.0 authorization endpoint (`GET /{tenant}/oauth2/v2.0/authorize`) for the authorization code flow, with
 * no sign-in page: the sandbox signs in the user named by `login_hint` (or the only user) and consents to the
 * requested scopes at once, then redirects to `redirect_uri` with `code` and `state` in the query. As Entra ID
 * does, an unknown app or an unregistered redirect URI gets an error page and no redirect, because the redirect
 * URI cannot be trusted; other errors go back to the redirect URI as `error` and `error_description`.
 */
export function registerAuthorizeEndpoint(app: FastifyInstance, options: AuthorizeEndpointOptions): void {
  app.get<{ Params: { tenant: string }; Querystring: AuthorizeQuery }>('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const query = request.query;
    const clientId = query.client_id ?? '';
    const client = findClient(options.clients, request.params.tenant, clientId);
    if (clientId === '' || (client !== null && 'error' in client)) {
      const failure = client !== null && 'error' in client ? client : { code: 900144, description: "The request body must contain the parameter 'client_id'." };
      return errorPage(reply, failure.code, failure.description);
    }

    const redirectUri = query.redirect_uri ?? '';
    if (!acceptedRedirect(client, redirectUri)) {
      return errorPage(reply, 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`);
    }

    const back = (params: Record<string, string>) => redirect(reply, redirectUri, { ...params, ...(query.state === undefined ? {} : { state: query.state }) });
    if (query.response_type !== 'code') {
      return back({ error: 'unsupported_response_type', error_description: "AADSTS700054: response_type must be 'code' for the authorization code flow." });
    }

    const scopes = (query.scope ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) {
      return back({ error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the parameter 'scope'." });
    }

    const method = query.code_challenge_method ?? (query.code_challenge === undefined ? undefined : 'plain');
    if (method !== undefined && method !== 'S256') {
      return back({ error: 'invalid_request', error_description: "AADSTS501491: Invalid code_challenge_method; use 'S256'." });
    }

    const user = signedInUser(options.store, query.login_hint);
    if (user === null) {
      return errorPage(reply, 50034, `The user account '${query.login_hint ?? ''}' does not exist in this directory; name a known user in login_hint.`);
    }
    if (options.decliners.delete(user.id)) {
      return back({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' });
    }

    const code = options.grants.issueCode(clientId, user.id, scopes, redirectUri, query.code_challenge ?? null);
    return back({ code, session_state: user.id });
  });
}

function acceptedRedirect(client: ClientRegistration | null, redirectUri: string): boolean {
  if (client?.redirectUris !== undefined) {
    return client.redirectUris.includes(redirectUri);
  }

  try {
    const url = new URL(redirectUri);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname.toLowerCase()));
  } catch {
    return false;
  }
}

function signedInUser(store: MailboxStore, loginHint: string | undefined): { id: string } | null {
  if (loginHint !== undefined && loginHint !== '') {
    return store.findUser(loginHint);
  }
  const users = store.allUsers();
  return users.length === 1 ? (users[0] ?? null) : null;
}

function redirect(reply: FastifyReply, redirectUri: string, params: Record<string, string>): FastifyReply {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    target.searchParams.set(name, value);
  }
  return reply.code(302).header('location', target.toString()).send();
}

function errorPage(reply: FastifyReply, code: number, description: string): FastifyReply {
  const text = `AADSTS${code}: ${description}`.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  return reply.code(400).type('text/html; charset=utf-8').send(`<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>${text}</p></body></html>`);
}
