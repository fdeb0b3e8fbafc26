import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SIDES } from '../domain/glossary.ts';
import type { SessionReport } from '../domain/session-report.ts';

/**
 * Prometheus metrics of the engine, served as text at `GET /metrics`. Labels hold only bounded values (status,
 * side, object kind, system), never a mailbox, an address or an org, so the number of series stays small and the
 * endpoint reveals no one's data.
 */
export interface SynclineMetrics {
  readonly registry: Registry;
  /** Count one recorded session: its status, items read and written per side, item errors and API calls. */
  recordSession(report: SessionReport): void;
  /**
   * Set where the queue lag comes from: the age in seconds of the oldest session that is due and not started
   * (0 when none is late), read at each scrape.
   */
  observeQueueLag(readLagSeconds: () => Promise<number>): void;
}

const WRITE_OPERATIONS = ['created', 'updated', 'deleted'] as const;

/** Session durations from under a second (nothing changed) to many minutes (a first full read of a big mailbox). */
const DURATION_BUCKETS_SECONDS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

export function createMetrics(options: { readonly processMetrics?: boolean } = {}): SynclineMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
  }

  const sessions = new Counter({ name: 'syncline_sessions_total', help: 'Sync sessions recorded, by status.', labelNames: ['status'], registers: [registry] });
  const duration = new Histogram({
    name: 'syncline_session_duration_seconds',
    help: 'Wall-clock duration of recorded sync sessions, by status.',
    labelNames: ['status'],
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  // NOTE: the session report counts reads per side only, so reads carry no object label.
  const itemsRead = new Counter({ name: 'syncline_items_read_total', help: 'Items read by sync sessions, by side.', labelNames: ['side'], registers: [registry] });
  const itemsWritten = new Counter({
    name: 'syncline_items_written_total',
    help: 'Items written by sync sessions, by side, Salesforce object (Event, Task, Contact, …) and operation (created, updated, deleted).',
    labelNames: ['side', 'object', 'operation'],
    registers: [registry],
  });
  const itemErrors = new Counter({ name: 'syncline_item_errors_total', help: 'Items that failed in a sync session and will be retried, by side and object kind (event, task, contact, …).', labelNames: ['side', 'object'], registers: [registry] });
  const apiCalls = new Counter({ name: 'syncline_api_calls_total', help: 'API requests sent by sync sessions, by system (salesforce, or the mailbox kind such as graph).', labelNames: ['system'], registers: [registry] });

  let readLag: (() => Promise<number>) | null = null;
  new Gauge({
    name: 'syncline_queue_lag_seconds',
    help: 'Age of the oldest mailbox session that is due and has not started; 0 when none is late.',
    registers: [registry],
    async collect() {
      this.set(readLag === null ? 0 : await readLag());
    },
  });

  return {
    registry,
    recordSession(report) {
      sessions.inc({ status: report.status });
      const seconds = (Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) {
        duration.observe({ status: report.status }, seconds);
      }

      for (const side of SIDES) {
        itemsRead.inc({ side }, report.reads[side]);
        for (const [object, counts] of Object.entries(report.writes.byObject)) {
          for (const operation of WRITE_OPERATIONS) {
            itemsWritten.inc({ side, object, operation }, counts[side][operation]);
          }
        }
      }
      for (const error of report.itemErrors) {
        // Reports made before tasks and contacts were synced name no kind; they were events.
        itemErrors.inc({ side: error.side, object: error.objectKind ?? 'event' });
      }

      apiCalls.inc({ system: 'salesforce' }, report.apiCalls.crm);
      apiCalls.inc({ system: report.kind }, report.apiCalls.mailbox);
    },
    observeQueueLag(read) {
      readLag = read;
    },
  };
}

/** The process's metrics: what `GET /metrics` serves and what `recordSessionMetrics` counts into. */
export const processMetrics: SynclineMetrics = createMetrics();

/** Count one recorded session in the process's metrics; call it where sessions are recorded in the store. */
export function recordSessionMetrics(report: SessionReport): void {
  processMetrics.recordSession(report);
}
