import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccessTokens, DEFAULT_TOKEN_LIFETIME_SECONDS } from './access-tokens.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { newStats, QuotaWindow, type EmulatorServices } from './api-context.ts';
import { registerAuthorizeEndpoint, type AuthorizationCode } from './authorize-endpoint.ts';
import { registerBatchRoutes } from './batch.ts';
import { registerCalendarRoutes } from './calendar/calendar-routes.ts';
import { FaultState } from './faults.ts';
import { registerGmailRoutes } from './gmail/gmail-routes.ts';
import { GoogleApiError } from './google-error.ts';
import { registerPeopleRoutes } from './people/people-routes.ts';
import { PushDelivery } from './push-delivery.ts';
import { emptyState } from './state.ts';
import { StateFile } from './state-file.ts';
import { registerTasksRoutes } from './tasks/tasks-routes.ts';
import { registerTokenEndpoint, type OAuthClientRegistration, type ServiceAccountRegistration } from './token-endpoint.ts';
import { addUser, type NewUser } from './users.ts';

export interface GoogleEmulatorOptions {
  host?: string;
  port?: number;
  /** When set, state is loaded from and saved to this folder, so a restart keeps it. */
  dataDir?: string | null;
  users?: NewUser[];
  /** Service accounts whose JWT bearer grants the token endpoint accepts, with their domain-wide delegation. */
  serviceAccounts?: ServiceAccountRegistration[];
  /** OAuth clients whose refresh tokens the token endpoint accepts and that the authorization endpoint serves. */
  oauthClients?: OAuthClientRegistration[];
  /** The user who signs in at the authorization endpoint when its `login_hint` names no known user. */
  signedInUser?: string;
  tokenLifetimeSeconds?: number;
  /** Gmail's per-user limit; 15,000 quota units per minute as documented. */
  gmailUnitsPerMinute?: number;
}

export interface RunningGoogleEmulator {
  /** Root of every API, e.g. `http://127.0.0.1:PORT`: Calendar under `/calendar/v3`, Gmail `/gmail/v1`, People `/v1`, Tasks `/tasks/v1`. */
  readonly url: string;
  /** The OAuth 2.0 token endpoint. */
  readonly tokenUrl: string;
  /** The OAuth 2.0 authorization endpoint, Google's `/o/oauth2/v2/auth`. */
  readonly authorizeUrl: string;
  close(): Promise<void>;
}

/** Gmail's documented per-user limit. */
const GMAIL_UNITS_PER_MINUTE = 15_000;
/** Gmail takes messages of up to 35 MB through the API; a seeded .eml arrives base64 inside JSON. */
const BODY_LIMIT_BYTES = 50 * 1024 * 1024;

/** Start the Google APIs emulator on loopback; see emulators/google/README.md for what it serves. */
export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<RunningGoogleEmulator> {
  const stateFile = options.dataDir ? new StateFile(options.dataDir) : null;
  const state = stateFile?.load() ?? emptyState();
  let baseUrl = '';
  const services: EmulatorServices = {
    state,
    tokens: new AccessTokens(options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
    faults: new FaultState(),
    stats: newStats(),
    push: new PushDelivery(),
    gmailQuota: new QuotaWindow(options.gmailUnitsPerMinute ?? GMAIL_UNITS_PER_MINUTE),
    onChange: () => stateFile?.scheduleSave(state),
  };
  for (const user of options.users ?? []) {
    addUser(state, user);
  }
  services.onChange();

  const serviceAccounts = new Map((options.serviceAccounts ?? []).map((account) => [account.clientEmail, account]));
  const oauthClients = new Map((options.oauthClients ?? []).map((client) => [client.clientId, client]));
  const codes = new Map<string, AuthorizationCode>();
  const signIn = { user: options.signedInUser?.toLowerCase() ?? null };
  const app = buildApp();
  registerTokenEndpoint(app, { state, tokens: services.tokens, serviceAccounts, oauthClients, codes, tokenUrl: () => `${baseUrl}/token`, onChange: services.onChange });
  registerAuthorizeEndpoint(app, { state, oauthClients, codes, signedInUser: () => signIn.user });
  registerAdminRoutes(app, services, { serviceAccounts, oauthClients, signIn });
  registerCalendarRoutes(app, services);
  registerGmailRoutes(app, services);
  registerPeopleRoutes(app, services);
  registerTasksRoutes(app, services);
  registerBatchRoutes(app, services);

  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}/token`,
    authorizeUrl: `${baseUrl}/o/oauth2/v2/auth`,
    close: async () => {
      await services.push.settle();
      await app.close();
      await stateFile?.flush(state);
    },
  };
}

function buildApp(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, routerOptions: { maxParamLength: 2048 }, forceCloseConnections: true });
  void app.register(formbody);
  // Bodies stay text so the handlers parse them and a malformed one gets Google's error shape.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof GoogleApiError) {
      if (error.options.retryAfterSeconds !== undefined) {
        void reply.header('retry-after', String(error.options.retryAfterSeconds));
      }
      return reply.code(error.code).send(error.body());
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const reason = status === 413 ? 'uploadTooLarge' : status < 500 ? 'badRequest' : 'backendError';
    return reply.code(status).send(new GoogleApiError(status, reason, (error as Error).message).body());
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(new GoogleApiError(404, 'notFound', `Not Found: ${request.method} ${request.url.split('?')[0]}`).body()));
  return app;
}
