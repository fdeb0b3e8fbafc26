import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { patchEventRecord } from './event-input.ts';
import type { EventRecord, UserRecord } from './event-record.ts';
import { renderEvent } from './event-view.ts';
import { faultSchema } from './faults.ts';
import { GraphError } from './graph-error.ts';
import type { GraphServices } from './graph-routing.ts';
import { parsePrefer } from './prefer-header.ts';
import { seedEvents } from './seed-events.ts';
import type { GraphEventSeed } from './seed-types.ts';

/**
 * The emulator's own control API under `/_admin` (not part of Graph): no authentication, loopback callers
 * only. Tests seed mailboxes, read them whole, edit events behind the client's back and inject faults.
 */
const userSchema = z.object({
  id: z.string().min(1).optional(),
  userPrincipalName: z.string().min(3),
  displayName: z.string(),
  mailboxTimeZone: z.string().optional(),
});
const seedBodySchema = z.object({ events: z.array(z.record(z.string(), z.unknown())) });
const touchBodySchema = z.object({ changes: z.record(z.string(), z.unknown()).optional(), isCancelled: z.boolean().optional() }).optional();
const faultsBodySchema = z.object({ faults: z.array(faultSchema) });

const SEED_BODY_LIMIT_BYTES = 512 * 1024 * 1024;

type UserParams = { Params: { user: string } };
type EventParams = { Params: { user: string; id: string } };

export function registerAdminRoutes(app: FastifyInstance, services: GraphServices): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/_admin') && !isLoopback(request.ip)) {
      await reply.code(403).send({ error: { code: 'Forbidden', message: 'The admin API answers loopback callers only.' } });
    }
  });

  const store = services.store;
  app.get('/_admin/users', async () => ({ value: store.allUsers() }));
  app.post('/_admin/users', async (request, reply) => reply.code(201).send(store.addUser(parse(userSchema, request.body))));

  // A benchmark seeds tens of thousands of events in one request, far above Graph's 4 MB body limit.
  // Seeding the same calendar again updates the events it seeded before instead of adding copies.
  app.post<UserParams>('/_admin/users/:user/seed', { bodyLimit: SEED_BODY_LIMIT_BYTES }, async (request) => {
    const body = parse(seedBodySchema, request.body);
    return seedEvents(store, requireUser(services, request.params.user), body.events as unknown as GraphEventSeed[]);
  });

  app.get<UserParams>('/_admin/users/:user/events', async (request) => {
    const user = requireUser(services, request.params.user);
    const events = store.liveEvents(user.id).sort((a, b) => a.createdSeq - b.createdSeq);
    return { value: events.map((event) => adminView(event, user)) };
  });

  app.post<EventParams>('/_admin/users/:user/events/:id/touch', async (request) => {
    const user = requireUser(services, request.params.user);
    const event = store.getEvent(user.id, request.params.id);
    if (!event) {
      throw new GraphError(404, 'ErrorItemNotFound', `No event '${request.params.id}' in the mailbox of ${user.userPrincipalName}.`);
    }

    const body = parse(touchBodySchema, request.body);
    const draft: EventRecord = structuredClone(event);
    patchEventRecord(draft, body?.changes ?? {});
    draft.isCancelled = body?.isCancelled ?? draft.isCancelled;
    Object.assign(event, draft);
    store.touch(event);
    return adminView(event, user);
  });

  app.post('/_admin/faults', async (request) => {
    const body = parse(faultsBodySchema, request.body);
    for (const fault of body.faults) {
      if (fault.type === 'expireTokens') {
        store.tokensNotBefore = Date.now();
        store.onChange();
      } else if (fault.type === 'expireDeltaTokens') {
        store.deltaEpoch += 1;
        store.onChange();
      } else if (fault.type === 'lifecycle') {
        services.subscriptions.sendLifecycle(fault.lifecycleEvent, fault.subscriptionId);
      } else {
        services.faults.addRequestFault(fault);
      }
    }
    return { accepted: body.faults.length };
  });

  app.delete('/_admin/faults', async (_request, reply) => {
    services.faults.clear();
    return reply.code(204).send();
  });

  app.get('/_admin/stats', async () => services.stats.read());
  app.post('/_admin/stats/reset', async (_request, reply) => {
    services.stats.reset();
    return reply.code(204).send();
  });

  app.post('/_admin/reset', async (_request, reply) => {
    store.reset();
    return reply.code(204).send();
  });
}

function adminView(event: EventRecord, user: UserRecord): Record<string, unknown> {
  return renderEvent(event, { owner: user, preferences: parsePrefer(undefined), expandProperties: 'all' });
}

export function requireUser(services: GraphServices, idOrName: string): UserRecord {
  const user = services.store.findUser(idOrName);
  if (!user) {
    throw new GraphError(404, 'ErrorInvalidUser', `No user '${idOrName}'; add it with POST /_admin/users or the 'users' option.`);
  }
  return user;
}

// The server keeps JSON bodies as text so Graph routes can answer malformed JSON in Graph's shape.
export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = body.trim() === '' ? undefined : JSON.parse(body);
    } catch {
      throw new GraphError(400, 'BadRequest', 'The admin request body is not valid JSON.');
    }
  }

  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
    throw new GraphError(400, 'BadRequest', `Invalid admin request body: ${issues}`);
  }
  return result.data;
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}
