import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { emptyStats, type EwsServices, type OperationContext } from './context.ts';
import { EwsAuth, resolveMailbox, type EwsAccount, type EwsNtlmOptions, type EwsOAuthClient } from './ews-auth.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { EwsFaults } from './faults.ts';
import { NotificationHub } from './notifications.ts';
import { createItem, deleteItem, getAttachment, getItem, updateItem } from './ops-items.ts';
import { createFolder, findFolder, findItems, getFolder, syncFolderItems, userConfiguration } from './ops-folders.ts';
import { getEvents, getStreamingEvents, subscribe, unsubscribe } from './ops-notify.ts';
import { envelope, fault, ItemError, RequestFault } from './soap-reply.ts';
import { StateFile } from '../state-file.ts';
import { EwsStore } from './store.ts';
import { child, parseXml, type XmlNode } from './xml.ts';

export interface EwsEmulatorOptions {
  readonly host?: string;
  readonly port?: number;
  readonly accounts?: EwsAccount[];
  readonly clients?: EwsOAuthClient[];
  /** When set, the accounts may also log on with NTLM (NTLMv2 only), and a 401 offers it. */
  readonly ntlm?: EwsNtlmOptions;
  readonly users?: { smtp: string; displayName: string; timeZone: string }[];
  /** Lifetime of issued tokens; Entra ID's default is 3599 seconds. */
  readonly tokenLifetimeSeconds?: number;
  /** How long one ConnectionTimeout minute of GetStreamingEvents lasts here, so tests need not wait real minutes. */
  readonly streamMinuteMs?: number;
  /** When set, state is loaded from and saved to this folder (JSON), so a restart keeps it; absent: memory only. */
  readonly dataDir?: string | null;
}

export interface RunningEwsEmulator {
  /** Base URL; the EWS endpoint is `${url}/EWS/Exchange.asmx`, the token endpoint `${url}/oauth2/token`. */
  readonly url: string;
  readonly services: EwsServices;
  /** Close the keep-alive connections that wait for a request, as IIS does after its idle timeout; NTLM logons on them end. */
  closeIdleConnections(): void;
  close(): Promise<void>;
}

type Handler = (ctx: OperationContext) => string;

const OPERATIONS: Readonly<Record<string, Handler>> = {
  GetItem: getItem,
  CreateItem: createItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  GetAttachment: getAttachment,
  SyncFolderItems: syncFolderItems,
  FindItem: findItems,
  GetFolder: getFolder,
  FindFolder: findFolder,
  CreateFolder: createFolder,
  GetUserConfiguration: (ctx) => userConfiguration(ctx, 'GetUserConfiguration'),
  CreateUserConfiguration: (ctx) => userConfiguration(ctx, 'CreateUserConfiguration'),
  UpdateUserConfiguration: (ctx) => userConfiguration(ctx, 'UpdateUserConfiguration'),
  Subscribe: subscribe,
  GetEvents: getEvents,
  Unsubscribe: unsubscribe,
};

/** Start an Exchange Web Services emulator on loopback; see emulators/ews/README.md for what it serves. */
export async function startEwsEmulator(options: EwsEmulatorOptions = {}): Promise<RunningEwsEmulator> {
  const store = new EwsStore();
  const stateFile = options.dataDir ? new StateFile(options.dataDir, { fileName: 'ews-emulator-state.json', format: 'syncline-ews-emulator/1', emulator: 'EWS' }, () => store.snapshot()) : null;
  const snapshot = stateFile?.load() ?? null;
  if (snapshot !== null) {
    store.restore(snapshot);
  }
  for (const user of options.users ?? []) {
    store.addUser(user.smtp, user.displayName, user.timeZone);
  }
  const services: EwsServices = { store, faults: new EwsFaults(), stats: emptyStats(), hub: new NotificationHub(store) };
  const auth = new EwsAuth(options.accounts ?? [], options.clients ?? [], options.tokenLifetimeSeconds ?? 3599, options.ntlm ?? null);
  const app = buildApp(services, auth, options.streamMinuteMs ?? 60_000);
  if (stateFile !== null) {
    // Every operation and admin call may change the store, so each completed request schedules a coalesced save.
    app.addHook('onResponse', async () => stateFile.scheduleSave());
    stateFile.scheduleSave();
  }

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    services,
    closeIdleConnections: () => app.server.closeIdleConnections(),
    close: async () => {
      services.hub.closeAll();
      await app.close();
      await stateFile?.flush();
    },
  };
}

function buildApp(services: EwsServices, auth: EwsAuth, streamMinuteMs: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024, routerOptions: { caseSensitive: false }, forceCloseConnections: true });
  void app.register(formbody);
  app.addContentTypeParser(['text/xml', 'application/soap+xml'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/oauth2/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    if (form.grant_type !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'Only client_credentials is served.' });
    }
    const token = auth.issueToken(form.client_id ?? '', form.client_secret ?? '');
    if (token === null) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Unknown client or wrong secret.' });
    }
    return reply.send({ token_type: 'Bearer', access_token: token.accessToken, expires_in: token.expiresIn });
  });

  const inFlight = new Map<string, number>();
  app.post('/EWS/Exchange.asmx', async (request, reply) => serveEws(request, reply, { services, auth, streamMinuteMs, inFlight }));
  registerAdminRoutes(app, services, auth);
  return app;
}

interface ServeContext {
  readonly services: EwsServices;
  readonly auth: EwsAuth;
  readonly streamMinuteMs: number;
  readonly inFlight: Map<string, number>;
}

async function serveEws(request: FastifyRequest, reply: FastifyReply, serve: ServeContext): Promise<void> {
  const { services } = serve;
  services.stats.requests += 1;
  if (services.faults.latencyMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, services.faults.latencyMs));
  }

  const outcome = serve.auth.authenticateRequest(request.headers.authorization, request.raw.socket);
  if (outcome.kind === 'challenge') {
    services.stats.ntlmHandshakes += 1;
    await reply.code(401).header('WWW-Authenticate', outcome.header).send('');
    return;
  }
  if (outcome.kind === 'denied') {
    if (outcome.ntlm === 'rejected') services.stats.ntlmRejected += 1;
    await reply.code(401).header('WWW-Authenticate', serve.auth.offers).send('');
    return;
  }
  if (outcome.ntlm === 'logon') services.stats.ntlmLogons += 1;
  const { caller } = outcome;

  let userId: string | null = null;
  try {
    const { header, operation } = readEnvelope(String(request.body ?? ''));
    const name = operation.name;
    services.stats.operations[name] = (services.stats.operations[name] ?? 0) + 1;
    services.stats.lastAttributes[name] = { ...operation.attributes };
    services.stats.lastServerVersion = child(header, 'RequestServerVersion')?.attributes.Version ?? null;
    services.stats.lastAnchorMailbox = typeof request.headers['x-anchormailbox'] === 'string' ? request.headers['x-anchormailbox'] : null;

    const user = resolveMailbox(services.store, caller, header);
    const injected = services.faults.next(name);
    if (injected?.kind === 'http503') {
      await reply.code(503).send('');
      return;
    }
    if (injected?.kind === 'busy') {
      services.stats.throttled += 1;
      throw new RequestFault('ErrorServerBusy', 'The server cannot service this request right now. Try again later.', 500, injected.backOffMs);
    }

    userId = user.id;
    const current = (serve.inFlight.get(user.id) ?? 0) + 1;
    serve.inFlight.set(user.id, current);
    services.stats.maxInFlight = Math.max(services.stats.maxInFlight, current);
    const ctx: OperationContext = { services, user, operation };

    if (name === 'GetStreamingEvents') {
      const answer = getStreamingEvents(ctx, reply.raw, serve.streamMinuteMs);
      if (answer === null) {
        reply.hijack();
        return;
      }
      await sendXml(reply, 200, envelope(answer));
      return;
    }

    const handler = OPERATIONS[name];
    if (handler === undefined) {
      throw new RequestFault('ErrorInvalidRequest', `The operation ${name} is not served by this emulator.`);
    }
    await sendXml(reply, 200, envelope(handler(ctx)));
  } catch (error) {
    if (error instanceof RequestFault) {
      await sendXml(reply, error.status, fault(error.code, error.message, error.backOffMs));
      return;
    }
    if (error instanceof ItemError) {
      await sendXml(reply, 500, fault(error.code, error.message));
      return;
    }
    throw error;
  } finally {
    if (userId !== null) serve.inFlight.set(userId, (serve.inFlight.get(userId) ?? 1) - 1);
  }
}

/**
 * Read the SOAP envelope: the header and the one operation element of the body. The SOAP namespace is not checked,
 * because the documented examples use `https://schemas.xmlsoap.org/…` where servers use `http://`.
 */
function readEnvelope(text: string): { header: XmlNode | null; operation: XmlNode } {
  let root: XmlNode | null;
  try {
    root = parseXml(text);
  } catch {
    throw new RequestFault('ErrorSchemaValidation', 'The request failed schema validation: the body is not well-formed XML.');
  }
  const operation = child(root, 'Body')?.children[0];
  if (root?.name !== 'Envelope' || operation === undefined) {
    throw new RequestFault('ErrorSchemaValidation', 'The request failed schema validation: no SOAP envelope with an operation in its body.');
  }
  return { header: child(root, 'Header'), operation };
}

async function sendXml(reply: FastifyReply, status: number, xml: string): Promise<void> {
  await reply.code(status).header('Content-Type', 'text/xml; charset=utf-8').send(xml);
}
