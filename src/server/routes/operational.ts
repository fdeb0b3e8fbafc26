import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountStore } from '../../domain/accounts.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SynclineMetrics } from '../../observability/metrics.ts';

export interface OperationalRouteOptions {
  readonly store: AccountStore;
  readonly metrics: SynclineMetrics;
  readonly logger: Logger;
}

/** A store that has not responded in this time counts as down, because a probe must not hang the load balancer. */
const READINESS_TIMEOUT_MS = 2_000;
const tags = ['operations'];

/**
 * For load balancers and Prometheus, outside `/api/` and without sign-in: `GET /healthz` (the process runs),
 * `GET /readyz` (the store responds) and `GET /metrics` (counts only: no ids, addresses or data).
 */
export function registerOperationalRoutes(app: FastifyInstance, options: OperationalRouteOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const logger = options.logger.child({ component: 'readiness' });

  routes.get('/healthz', { schema: { tags, summary: 'Liveness: 200 while the process runs', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  routes.get('/readyz', {
    schema: { tags, summary: 'Readiness: 200 when the store answers, 503 otherwise', response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable'), reason: z.string() }) } },
  }, async (_request, reply) => {
    try {
      await withTimeout(options.store.getMailbox('readiness-probe'), READINESS_TIMEOUT_MS);
      return reply.code(200).send({ status: 'ready' as const });
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'Readiness probe failed: the store did not respond');
      return reply.code(503).send({ status: 'unavailable' as const, reason: 'the store did not answer' });
    }
  });

  routes.get('/metrics', { schema: { tags, summary: 'Prometheus metrics in the text exposition format' } }, async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store timed out: no response within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
