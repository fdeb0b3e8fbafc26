import type { FastifyReply } from 'fastify';
import type { SynclineConfig } from '../../config/resolved-config.ts';
import { createDelegatedSignIn, type DelegatedSignIn, type SignInMailbox } from '../../mailbox/graph/auth/delegated-sign-in.ts';
import type { RefreshTokenStore } from '../../mailbox/graph/auth/refresh-token-store.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ServerRoutes } from '../create-server.ts';

/**
 * Where a mailbox owner gives Syncline delegated access: `GET /auth/graph/sign-in/{mailboxId}` sends the browser to
 * Microsoft's sign-in, and Entra ID sends it back to `GET /auth/graph/callback`, the redirect URI to register in the
 * app registration. The pages are plain text that states what happened and what to do.
 */
export const GRAPH_SIGN_IN_PATH = '/auth/graph/sign-in';
export const GRAPH_CALLBACK_PATH = '/auth/graph/callback';

export function graphSignInRoutes(signIn: DelegatedSignIn): ServerRoutes {
  return (app) => {
    app.get<{ Params: { mailboxId: string } }>(`${GRAPH_SIGN_IN_PATH}/:mailboxId`, async (request, reply) => {
      const url = signIn.start(request.params.mailboxId);
      if (url === null) {
        return reply.code(404).type('text/plain; charset=utf-8').send('No mailbox with this id uses delegated Office 365 access; check the link.');
      }
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    });

    app.get<{ Querystring: Record<string, string | undefined> }>(GRAPH_CALLBACK_PATH, async (request, reply) => {
      return replyWithSignInOutcome(reply, await signIn.complete(request.query));
    });
  };
}

/** Send the page that ends a sign-in: a confirmation, or the failure's status and message. Never cached. */
export function replyWithSignInOutcome(reply: FastifyReply, outcome: { readonly ok: true } | { readonly ok: false; readonly status: number; readonly message: string }): FastifyReply {
  const text = outcome.ok ? 'Signed in. Syncline now syncs this mailbox; you can close this page.' : outcome.message;
  return reply
    .code(outcome.ok ? 200 : outcome.status)
    .header('cache-control', 'no-store')
    .type('text/plain; charset=utf-8')
    .send(text);
}

/** Return the URL of the page a mailbox owner opens to sign in, under the server's base URL. */
export function signInUrlOf(baseUrl: string, mailboxId: string): string {
  return `${baseUrl}${GRAPH_SIGN_IN_PATH}/${encodeURIComponent(mailboxId)}`;
}

export interface ConfiguredSignInDeps {
  readonly refreshTokens: RefreshTokenStore;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** The server's base URL (`server.publicUrl`, else where it listens), read once the server listens. */
  readonly baseUrl: () => string;
  readonly onSignedIn?: (mailboxId: string) => void;
}

/** Build the sign-in of the configured mailboxes with delegated access; null when no mailbox uses it. */
export function configuredSignIn(config: SynclineConfig, deps: ConfiguredSignInDeps): DelegatedSignIn | null {
  const mailboxes = new Map<string, SignInMailbox>();
  for (const org of config.orgs) {
    const graph = org.graph;
    if (graph === undefined) {
      continue;
    }
    for (const mailbox of org.mailboxes.filter((candidate) => (candidate.kind ?? 'graph') === 'graph' && candidate.graphAuth === 'delegated')) {
      mailboxes.set(mailbox.id, {
        id: mailbox.id,
        address: mailbox.address,
        authorizeUrl: graph.authorizeUrl ?? graph.tokenUrl.replace(/\/token$/, '/authorize'),
        tokenUrl: graph.tokenUrl,
        graphBaseUrl: graph.graphBaseUrl,
        clientId: graph.clientId,
        clientSecret: graph.clientSecret,
        ...(graph.redirectUri === undefined ? {} : { redirectUri: graph.redirectUri }),
      });
    }
  }
  if (mailboxes.size === 0) {
    return null;
  }

  return createDelegatedSignIn({
    findMailbox: (mailboxId) => mailboxes.get(mailboxId) ?? null,
    redirectUri: (mailbox) => mailbox.redirectUri ?? `${deps.baseUrl()}${GRAPH_CALLBACK_PATH}`,
    refreshTokens: deps.refreshTokens,
    logger: deps.logger,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.onSignedIn === undefined ? {} : { onSignedIn: deps.onSignedIn }),
  });
}
