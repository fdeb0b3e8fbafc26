import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorCore } from '../emulator-core.ts';
import { BayeuxClients } from './bayeux-clients.ts';
import { BayeuxServer, type PollSettings } from './bayeux-server.ts';
import { ChangeBus } from './change-bus.ts';
import { ChangeCapture, restChangeOrigin } from './change-capture.ts';
import { channelExists } from './change-channels.ts';

/** The part of the streaming service that server.ts uses to publish the change events of REST writes. */
export interface StreamingService {
  /** Runs a REST request's dispatch so that its committed writes publish change events with the call's origin. */
  duringRest<T>(apiVersion: string, headers: Record<string, string | undefined>, dispatch: () => T): T;
}

const GAP_TYPES = new Set(['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW']);

/**
 * Registers the Streaming API (`POST /cometd/{version}`, Change Data Capture channels) and its test-only admin
 * routes under `/_admin/streaming`. Events come from the writes of REST calls and admin seeding.
 */
export function registerStreaming(app: FastifyInstance, core: EmulatorCore, apiVersions: string[]): StreamingService {
  const bus = new ChangeBus(10_000);
  const clients = new BayeuxClients(120_000);
  const poll: PollSettings = { longPollTimeoutMs: 110_000, maxEventsPerConnect: 100 };
  const capture = new ChangeCapture(bus, () => core.org);
  const server = new BayeuxServer(bus, clients, poll);
  bus.listen(() => clients.wakeAll());

  // The core swaps its writer on reset, so the capture listens to whichever writer the request will use.
  app.addHook('onRequest', async () => capture.attach(core.writer));
  app.addHook('preClose', async () => clients.clear());

  app.post('/cometd/:version', async (request: FastifyRequest, reply: FastifyReply) => {
    const { version } = request.params as { version: string };
    if (!apiVersions.includes(version)) {
      return reply.code(400).send({ error: `Unsupported API version ${version}. URI format: '/cometd/${apiVersions.at(-1) ?? '62.0'}'` });
    }
    const body = request.body;
    const messages = (Array.isArray(body) ? body : [body]).filter(isObject);
    if (messages.length === 0) return reply.code(400).send({ error: 'send a JSON array of Bayeux messages' });
    const result = await server.handle({
      messages,
      authorized: core.auth.session(request.headers.authorization) !== null,
      cookies: parseCookies(request.headers.cookie),
      channelExists: (channel) => channelExists(channel, core.org, capture.settings.entities),
    });
    if (result.setCookie) void reply.header('set-cookie', result.setCookie);
    return reply.send(result.messages);
  });

  app.get('/_admin/streaming', async () => ({
    settings: { ...capture.settings, ...poll, retainedEvents: bus.capacity, clientTimeoutMs: clients.timeoutMs },
    clients: clients.size,
    events: bus.all().map((event) => event.data),
  }));

  app.put('/_admin/streaming/settings', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const number = (key: string): number | undefined => (typeof body[key] === 'number' ? body[key] : undefined);
    if (Array.isArray(body.entities)) capture.settings.entities = body.entities.map(String);
    capture.settings.overflowThreshold = number('overflowThreshold') ?? capture.settings.overflowThreshold;
    capture.settings.gapNext = number('gapNext') ?? capture.settings.gapNext;
    poll.longPollTimeoutMs = number('longPollTimeoutMs') ?? poll.longPollTimeoutMs;
    poll.maxEventsPerConnect = number('maxEventsPerConnect') ?? poll.maxEventsPerConnect;
    bus.capacity = number('retainedEvents') ?? bus.capacity;
    clients.timeoutMs = number('clientTimeoutMs') ?? clients.timeoutMs;
    return reply.code(204).send();
  });

  app.post('/_admin/streaming/events', async (request, reply) => {
    const body = (request.body ?? {}) as { entityName?: unknown; changeType?: unknown; recordIds?: unknown };
    if (typeof body.entityName !== 'string' || typeof body.changeType !== 'string' || !GAP_TYPES.has(body.changeType)) {
      return reply.code(400).send({ error: 'send {"entityName": "Event", "changeType": "GAP_UPDATE" | … | "GAP_OVERFLOW", "recordIds": [...]}' });
    }
    const recordIds = Array.isArray(body.recordIds) ? body.recordIds.map(String) : [];
    const header = { entityName: body.entityName, recordIds, changeType: body.changeType, changeOrigin: '',
      transactionKey: randomUUID(), sequenceNumber: 1, commitTimestamp: Date.now(), commitNumber: 0,
      commitUser: '', changedFields: [] };
    const replayId = bus.publish(body.entityName, { ChangeEventHeader: header }, 'injected');
    return reply.code(201).send({ replayId });
  });

  app.post('/_admin/streaming/trim', async (request, reply) => {
    const keepLast = (request.body as { keepLast?: unknown } | null)?.keepLast;
    if (typeof keepLast !== 'number') return reply.code(400).send({ error: 'send {"keepLast": 0}' });
    bus.trim(keepLast);
    return reply.code(204).send();
  });

  app.post('/_admin/streaming/drop-clients', async (_request, reply) => {
    clients.clear();
    return reply.code(204).send();
  });

  return {
    duringRest: (apiVersion, headers, dispatch) => capture.during(restChangeOrigin(apiVersion, headers['sforce-call-options']), dispatch),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return cookies;
}
