import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenIdentity } from './access-tokens.ts';
import { authenticate } from './graph-auth.ts';
import { GraphError } from './graph-error.ts';
import type { GraphServices } from './graph-routing.ts';

/**
 * `/v1.0/subscriptions`: create, list, read, renew and delete change notification subscriptions. They sit
 * beside the mailbox routes because a subscription belongs to the app, not to a `/users/{id}` path. Errors are
 * thrown as GraphError and rendered by the server's error handler in Graph's shape.
 */

type IdParams = { Params: { id: string } };

const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

export function registerSubscriptionRoutes(app: FastifyInstance, services: GraphServices): void {
  const subscriptions = services.subscriptions;

  app.post('/v1.0/subscriptions', async (request, reply) => {
    const identity = admit(services, request, 'POST /subscriptions');
    const record = await subscriptions.create({ body: parseBody(request.body), identity });
    return send(reply, 201, subscriptions.render(record, originOf(request)));
  });

  app.get('/v1.0/subscriptions', async (request, reply) => {
    const applicationId = admit(services, request, 'GET /subscriptions').clientId;
    const value = subscriptions.list(applicationId).map((record) => {
      const { '@odata.context': _context, ...rest } = subscriptions.render(record, originOf(request));
      return rest;
    });
    return send(reply, 200, { '@odata.context': `${originOf(request)}/v1.0/$metadata#subscriptions`, value });
  });

  app.get<IdParams>('/v1.0/subscriptions/:id', async (request, reply) => {
    const applicationId = admit(services, request, 'GET /subscriptions/{id}').clientId;
    return send(reply, 200, subscriptions.render(subscriptions.get(request.params.id, applicationId), originOf(request)));
  });

  app.patch<IdParams>('/v1.0/subscriptions/:id', async (request, reply) => {
    const applicationId = admit(services, request, 'PATCH /subscriptions/{id}').clientId;
    const record = await subscriptions.update(request.params.id, applicationId, parseBody(request.body));
    return send(reply, 200, subscriptions.render(record, originOf(request)));
  });

  app.delete<IdParams>('/v1.0/subscriptions/:id', async (request, reply) => {
    const applicationId = admit(services, request, 'DELETE /subscriptions/{id}').clientId;
    subscriptions.remove(request.params.id, applicationId);
    return reply.code(204).send();
  });

  app.get('/_admin/subscriptions', async () => ({ value: subscriptions.live().map((record) => ({ ...record, changeTypes: [...record.changeTypes] })), ...subscriptions.deliveryStats() }));
}

/** Count the request, check the token and injected faults; returns who the token acts for. */
function admit(services: GraphServices, request: FastifyRequest, route: string): TokenIdentity {
  services.stats.countRequest(route, false);
  const authentication = authenticate(services.store, services.grants, request.headers.authorization);
  if (!authentication.ok) {
    throw authentication.error;
  }

  const injected = services.faults.nextFailure('/subscriptions', false);
  if (injected) {
    const headers: Record<string, string> = injected.retryAfterSeconds === null ? {} : { 'Retry-After': String(injected.retryAfterSeconds) };
    throw new GraphError(injected.status, injected.code, injected.message, headers);
  }
  return authentication.identity;
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') {
    return body ?? null;
  }
  try {
    return body.trim() === '' ? null : JSON.parse(body);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read the JSON request body; send valid JSON with Content-Type: application/json.');
  }
}

function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(body));
}
