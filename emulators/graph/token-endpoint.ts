import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { issueAccessToken } from './access-tokens.ts';
import type { MailboxStore } from './mailbox-store.ts';
import type { RequestStats } from './request-stats.ts';

interface ClientRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenEndpointOptions {
  /** Accepted app registrations; null accepts any tenant, client and secret (the sandbox default). */
  readonly clients: readonly ClientRegistration[] | null;
  readonly lifetimeSeconds: number;
  readonly store: MailboxStore;
  readonly stats: RequestStats;
}

const ACCEPTED_SCOPES = new Set(['https://graph.microsoft.com/.default', '00000003-0000-0000-c000-000000000000/.default']);

/**
 * The Microsoft identity platform v2.0 token endpoint for the client credentials grant
 * (`POST /{tenant}/oauth2/v2.0/token`, form-encoded). Failures use AAD's error JSON: an OAuth `error`, an
 * `error_description` that starts with the AADSTS code, and `error_codes`, trace and correlation ids.
 */
export function registerTokenEndpoint(app: FastifyInstance, options: TokenEndpointOptions): void {
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    options.stats.countToken();
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const field = (name: string): string | null => (typeof form[name] === 'string' && form[name] !== '' ? (form[name] as string) : null);
    const tenant = request.params.tenant;

    const grantType = field('grant_type');
    if (grantType === null) {
      return aadError(reply, 400, 'invalid_request', 900144, "The request body must contain the parameter 'grant_type'.");
    }
    if (grantType !== 'client_credentials') {
      return aadError(reply, 400, 'unsupported_grant_type', 70003, `The app requested the unsupported grant type '${grantType}'; this endpoint serves 'client_credentials'.`);
    }

    const clientId = field('client_id');
    if (clientId === null) {
      return aadError(reply, 400, 'invalid_request', 900144, "The request body must contain the parameter 'client_id'.");
    }

    const clientSecret = field('client_secret');
    if (clientSecret === null) {
      return aadError(reply, 401, 'invalid_client', 7000218, "The request body must contain the parameter 'client_assertion' or 'client_secret'.");
    }

    const scope = field('scope');
    if (scope === null || !ACCEPTED_SCOPES.has(scope)) {
      return aadError(reply, 400, 'invalid_scope', 1002012, `The scope '${scope ?? ''}' is not valid; the client credentials flow needs the resource id with '/.default', e.g. 'https://graph.microsoft.com/.default'.`);
    }

    const failure = checkClient(options.clients, tenant, clientId, clientSecret);
    if (failure) {
      return aadError(reply, failure.status, failure.error, failure.code, failure.description);
    }

    const accessToken = issueAccessToken(options.store.tokenSecret, tenant, clientId, options.lifetimeSeconds, options.store.tokensNotBefore);
    return reply.code(200).header('cache-control', 'no-store, no-cache').send({
      token_type: 'Bearer',
      expires_in: options.lifetimeSeconds,
      ext_expires_in: options.lifetimeSeconds,
      access_token: accessToken,
    });
  });
}

interface ClientFailure {
  status: number;
  error: string;
  code: number;
  description: string;
}

function checkClient(clients: TokenEndpointOptions['clients'], tenant: string, clientId: string, secret: string): ClientFailure | null {
  if (clients === null) {
    return null;
  }

  const inTenant = clients.filter((client) => client.tenantId.toLowerCase() === tenant.toLowerCase());
  if (inTenant.length === 0) {
    return { status: 400, error: 'invalid_request', code: 90002, description: `Tenant '${tenant}' not found; check the tenant id in the token URL.` };
  }

  const client = inTenant.find((candidate) => candidate.clientId.toLowerCase() === clientId.toLowerCase());
  if (!client) {
    return {
      status: 400,
      error: 'unauthorized_client',
      code: 700016,
      description: `Application with identifier '${clientId}' was not found in the directory '${tenant}'; check the client id or the tenant.`,
    };
  }

  if (client.clientSecret !== secret) {
    return {
      status: 401,
      error: 'invalid_client',
      code: 7000215,
      description: `Invalid client secret provided for app '${clientId}'; send the secret value, not the secret id.`,
    };
  }
  return null;
}

function aadError(reply: FastifyReply, status: number, error: string, code: number, description: string): FastifyReply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return reply.code(status).send({
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
