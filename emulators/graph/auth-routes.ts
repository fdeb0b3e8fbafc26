import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ClientRegistration } from './app-registrations.ts';
import type { AuthGrants } from './auth-grants.ts';
import { registerAuthorizeEndpoint } from './authorize-endpoint.ts';
import { GraphError } from './graph-error.ts';
import type { MailboxStore } from './mailbox-store.ts';
import type { RequestStats } from './request-stats.ts';
import { registerTokenEndpoint } from './token-endpoint.ts';

export interface AuthRoutesOptions {
  readonly clients: readonly ClientRegistration[] | null;
  readonly lifetimeSeconds: number;
  readonly store: MailboxStore;
  readonly stats: RequestStats;
  readonly grants: AuthGrants;
}

const userBody = z.object({ user: z.string().min(1), clientId: z.string().min(1).optional() });
const appBody = z.object({ clientId: z.string().min(1) });

/**
 * The identity platform's endpoints (authorize and token) and the admin API that changes consents behind the
 * app's back: `POST /_admin/auth/…`, loopback only like the rest of `/_admin`.
 *
 * - `revoke-consent` `{ user, clientId? }`: the user withdraws consent (to one app or all); refresh tokens get
 *   AADSTS65001 and the grant's access tokens stop working.
 * - `revoke-sessions` `{ user }`: an administrator revokes the user's sessions; refresh tokens get AADSTS50173.
 * - `decline-consent` `{ user }`: the user's next sign-in declines the consent prompt (AADSTS65004).
 * - `revoke-app-consent` / `grant-app-consent` `{ clientId }`: withdraw or restore the administrator's consent to the
 *   app's application permissions; app-only tokens then carry none, and Graph rejects them with 403 ErrorAccessDenied.
 * - `expire-refresh-tokens`: every refresh token issued so far gets AADSTS70008.
 */
export function registerAuthRoutes(app: FastifyInstance, options: AuthRoutesOptions): void {
  const { grants, store } = options;
  const decliners = new Set<string>();
  registerTokenEndpoint(app, options);
  registerAuthorizeEndpoint(app, { clients: options.clients, store, grants, decliners });

  const userIdOf = (body: unknown): { userId: string; clientId: string | null } => {
    const parsed = parse(userBody, body);
    const user = store.findUser(parsed.user);
    if (!user) {
      throw new GraphError(404, 'ErrorInvalidUser', `No user '${parsed.user}'; add it with POST /_admin/users or the 'users' option.`);
    }
    return { userId: user.id, clientId: parsed.clientId ?? null };
  };

  app.post('/_admin/auth/revoke-consent', async (request) => {
    const { userId, clientId } = userIdOf(request.body);
    return { revoked: grants.revokeConsent(userId, clientId) };
  });
  app.post('/_admin/auth/revoke-sessions', async (request) => ({ revoked: grants.revokeSessions(userIdOf(request.body).userId) }));
  app.post('/_admin/auth/decline-consent', async (request) => {
    decliners.add(userIdOf(request.body).userId);
    return { declining: decliners.size };
  });
  app.post('/_admin/auth/revoke-app-consent', async (request) => {
    grants.setApplicationConsent(parse(appBody, request.body).clientId, false);
    return { consent: false };
  });
  app.post('/_admin/auth/grant-app-consent', async (request) => {
    grants.setApplicationConsent(parse(appBody, request.body).clientId, true);
    return { consent: true };
  });
  app.post('/_admin/auth/expire-refresh-tokens', async () => {
    grants.refreshTokensNotBefore = Date.now();
    return { expired: true };
  });
}

// The server keeps JSON bodies as text so Graph routes can report malformed JSON in Graph's shape.
function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      throw new GraphError(400, 'BadRequest', 'The admin request body is not valid JSON.');
    }
  }

  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
    throw new GraphError(400, 'BadRequest', `Invalid admin request body: ${issues}`);
  }
  return result.data;
}
