import { SfError } from './sf-error.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorCore } from './emulator-core.ts';
import { eventsFromIcs, type IcsFile } from './ics-seed.ts';
import type { Fault } from './faults.ts';
import type { OrgFeatures } from './schema/org-schemas.ts';
import type { SfRecord } from './record-table.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Registers the test-only admin API under `/_admin`: seed and inspect records, inject faults, read and reset
 * counters. It has no auth and serves loopback callers only. `changed` runs after every state change, for persistence.
 */
export function registerAdminRoutes(app: FastifyInstance, core: EmulatorCore, changed: () => void): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith('/_admin')) return;
    if (!LOOPBACK.has(request.ip)) await reply.code(403).send({ error: 'the admin API answers loopback callers only' });
  });

  app.post('/_admin/records', async (request, reply) => {
    const body = request.body as { sobject?: unknown; records?: unknown } | null;
    if (typeof body?.sobject !== 'string' || !Array.isArray(body.records)) {
      return reply.code(400).send({ error: 'send {"sobject": "Event", "records": [{...}]}' });
    }
    const sobject = body.sobject;
    const records = body.records as SfRecord[];
    try {
      const ids = core.org.transaction(() => records.map((record) =>
        core.writer.create(sobject, record, { userId: core.integrationUserId, admin: true })));
      changed();
      return reply.code(201).send({ ids });
    } catch (error) {
      if (error instanceof SfError) return reply.code(400).send(error.toBody());
      throw error;
    }
  });

  app.post('/_admin/ics', async (request, reply) => {
    const body = request.body as { files?: unknown; horizon?: { start?: unknown; end?: unknown }; ownerId?: unknown } | null;
    const horizon = body?.horizon;
    if (!Array.isArray(body?.files) || typeof horizon?.start !== 'string' || typeof horizon.end !== 'string') {
      return reply.code(400).send({ error: 'send {"files": [{"name": "a.ics", "text": "BEGIN:VCALENDAR…"}], "horizon": {"start": ISO, "end": ISO}}' });
    }
    const { records, warnings } = eventsFromIcs(body.files as IcsFile[], { start: horizon.start, end: horizon.end });
    const ownerId = typeof body.ownerId === 'string' ? body.ownerId : core.integrationUserId;
    try {
      const ids = core.org.transaction(() => records.map((record) =>
        core.writer.create('Event', { OwnerId: ownerId, ...record }, { userId: core.integrationUserId, admin: true })));
      changed();
      return reply.code(201).send({ ids, warnings });
    } catch (error) {
      if (error instanceof SfError) return reply.code(400).send(error.toBody());
      throw error;
    }
  });

  app.get('/_admin/records/:sobject', async (request, reply) => {
    const { sobject } = request.params as { sobject: string };
    const table = core.org.table(sobject);
    if (!table) return reply.code(404).send({ error: `no sObject named ${sobject}; known: Event, User` });
    return reply.send({ sobject: table.def.name, records: [...table.all()] });
  });

  app.post('/_admin/faults', async (request, reply) => {
    const body = request.body as { faults?: unknown } | null;
    if (!Array.isArray(body?.faults)) return reply.code(400).send({ error: 'send {"faults": [{"type": ...}]}' });
    core.applyFaults(body.faults as Fault[]);
    changed();
    return reply.code(204).send();
  });

  app.delete('/_admin/faults', async (_request, reply) => {
    core.faults.clear();
    return reply.code(204).send();
  });

  app.get('/_admin/stats', async (_request, reply) => reply.send(core.stats.snapshot()));

  // Lets a test start near the daily limit without making thousands of calls first.
  app.post('/_admin/limits', async (request, reply) => {
    const body = request.body as { dailyApiCalls?: unknown } | null;
    const calls = body?.dailyApiCalls;
    if (typeof calls !== 'number' || !Number.isInteger(calls) || calls < 0) {
      return reply.code(400).send({ error: 'send {"dailyApiCalls": N}, a whole number of calls already used today' });
    }
    core.stats.resetDaily(calls);
    changed();
    return reply.code(204).send();
  });

  app.post('/_admin/stats/reset', async (_request, reply) => {
    core.stats.reset();
    return reply.code(204).send();
  });

  app.put('/_admin/features', async (request, reply) => {
    const body = request.body as Partial<Record<keyof OrgFeatures, unknown>> | null;
    const names = Object.keys(core.options.features) as (keyof OrgFeatures)[];
    const sent = Object.entries(body ?? {});
    if (sent.length === 0 || sent.some(([name, value]) => !names.includes(name as keyof OrgFeatures) || typeof value !== 'boolean')) {
      return reply.code(400).send({ error: `send booleans for some of ${names.join(', ')}` });
    }
    core.options.features = { ...core.options.features, ...(body as Partial<OrgFeatures>) };
    // A real org changes its schema when a feature is switched; the emulator starts a fresh org with the new one.
    core.reset();
    changed();
    return reply.send(core.options.features);
  });

  app.post('/_admin/reset', async (_request, reply) => {
    core.reset();
    changed();
    return reply.code(204).send();
  });
}
