import { checkAccessToken, type TokenIdentity } from './access-tokens.ts';
import type { AuthGrants } from './auth-grants.ts';
import type { UserRecord } from './event-record.ts';
import { GraphError } from './graph-error.ts';
import type { MailboxStore } from './mailbox-store.ts';

const CHALLENGE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export type Authentication = { readonly ok: true; readonly identity: TokenIdentity } | { readonly ok: false; readonly error: GraphError };

/**
 * Check the `Authorization: Bearer` header of a Graph call. A bad, expired or revoked token gets 401 with Graph's
 * code `InvalidAuthenticationToken` and the `WWW-Authenticate` challenge. A delegated token whose grant was revoked
 * fails here too, as Graph's continuous access evaluation ends such tokens before their expiry.
 */
export function authenticate(store: MailboxStore, grants: AuthGrants, header: string | undefined): Authentication {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const check = checkAccessToken(store.tokenSecret, match?.[1] ?? null, store.tokensNotBefore);
  if (!check.valid) {
    const messages = {
      empty: 'Access token is empty; send Authorization: Bearer <token> from the token endpoint.',
      malformed: 'Access token validation failure: the token was not issued by this tenant for Microsoft Graph.',
      expired: 'Lifetime validation failed, the token is expired; request a new token.',
    } as const;
    return { ok: false, error: unauthenticated(messages[check.reason]) };
  }

  if (check.identity.kind === 'user' && !grants.isActive(check.identity.grantId)) {
    return { ok: false, error: unauthenticated('The access token was revoked: the user or an administrator withdrew the grant it came from.') };
  }
  return { ok: true, identity: check.identity };
}

/**
 * May this token reach this mailbox? An app-only token needs the app's application permissions (absent once admin
 * consent was withdrawn); a delegated token reaches its own user's mailbox only. Graph rejects both with 403.
 */
export function authorizeMailbox(identity: TokenIdentity | undefined, user: UserRecord): GraphError | null {
  if (identity === undefined) {
    return null;
  }
  if (identity.kind === 'app' && identity.roles.length === 0) {
    return accessDenied();
  }
  if (identity.kind === 'user' && identity.userId !== user.id) {
    return accessDenied();
  }
  return null;
}

/** `/me/…` addresses the signed-in user; app-only tokens have none, which the router reports. */
export function resolveMe(path: string, identity: TokenIdentity | undefined): string {
  if (identity?.kind !== 'user' || !/^\/me(\/|$)/i.test(path)) {
    return path;
  }
  return `/users/${encodeURIComponent(identity.userId)}${path.slice(3)}`;
}

function unauthenticated(message: string): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': CHALLENGE });
}

function accessDenied(): GraphError {
  return new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}
