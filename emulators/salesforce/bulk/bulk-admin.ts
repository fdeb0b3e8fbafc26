import type { FastifyInstance } from 'fastify';
import type { EmulatorCore } from '../emulator-core.ts';
import { DEFAULT_BULK_SETTINGS, bulkJobsOf, type BulkSettings } from './ingest-job.ts';

const SETTING_NAMES = Object.keys(DEFAULT_BULK_SETTINGS) as (keyof BulkSettings)[];

/**
 * `POST /_admin/bulk` `{processingDelayMs?, recordsPerTick?, failJobs?, failAfterRecords?}` tunes how Bulk API
 * jobs run and makes the next jobs fail part-way; `GET /_admin/bulk` shows the settings and the jobs' states.
 * The admin API's loopback guard (admin-routes.ts) covers these paths too.
 */
export function registerBulkAdminRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.post('/_admin/bulk', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const jobs = bulkJobsOf(core.org);
    const next: BulkSettings = { ...jobs.settings };
    for (const [name, value] of Object.entries(body)) {
      if (!SETTING_NAMES.includes(name as keyof BulkSettings) || typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        return reply.code(400).send({ error: `${name} is not a setting: send non-negative integers for ${SETTING_NAMES.join(', ')}` });
      }
      next[name as keyof BulkSettings] = value;
    }
    jobs.settings = { ...next, recordsPerTick: Math.max(1, next.recordsPerTick) };
    return reply.send({ settings: jobs.settings });
  });

  app.get('/_admin/bulk', async () => {
    const jobs = bulkJobsOf(core.org);
    return {
      settings: jobs.settings,
      jobs: [...jobs.jobs.values()].map((job) => ({
        id: job.id, operation: job.operation, state: job.state, records: job.rows.length, processed: job.results.length,
        processingMs: job.processingStartedAt === null ? 0 : (job.processingEndedAt ?? Date.now()) - job.processingStartedAt,
      })),
    };
  });
}
