import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csrfTokenMatches, type Caller, type SignInSessions } from '../auth/sign-in-sessions.ts';
import { ApiError } from './api-errors.ts';
import { readCookie, type CookiePolicy } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in caller of an `/api/` request; null on public routes and outside `/api/`. */
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** An `/api/` route anyone may call without signing in (sign-in itself, the OIDC redirects). */
    public?: boolean;
  }
}

export const API_PREFIX = '/api/';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Guard every route under `/api/`, including routes that other modules register. A body must be JSON (415
 * otherwise), the caller must have a live sign-in session (401 otherwise), and a request that changes state must
 * carry the session's CSRF token (403 otherwise). Responses under `/api/` get `Cache-Control: no-store`, because
 * they contain people's data.
 */
export function installAuthentication(app: FastifyInstance, sessions: SignInSessions, cookies: CookiePolicy): void {
  app.decorateRequest('caller', null);

  app.addHook('onRequest', async (request) => {
    if (!isApiRoute(request)) {
      return;
    }

    checkContentType(request);
    if (request.routeOptions.config.public === true) {
      return;
    }

    const token = readCookie(request, cookies.sessionCookie);
    const caller = token === null ? null : await sessions.resolve(token);
    if (token === null || caller === null) {
      throw new ApiError(401, 'unauthenticated', 'sign in first (POST /api/v1/auth/sign-in); the session is missing, expired or signed out');
    }

    if (!SAFE_METHODS.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (typeof presented !== 'string' || !csrfTokenMatches(token, presented)) {
        throw new ApiError(403, 'csrf_failed', `the ${CSRF_HEADER} header is missing or wrong; send the csrfToken that sign-in and GET /api/v1/me return`);
      }
    }
    request.caller = caller;
  });

  app.addHook('onSend', async (request, reply) => {
    if (isApiRoute(request)) {
      void reply.header('cache-control', 'no-store');
      void reply.header('x-content-type-options', 'nosniff');
    }
  });
}

/**
 * Check the route the request matched, not its URL: the router decodes percent-escapes, so `/%61pi/v1/me` reaches
 * `/api/v1/me` while its URL does not start with `/api/`.
 */
function isApiRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith(API_PREFIX) === true;
}

/** Return the caller of a request that passed the sign-in check; throws 401 where there is none. */
export function requireCaller(request: FastifyRequest): Caller {
  if (request.caller === null) {
    throw new ApiError(401, 'unauthenticated', 'sign in first (POST /api/v1/auth/sign-in)');
  }
  return request.caller;
}

/** Return the caller if an admin; a user gets 403. */
export function requireAdmin(request: FastifyRequest): Caller {
  const caller = requireCaller(request);
  if (caller.role !== 'admin') {
    throw new ApiError(403, 'forbidden', 'only an admin of the org may do this');
  }
  return caller;
}

/**
 * A body must be JSON. Browsers send forms and `text/plain` across sites without asking the server first, but
 * not JSON, so this keeps cross-site forms away from the routes that need no CSRF token (sign-in).
 */
function checkContentType(request: FastifyRequest): void {
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? '0') > 0;
  if (!hasBody) {
    return;
  }

  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', `the body's content-type is '${(type || 'missing').slice(0, 100)}'; send JSON with content-type application/json`);
  }
}
