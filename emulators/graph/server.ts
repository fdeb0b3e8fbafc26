import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from './access-tokens.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { deltaRoutes } from './calendar-view-delta.ts';
import { contactRoutes } from './contact-handlers.ts';
import { ContactStore } from './contact-store.ts';
import { eventRoutes } from './event-handlers.ts';
import { FaultState } from './faults.ts';
import { authenticate } from './graph-auth.ts';
import { GraphError, graphErrorBody, newRequestId } from './graph-error.ts';
import { executeGraphRequest } from './graph-pipeline.ts';
import type { GraphRequest, GraphResponse, GraphServices, Route } from './graph-routing.ts';
import { registerItemAdminRoutes } from './item-admin-routes.ts';
import { executeBatch } from './json-batch.ts';
import { MailboxConcurrency } from './mailbox-concurrency.ts';
import { registerMailAdminRoutes } from './mail-admin-routes.ts';
import { mailRoutes } from './mail-routes.ts';
import { MailStore } from './mail-store.ts';
import { MailboxStore } from './mailbox-store.ts';
import { RequestStats } from './request-stats.ts';
import { StateFile } from '../state-file.ts';
import { registerSubscriptionRoutes } from './subscription-routes.ts';
import { SubscriptionService } from './subscriptions.ts';
import type { ClientRegistration } from './app-registrations.ts';
import { AuthGrants } from './auth-grants.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { MailboxRequestWindow, type RequestLimit } from './mailbox-request-window.ts';
import { userRoutes } from './user-routes.ts';
import { todoRoutes } from './todo-handlers.ts';
import { TodoStore } from './todo-store.ts';

export interface GraphEmulatorOptions {
  host?: string;
  port?: number;
  /** When set, state is loaded from and saved to this folder (JSON), so a restart keeps it. */
  dataDir?: string | null;
  /** App registrations the token endpoint accepts; without it any tenant, client and secret are accepted. */
  clients?: ClientRegistration[];
  users?: { id?: string; userPrincipalName: string; displayName: string; mailboxTimeZone?: string }[];
  /** Page size of delta responses when the client sends no `Prefer: odata.maxpagesize`. */
  maxPageSize?: number;
  /** Lifetime of issued access tokens; Azure AD's default is 3599 seconds. */
  tokenLifetimeSeconds?: number;
  /** Requests one app may send to one mailbox per window; Outlook's limit (10,000 per 10 minutes) by default. */
  mailboxRequestLimit?: RequestLimit;
}

export interface RunningGraphEmulator {
  url: string;
  close(): Promise<void>;
}

/** Outlook's default page size for collections when the client states none. */
const DEFAULT_PAGE_SIZE = 10;
/** Graph rejects request bodies above 4 MB. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

/** Start a Microsoft Graph calendar emulator on loopback; see emulators/graph/README.md for what it serves. */
export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<RunningGraphEmulator> {
  const store = new MailboxStore();
  // Created before the state is loaded: they register with the store, which restores their saved state too.
  const todo = new TodoStore(store);
  const contacts = new ContactStore(store);
  const mail = new MailStore(store);
  const stateFile = options.dataDir ? new StateFile(options.dataDir, { fileName: 'graph-emulator-state.json', format: 'syncline-graph-emulator/1', emulator: 'Graph' }, () => store.snapshot()) : null;
  const snapshot = stateFile?.load() ?? null;
  if (snapshot) {
    store.restore(snapshot);
  }
  for (const user of options.users ?? []) {
    store.addUser(user);
  }
  store.onChange = () => stateFile?.scheduleSave();
  // Users from the options and a fresh token secret must reach the file even if nothing else changes.
  store.onChange();

  const services: GraphServices = {
    store,
    faults: new FaultState(),
    stats: new RequestStats(),
    concurrency: new MailboxConcurrency(),
    defaultPageSize: options.maxPageSize ?? DEFAULT_PAGE_SIZE,
    subscriptions: new SubscriptionService(store),
    grants: new AuthGrants(),
    requestWindow: new MailboxRequestWindow(options.mailboxRequestLimit),
    todo,
    contacts,
    mail,
  };
  store.onEventChange = (event, changeType) => services.subscriptions.notifyChange(event, changeType);
  mail.onMessageChange = (message, changeType) => services.subscriptions.notifyMessageChange(message, changeType);
  services.subscriptions.folderOf = (userId, folder) => mail.findFolder(userId, folder);
  const app = buildApp(options, services);

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    close: async () => {
      services.subscriptions.close();
      await app.close();
      await stateFile?.flush();
    },
  };
}

function buildApp(options: GraphEmulatorOptions, services: GraphServices): FastifyInstance {
  // Event ids are ~150 characters, above fastify's default limit of 100 for a path parameter.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, routerOptions: { maxParamLength: 1024 }, forceCloseConnections: true });
  void app.register(formbody);
  // Graph bodies are parsed by the handlers so a malformed one gets Graph's error shape.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => sendError(reply, request, toGraphError(error)));

  registerAuthRoutes(app, {
    grants: services.grants,
    clients: options.clients ?? null,
    lifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    store: services.store,
    stats: services.stats,
  });
  registerAdminRoutes(app, services);
  registerItemAdminRoutes(app, services);
  registerMailAdminRoutes(app, services);
  registerSubscriptionRoutes(app, services);

  const routes: Route[] = [...deltaRoutes(), ...eventRoutes(), ...todoRoutes(), ...contactRoutes(), ...mailRoutes(), ...userRoutes()];
  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/v1.0/*',
    handler: async (request, reply) => serveGraph(request, reply, routes, services),
  });
  return app;
}

async function serveGraph(request: FastifyRequest, reply: FastifyReply, routes: readonly Route[], services: GraphServices): Promise<void> {
  const requestId = newRequestId();
  const unchecked = toGraphRequest(request);
  const isBatch = unchecked.path.toLowerCase() === '/$batch';

  const authentication = authenticate(services.store, services.grants, request.headers.authorization);
  if (!authentication.ok) {
    services.stats.countRequest(`${unchecked.method} (unauthenticated)`, false);
    return sendResponse(reply, errorResponse(authentication.error, unchecked, requestId), unchecked, requestId);
  }
  const graphRequest: GraphRequest = { ...unchecked, identity: authentication.identity };

  if (!isBatch) {
    return sendResponse(reply, await executeGraphRequest(routes, services, graphRequest, requestId), graphRequest, requestId);
  }

  services.stats.countRequest('POST /$batch', false);
  const injected = services.faults.nextFailure('/$batch', true);
  if (injected) {
    const headers: Record<string, string> = injected.retryAfterSeconds === null ? {} : { 'Retry-After': String(injected.retryAfterSeconds) };
    const error = new GraphError(injected.status, injected.code, injected.message, headers);
    return sendResponse(reply, errorResponse(error, graphRequest, requestId), graphRequest, requestId);
  }

  try {
    const response = await executeBatch(graphRequest.body, graphRequest.origin, routes, services, graphRequest.identity);
    return sendResponse(reply, response, graphRequest, requestId);
  } catch (error) {
    return sendResponse(reply, errorResponse(toGraphError(error), graphRequest, requestId), graphRequest, requestId);
  }
}

function toGraphRequest(request: FastifyRequest): GraphRequest {
  const rawUrl = request.raw.url ?? request.url;
  const [rawPath = '', rawQuery = ''] = rawUrl.split(/\?(.*)/s);
  const query = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    query.set(key.toLowerCase(), value);
  }

  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }

  return {
    method: request.method.toUpperCase(),
    path: rawPath.replace(/^\/v1\.0/i, '') || '/',
    query,
    headers,
    body: parseJsonBody(request.body),
    origin: `${request.protocol}://${request.headers.host ?? request.hostname}`,
    inner: false,
  };
}

function parseJsonBody(body: unknown): unknown {
  if (typeof body !== 'string') {
    return body ?? null;
  }
  if (body.trim() === '') {
    return null;
  }

  try {
    return JSON.parse(body);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read the JSON request body; send valid JSON with Content-Type: application/json.');
  }
}

function errorResponse(error: GraphError, request: GraphRequest, requestId: string): GraphResponse {
  const ids = { requestId, clientRequestId: request.headers['client-request-id'] ?? requestId };
  return { status: error.status, headers: { ...error.headers }, body: graphErrorBody(error, ids) };
}

async function sendResponse(reply: FastifyReply, response: GraphResponse, request: GraphRequest, requestId: string): Promise<void> {
  void reply
    .code(response.status)
    .headers(response.headers)
    .header('request-id', requestId)
    .header('client-request-id', request.headers['client-request-id'] ?? requestId);

  if (response.body === null || response.status === 204) {
    await reply.send();
    return;
  }
  // Raw content (an attachment's `$value`) goes out as it is, with the content type its handler set.
  if (response.body instanceof Uint8Array) {
    await reply.send(Buffer.from(response.body));
    return;
  }
  await reply.header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(response.body));
}

function sendError(reply: FastifyReply, request: FastifyRequest, error: GraphError): FastifyReply {
  const requestId = newRequestId();
  const clientRequestId = typeof request.headers['client-request-id'] === 'string' ? request.headers['client-request-id'] : requestId;
  return reply
    .code(error.status)
    .headers(error.headers)
    .header('content-type', JSON_CONTENT_TYPE)
    .send(JSON.stringify(graphErrorBody(error, { requestId, clientRequestId })));
}

function toGraphError(error: unknown): GraphError {
  if (error instanceof GraphError) {
    return error;
  }

  const status = (error as { statusCode?: number }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 413) {
    return new GraphError(413, 'RequestEntityTooLarge', `The request body exceeds the ${BODY_LIMIT_BYTES / 1024 / 1024} MB limit.`);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new GraphError(status, 'BadRequest', message);
  }
  return new GraphError(500, 'InternalServerError', `The emulator failed while serving the request: ${message}`);
}
