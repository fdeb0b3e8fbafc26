import { setTimeout as sleep } from 'node:timers/promises';
import { authorizeMailbox, resolveMe } from './graph-auth.ts';
import { GraphError, graphErrorBody } from './graph-error.ts';
import type { GraphRequest, GraphResponse, GraphServices, Route } from './graph-routing.ts';
import { matchRoute, splitPath } from './graph-routing.ts';
import { parsePrefer } from './prefer-header.ts';

/** Seconds a client is asked to wait after hitting the mailbox concurrency limit. */
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

/**
 * Serve one Graph request after authentication: count it, apply injected faults, resolve the mailbox, hold
 * one of its four concurrency slots for the whole handling (latency included), run the handler and turn a
 * thrown GraphError into Graph's error body.
 */
export async function executeGraphRequest(
  routes: readonly Route[],
  services: GraphServices,
  request: GraphRequest,
  requestId: string,
): Promise<GraphResponse> {
  const ids = { requestId, clientRequestId: request.headers['client-request-id'] ?? requestId };
  try {
    return await dispatch(routes, services, request);
  } catch (error) {
    const graphError = error instanceof GraphError ? error : internalError(error);
    if (graphError.status === 429) {
      services.stats.countThrottled();
    }
    return { status: graphError.status, headers: { ...graphError.headers }, body: graphErrorBody(graphError, ids) };
  }
}

async function dispatch(routes: readonly Route[], services: GraphServices, incoming: GraphRequest): Promise<GraphResponse> {
  const request: GraphRequest = { ...incoming, path: resolveMe(incoming.path, incoming.identity) };
  const { match, methodMismatch } = matchRoute(routes, request.method, request.path);
  services.stats.countRequest(match ? `${request.method} ${match.route.template}` : `${request.method} (unmatched)`, request.inner);

  const injected = services.faults.nextFailure(request.path, false);
  if (injected) {
    const headers: Record<string, string> = injected.retryAfterSeconds === null ? {} : { 'Retry-After': String(injected.retryAfterSeconds) };
    throw new GraphError(injected.status, injected.code, injected.message, headers);
  }

  if (!match) {
    throw unmatched(request, methodMismatch);
  }

  const userSegment = match.params.user ?? '';
  const user = services.store.findUser(userSegment);
  if (!user) {
    throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${userSegment}' is invalid.`);
  }

  const denied = authorizeMailbox(request.identity, user);
  if (denied) {
    throw denied;
  }

  const windowWaitSeconds = services.requestWindow.admit(request.identity?.clientId ?? '', user.id);
  if (windowWaitSeconds !== null) {
    const { requests, windowMs } = services.requestWindow.limit;
    throw new GraphError(429, 'ApplicationThrottled', `Application is over its limit of ${requests} requests per ${windowMs / 60_000} minutes for this mailbox.`, {
      'Retry-After': String(windowWaitSeconds),
    });
  }

  if (!services.concurrency.tryAcquire(user.id)) {
    throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
      'Retry-After': String(CONCURRENCY_RETRY_AFTER_SECONDS),
    });
  }

  try {
    if (services.faults.latencyMs > 0) {
      await sleep(services.faults.latencyMs);
    }
    const preferences = parsePrefer(request.headers.prefer);
    return await match.route.handler({ request, params: match.params, user, userSegment, preferences, services });
  } finally {
    services.concurrency.release(user.id);
  }
}

function unmatched(request: GraphRequest, methodMismatch: boolean): GraphError {
  if (methodMismatch) {
    return new GraphError(405, 'BadRequest', `The ${request.method} method is not supported on ${request.path}.`);
  }

  const segments = splitPath(request.path);
  if (segments[0]?.toLowerCase() === 'me') {
    return new GraphError(400, 'BadRequest', '/me is only valid with delegated authentication; app-only tokens address mailboxes as /users/{id}.');
  }

  const unknown = segments[segments.length - 1] ?? request.path;
  return new GraphError(400, 'BadRequest', `Resource not found for the segment '${decodeURIComponent(unknown)}'.`);
}

function internalError(error: unknown): GraphError {
  const detail = error instanceof Error ? error.message : String(error);
  return new GraphError(500, 'InternalServerError', `The emulator failed while serving the request: ${detail}`);
}
