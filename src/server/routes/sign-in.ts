import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signInWithPassword } from '../../auth/password-sign-in.ts';
import { MAX_PASSWORD_LENGTH } from '../../auth/passwords.ts';
import { csrfTokenFor, type Caller, type OpenedSession, type SignInSessions } from '../../auth/sign-in-sessions.ts';
import type { SignInThrottle } from '../../auth/sign-in-throttle.ts';
import type { SignInMethod, UserRecord, UserStore } from '../../domain/users.ts';
import type { Logger } from '../../observability/logger.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { userSchema } from '../api-schemas.ts';
import { requireCaller } from '../authentication.ts';
import { clearCookie, readCookie, setCookie, type CookiePolicy } from '../session-cookie.ts';
import { API_BODY_LIMIT_BYTES } from './limits.ts';

export interface SignInRouteOptions {
  readonly users: UserStore;
  readonly sessions: SignInSessions;
  readonly throttle: SignInThrottle;
  readonly cookies: CookiePolicy;
  /** The org's display name, for GET /me. */
  readonly orgName: (orgId: string) => string;
  readonly logger: Logger;
}

const tags = ['sign-in'];

export const signedInSchema = z
  .object({
    user: userSchema,
    org: z.object({ id: z.string(), name: z.string() }),
    session: z.object({ method: z.enum(['password', 'oidc']), expiresAt: z.string() }),
    csrfToken: z.string().describe('Send it in the x-csrf-token header of every POST, PUT, PATCH and DELETE'),
  })
  .meta({ id: 'SignedIn' });

/** Password sign-in, sign-out and `GET /api/v1/me`. */
export function registerSignInRoutes(app: FastifyInstance, options: SignInRouteOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const logger = options.logger.child({ component: 'sign-in' });

  routes.post('/api/v1/auth/sign-in', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign in with email and password; sets the session cookie',
      body: z.strictObject({
        email: z.email({ error: 'expected an email address' }).max(320, { error: 'expected an email address of at most 320 characters' }),
        password: z.string({ error: 'expected the password as a string' }).min(1, { error: 'expected the password' }).max(MAX_PASSWORD_LENGTH, { error: `expected at most ${MAX_PASSWORD_LENGTH} characters` }),
        org: z.string({ error: 'expected an org id' }).regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "expected an org id such as 'acme'" }).optional().describe('Needed only when the address has accounts in several orgs'),
      }),
      response: { 200: signedInSchema, 400: errorBodySchema, 401: errorBodySchema, 429: errorBodySchema },
    },
  }, async (request, reply) => {
    const { email, password, org } = request.body;
    const result = await signInWithPassword(options.users, options.throttle, { email, password, ...(org === undefined ? {} : { orgId: org }) });

    if (result.outcome === 'throttled') {
      logger.warn({ retryAfterSeconds: result.retryAfterSeconds }, 'Password sign-in throttled after repeated failures for one address');
      throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins for this address; try again in ${result.retryAfterSeconds} seconds`, undefined, { 'retry-after': String(result.retryAfterSeconds) });
    }
    if (result.outcome === 'rejected') {
      logger.info('Password sign-in rejected');
      throw new ApiError(401, 'invalid_credentials', 'the email address or the password is wrong');
    }
    if (result.outcome === 'orgRequired') {
      throw new ApiError(400, 'org_required', `this address and password belong to accounts in several orgs (${result.orgIds.join(', ')}); name one in org`, 'org');
    }

    const opened = await replaceSession(request, reply, options, result.user, 'password');
    logger.info({ userId: result.user.id, org: result.user.orgId }, 'Signed in with a password');
    return reply.code(200).send(describeSignedIn(opened.caller, opened.csrfToken, options));
  });

  routes.post('/api/v1/auth/sign-out', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    schema: { tags, summary: 'End the session; its cookie signs nobody in afterwards', response: { 204: z.null().describe('Signed out'), 401: errorBodySchema, 403: errorBodySchema } },
  }, async (request, reply) => {
    const caller = requireCaller(request);
    await revokeCurrent(request, options);
    clearCookie(reply, options.cookies, options.cookies.sessionCookie);
    logger.info({ userId: caller.userId }, 'Signed out');
    return reply.code(204).send(null);
  });

  routes.get('/api/v1/me', {
    schema: { tags, summary: 'The signed-in user, the org, the session and its CSRF token', response: { 200: signedInSchema, 401: errorBodySchema } },
  }, async (request) => {
    const caller = requireCaller(request);
    const token = readCookie(request, options.cookies.sessionCookie) ?? '';
    return describeSignedIn(caller, csrfTokenFor(token), options);
  });
}

/** Revoke the browser's earlier session, so a sign-in replaces it instead of leaving it alive beside the new one. */
async function revokeCurrent(request: FastifyRequest, options: Pick<SignInRouteOptions, 'sessions' | 'cookies'>): Promise<void> {
  const token = readCookie(request, options.cookies.sessionCookie);
  if (token !== null) {
    await options.sessions.revoke(token);
  }
}

/**
 * Open a session for the user and set its cookie, which lives as long as the session. The browser's earlier session
 * is revoked first. Password and OIDC sign-in both end here.
 */
export async function replaceSession(
  request: FastifyRequest,
  reply: FastifyReply,
  options: Pick<SignInRouteOptions, 'sessions' | 'cookies'>,
  user: UserRecord,
  method: SignInMethod,
): Promise<OpenedSession> {
  await revokeCurrent(request, options);
  const opened = await options.sessions.open(user, method);
  const maxAgeSeconds = Math.max(0, Math.floor((Date.parse(opened.caller.expiresAt) - Date.now()) / 1000));
  setCookie(reply, options.cookies, options.cookies.sessionCookie, opened.token, maxAgeSeconds);
  return opened;
}

function describeSignedIn(caller: Caller, csrfToken: string, options: Pick<SignInRouteOptions, 'orgName'>): z.infer<typeof signedInSchema> {
  return {
    user: { id: caller.userId, orgId: caller.orgId, email: caller.email, role: caller.role },
    org: { id: caller.orgId, name: options.orgName(caller.orgId) },
    session: { method: caller.method, expiresAt: caller.expiresAt },
    csrfToken,
  };
}
