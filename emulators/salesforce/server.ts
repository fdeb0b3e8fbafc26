import formbody from '@fastify/formbody';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerDuplicateRuleRoutes } from './duplicate-rules-admin.ts';
import { registerBulkAdminRoutes } from './bulk/bulk-admin.ts';
import { EmulatorCore, type UserSeed } from './emulator-core.ts';
import { versionList } from './meta-handlers.ts';
import { SnapshotWriter, loadSnapshot } from './persistence.ts';
import { routeName } from './rest-router.ts';
import { DEFAULT_FEATURES, type CustomFieldSpec, type OrgFeatures } from './schema/org-schemas.ts';
import { DEFAULT_EMAIL_FIELDS, emailCustomFields, type EmailFieldNames } from './schema/email-custom-fields.ts';
import { SfError, invalidSession, notFound } from './sf-error.ts';
import { registerStreaming } from './streaming/streaming-routes.ts';
import type { ClientConfig } from './auth-service.ts';
import type { RestRequest, RestResponse } from './rest-types.ts';

export interface SalesforceEmulatorOptions {
  host?: string;
  port?: number;
  /** Load and save state as JSON in this folder (atomic temp + rename), so restarts keep it. */
  dataDir?: string | null;
  apiVersions?: string[];
  clients?: ClientConfig[];
  users?: UserSeed[];
  /** Custom External ID text field on Event that carries the sync id. */
  syncIdField?: string;
  /** Enhanced Email, Person Accounts and Shared Activities; each defaults to on. */
  features?: Partial<OrgFeatures>;
  dailyApiLimit?: number;
  /** `standard` turns on the standard Contact and Lead duplicate rules (see duplicate-rules.ts); default `none`. */
  duplicateRules?: 'standard' | 'none';
  /** Custom fields added to the served objects, e.g. a second email field on Contact. */
  customFields?: CustomFieldSpec[];
  /** The email saving fields on EmailMessage and Task (default Syncline_Message_Key__c and AddInEmail__c); null leaves them out. */
  emailFields?: EmailFieldNames | null;
}

export interface RunningSalesforceEmulator {
  url: string;
  close(): Promise<void>;
}

/** Used when the options name no client: the sandbox's connected app. */
export const DEFAULT_CLIENT: ClientConfig = {
  clientId: 'syncline-sandbox', clientSecret: 'syncline-sandbox-secret', refreshTokens: ['syncline-sandbox-refresh'],
};

export const DEFAULT_USER: UserSeed = {
  Username: 'owner@syncline.example', Email: 'owner@syncline.example', Name: 'Sandbox Owner', TimeZoneSidKey: 'GMT',
};

const DATA_PREFIX = '/services/data/';

/** Starts the Salesforce REST emulator on loopback; `url` is both the login origin and the instance URL. */
export async function startSalesforceEmulator(options: SalesforceEmulatorOptions = {}): Promise<RunningSalesforceEmulator> {
  const apiVersions = options.apiVersions ?? ['59.0', '60.0', '61.0', '62.0'];
  const dataDir = options.dataDir ?? null;
  const core = new EmulatorCore({
    syncIdField: options.syncIdField ?? 'Syncline_Sync_Id__c',
    features: { ...DEFAULT_FEATURES, ...options.features },
    dailyApiLimit: options.dailyApiLimit ?? 100_000,
    clients: options.clients ?? [DEFAULT_CLIENT],
    users: options.users ?? [DEFAULT_USER],
    customFields: [...(options.customFields ?? []), ...emailCustomFields(options.emailFields === undefined ? DEFAULT_EMAIL_FIELDS : options.emailFields)],
  }, dataDir ? loadSnapshot(dataDir) : null);
  core.faults.standardDuplicateRules.active = options.duplicateRules === 'standard';
  const saver = dataDir ? new SnapshotWriter(dataDir, () => core.snapshot()) : null;
  const changed = (): void => saver?.schedule();
  let baseUrl = '';

  const app = Fastify({ bodyLimit: 64 * 1024 * 1024, forceCloseConnections: true });
  await app.register(formbody);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text === '') return done(null, null);
    try {
      done(null, JSON.parse(String(text)));
    } catch {
      done(new SfError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON.'), undefined);
    }
  });
  // Bulk API 2.0 job data arrives as CSV text.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, text, done) => done(null, String(text)));
  app.setErrorHandler(async (error, _request, reply) => {
    if (error instanceof SfError) return reply.code(error.status).send(error.toBody());
    return reply.code(500).send([{ errorCode: 'UNKNOWN_EXCEPTION', message: String((error as Error).message) }]);
  });

  app.post('/services/oauth2/token', async (request, reply) => {
    const form = { ...(request.query as Record<string, string>), ...(request.body as Record<string, string> | null ?? {}) };
    const result = core.auth.grant(form, baseUrl, core.org.orgId, core.integrationUserId, (username) =>
      core.org.table('User')?.findBy('Username', username)[0] ?? null);
    changed();
    return reply.code('error' in result ? 400 : 200).send(result);
  });

  const versions = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    core.stats.count('GET /services/data');
    return reply.send(versionList(apiVersions));
  };
  app.get('/services/data', versions);
  app.get('/services/data/', versions);
  app.all('/services/data/*', async (request, reply) => {
    const response = await handleRest(request);
    if (request.method !== 'GET') changed();
    const limitInfo = { 'sforce-limit-info': core.stats.limitInfo(core.options.dailyApiLimit) };
    void reply.code(response.status).headers({ ...limitInfo, ...response.headers });
    return response.body === undefined ? reply.send() : reply.send(response.body);
  });
  registerAdminRoutes(app, core, changed);
  registerDuplicateRuleRoutes(app, core);
  const streaming = registerStreaming(app, core, apiVersions);
  registerBulkAdminRoutes(app, core);

  async function handleRest(request: FastifyRequest): Promise<RestResponse> {
    if (core.faults.latencyMs > 0) await sleep(core.faults.latencyMs);
    const url = new URL(request.url, 'http://emulator');
    const [versionSegment = '', ...rest] = url.pathname.slice(DATA_PREFIX.length).split('/');
    const segments = rest.filter((s) => s !== '').map(decodeURIComponent);
    const rawHeaders = request.headers as Record<string, string | undefined>;
    const apiVersion = versionSegment.replace(/^v/, '');
    const restRequest: RestRequest = {
      method: request.method, apiVersion, segments, query: url.searchParams, body: request.body ?? null,
      headers: rawHeaders, session: { userId: '', clientId: '' },
    };
    core.stats.count(routeName(restRequest));

    const refusal = refuse(request, apiVersion, versionSegment);
    if (refusal) return refusal;
    restRequest.session = core.auth.session(request.headers.authorization) ?? restRequest.session;
    return streaming.duringRest(apiVersion, rawHeaders, () => core.context.dispatch(restRequest));
  }

  /** Returns the response that pre-empts routing: exhausted daily limit, unknown version, no session, injected fault. */
  function refuse(request: FastifyRequest, apiVersion: string, versionSegment: string): RestResponse | null {
    if (core.stats.dailyCalls > core.options.dailyApiLimit) {
      return errorResponse(new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
    }
    if (!versionSegment.startsWith('v') || !apiVersions.includes(apiVersion)) return errorResponse(notFound());
    if (!core.auth.session(request.headers.authorization)) return errorResponse(invalidSession());
    const fault = core.faults.nextRequestFault();
    if (fault) return { ...errorResponse(fault.error), headers: fault.headers };
    return null;
  }

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 0;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    async close() {
      await app.close();
      saver?.flush();
    },
  };
}

function errorResponse(error: SfError): RestResponse {
  return { status: error.status, body: error.toBody() };
}
