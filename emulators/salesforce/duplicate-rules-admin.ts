import type { FastifyInstance } from 'fastify';
import type { EmulatorCore } from './emulator-core.ts';

/**
 * `GET /_admin/duplicate-rules` → `{standard}`; `PUT /_admin/duplicate-rules` `{standard: boolean}` switches the
 * standard Contact and Lead duplicate rules on or off. Loopback only, like the rest of `/_admin`.
 */
export function registerDuplicateRuleRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.get('/_admin/duplicate-rules', async (_request, reply) => reply.send({ standard: core.faults.standardDuplicateRules.active }));

  app.put('/_admin/duplicate-rules', async (request, reply) => {
    const body = request.body as { standard?: unknown } | null;
    if (typeof body?.standard !== 'boolean') {
      return reply.code(400).send({ error: 'send {"standard": true} or {"standard": false}' });
    }
    core.faults.standardDuplicateRules.active = body.standard;
    return reply.send({ standard: body.standard });
  });
}
