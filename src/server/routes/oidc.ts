import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OidcSignInError, type OidcSignIn, type PendingOidcSignIn } from '../../auth/oidc-sign-in.ts';
import type { SignInSessions } from '../../auth/sign-in-sessions.ts';
import type { UserStore } from '../../domain/users.ts';
import type { Logger } from '../../observability/logger.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { clearCookie, readCookie, setCookie, type CookiePolicy } from '../session-cookie.ts';
import { replaceSession } from './sign-in.ts';

export interface OidcRouteOptions {
  readonly oidc: OidcSignIn;
  readonly users: UserStore;
  readonly sessions: SignInSessions;
  readonly cookies: CookiePolicy;
  /** Base URL browsers reach this server at, without a trailing slash; the provider redirects back under it. */
  readonly baseUrl: (request: FastifyRequest) => string;
  readonly logger: Logger;
}

export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';
/** Long enough to type a password and pass a second factor at the provider. */
const PENDING_MAX_AGE_SECONDS = 600;
const tags = ['sign-in'];

const pendingSchema = z.strictObject({
  orgId: z.string().max(40),
  state: z.string().max(200),
  nonce: z.string().max(200),
  codeVerifier: z.string().max(200),
  // Checked again here, because another site on a plain-HTTP loopback host can plant this cookie: browsers do not
  // separate cookies by port.
  returnTo: z.string().max(2000).refine(isLocalPath),
});

/**
 * Register the two OIDC sign-in routes. `GET /api/v1/auth/oidc/{org}/start` redirects to the org's provider, which
 * redirects the browser back to the callback. The callback checks state, nonce and PKCE, finds the org's user with
 * the ID token's email, opens a session and redirects to `returnTo`. Both are plain browser navigations, so they
 * need no CSRF token, because the state check rejects a callback that this browser did not start.
 */
export function registerOidcRoutes(app: FastifyInstance, options: OidcRouteOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const logger = options.logger.child({ component: 'oidc-sign-in' });

  routes.get('/api/v1/auth/oidc/:org/start', {
    config: { public: true },
    schema: {
      tags,
      summary: "Start signing in through the org's OIDC provider (redirects there)",
      params: z.strictObject({ org: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "expected an org id such as 'acme'" }) }),
      querystring: z.strictObject({
        returnTo: z
          .string()
          .max(2000, { error: 'expected a path of at most 2000 characters' })
          .refine(isLocalPath, { error: 'expected a path on this server starting with a single /, such as /dashboard' })
          .default('/'),
      }),
      response: { 302: z.null().describe('Redirect to the provider'), 404: errorBodySchema, 502: errorBodySchema },
    },
  }, async (request, reply) => {
    const { url, pending } = await run(() => options.oidc.start(request.params.org, callbackUrl(options, request), request.query.returnTo));
    setCookie(reply, options.cookies, options.cookies.oidcCookie, Buffer.from(JSON.stringify(pending), 'utf8').toString('base64url'), PENDING_MAX_AGE_SECONDS);
    return reply.redirect(url, 302);
  });

  routes.get(OIDC_CALLBACK_PATH, {
    config: { public: true },
    schema: {
      tags,
      summary: 'Where the OIDC provider sends the browser back; opens the session and redirects to returnTo',
      querystring: z.record(z.string(), z.string().max(4096)),
      response: { 303: z.null().describe('Signed in; redirect to returnTo'), 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
    },
  }, async (request, reply) => {
    const pending = readPending(request, options.cookies);
    clearCookie(reply, options.cookies, options.cookies.oidcCookie);

    const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const identity = await run(() => options.oidc.finish(pending, new URL(`${callbackUrl(options, request)}${rawQuery}`)));
    const user = (await options.users.findUsersByEmail(identity.email)).find((candidate) => candidate.orgId === identity.orgId);
    if (user === undefined) {
      logger.info({ org: identity.orgId }, 'OIDC sign-in of an address with no Syncline user in the org');
      throw new ApiError(403, 'no_account', `the provider signed you in, but org '${identity.orgId}' has no Syncline user with your address; ask an admin to run \`syncline users add\``);
    }

    await replaceSession(request, reply, options, user, 'oidc');
    logger.info({ userId: user.id, org: user.orgId }, 'Signed in through OIDC');
    return reply.redirect(pending.returnTo, 303);
  });
}

function callbackUrl(options: OidcRouteOptions, request: FastifyRequest): string {
  return `${options.baseUrl(request)}${OIDC_CALLBACK_PATH}`;
}

function readPending(request: FastifyRequest, cookies: CookiePolicy): PendingOidcSignIn {
  const value = readCookie(request, cookies.oidcCookie);
  if (value === null) {
    throw new ApiError(400, 'oidc_not_started', 'no OIDC sign-in is in progress in this browser (or it took longer than 10 minutes); start it again');
  }

  try {
    return pendingSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    throw new ApiError(400, 'oidc_not_started', 'the OIDC sign-in cookie is damaged; start the sign-in again');
  }
}

/** Check that a value is a path on this server, never `//host` or a full URL, so the redirect after sign-in stays on the site. */
function isLocalPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') && !/[\r\n]/.test(value);
}

async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof OidcSignInError) {
      throw new ApiError(error.status, error.code, error.message);
    }
    throw error;
  }
}
