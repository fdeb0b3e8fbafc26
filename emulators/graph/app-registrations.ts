import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** An app registration in the emulator's tenant. */
export interface ClientRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Redirect URIs registered for delegated sign-in; absent: any loopback URI is accepted. */
  redirectUris?: string[];
}

export interface ClientFailure {
  status: number;
  error: string;
  code: number;
  description: string;
}

/** Check tenant, client id and secret against the registrations; null (no registrations) accepts any. */
export function checkClient(clients: readonly ClientRegistration[] | null, tenant: string, clientId: string, secret: string | null): ClientFailure | null {
  const known = findClient(clients, tenant, clientId);
  if (known === null || 'error' in known) {
    return known;
  }

  if (secret !== null && known.clientSecret !== secret) {
    return {
      status: 401,
      error: 'invalid_client',
      code: 7000215,
      description: `Invalid client secret provided for app '${clientId}'; send the secret value, not the secret id.`,
    };
  }
  return null;
}

/** Find the registration of `clientId` in `tenant`: null when any client is accepted, else the registration or why it is unknown. */
export function findClient(clients: readonly ClientRegistration[] | null, tenant: string, clientId: string): ClientRegistration | ClientFailure | null {
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
  return client;
}

/** Reply with Entra ID's error JSON: the OAuth error, the AADSTS code first in the description, trace ids. */
export function aadError(reply: FastifyReply, status: number, error: string, code: number, description: string): FastifyReply {
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
