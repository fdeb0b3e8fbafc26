import { checkAccessToken } from './access-tokens.ts';
import { GraphError } from './graph-error.ts';
import type { MailboxStore } from './mailbox-store.ts';

const CHALLENGE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/**
 * Check the `Authorization: Bearer` header of a Graph call. Returns the 401 to send, with Graph's code
 * `InvalidAuthenticationToken` and the `WWW-Authenticate` challenge, or null when the token is good.
 */
export function authenticate(store: MailboxStore, header: string | undefined): GraphError | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const check = checkAccessToken(store.tokenSecret, match?.[1] ?? null, store.tokensNotBefore);
  if (check.valid) {
    return null;
  }

  const messages = {
    empty: 'Access token is empty; send Authorization: Bearer <token> from the token endpoint.',
    malformed: 'Access token validation failure: the token was not issued by this tenant for Microsoft Graph.',
    expired: 'Lifetime validation failed, the token is expired; request a new token.',
  } as const;
  return new GraphError(401, 'InvalidAuthenticationToken', messages[check.reason], { 'WWW-Authenticate': CHALLENGE });
}
