import type { CrmRecord, Write, WriteResult } from '../../../domain/connector.ts';
import { isConnectorError, type ConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import type { SalesforceRestClient } from '../rest-client.ts';
import { DEFAULT_POLL_SCHEDULE, bulkSavesCalls, pollDelayMs, type PollSchedule } from './break-even.ts';
import { formatCsv } from './csv.ts';
import { FINAL_JOB_STATES, IngestJobApi, type JobInfo } from './ingest-job-api.ts';
import { buildJobRows, holdsNullMarkerText, mapJobResults, type JobRows, type RowContext } from './job-rows.ts';

type CrmWrite = Write<CrmRecord>;

export interface BulkOptions extends Partial<PollSchedule> {
  /** Use Bulk API 2.0 for this many writes of one kind or more, instead of the estimated break-even. */
  readonly minRecords?: number;
}

export interface BulkWriteContext extends RowContext {
  readonly client: SalesforceRestClient;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly sobject: string;
  readonly options: BulkOptions | undefined;
  readonly now?: () => number;
}

export interface BulkOutcome {
  readonly results: WriteResult[];
  /** Writes Bulk API did not settle (not chosen, not processed, or failed for a temporary reason): send them through Composite. */
  readonly remaining: CrmWrite[];
  /** The failure that stopped the jobs part-way (an API limit, a revoked grant), or null; `results` are the writes settled before it. */
  readonly stop: ConnectorError | null;
}

/** Salesforce documents 150 MB of base64 per upload, about 100 MB of CSV; a larger load is split over jobs. */
const MAX_JOB_CSV_BYTES = 100_000_000;

/**
 * Send creates (as upserts by sync id) and updates through Bulk API 2.0 jobs when that costs fewer calls than
 * Composite (see break-even.ts). A write with a value of exactly `#N/A` stays with Composite, because a job would
 * store null for it. Records a job leaves without a final result come back in `remaining` for
 * Composite. Sending such a record again never doubles it, even when the job wrote it after all: creates upsert
 * by the sync id External ID field and updates set the same values on the same record id.
 */
export async function applyBulkWhereCheaper(writes: readonly CrmWrite[], context: BulkWriteContext): Promise<BulkOutcome> {
  const schedule: PollSchedule = { ...DEFAULT_POLL_SCHEDULE, ...withoutUndefined(context.options ?? {}) };
  const results: WriteResult[] = [];
  let stop: ConnectorError | null = null;

  try {
    for (const [operation, op] of [['upsert', 'create'], ['update', 'update']] as const) {
      const group = writes.filter((write) => write.op === op && !holdsNullMarkerText(write));
      if (!bulkSavesCalls(group.length, schedule, context.options?.minRecords)) {
        continue;
      }
      for (const chunk of chunkBySize(buildJobRows(operation, firstPerKey(group), context))) {
        results.push(...(await runJob(chunk, context, schedule)));
      }
    }
  } catch (error) {
    if (!isConnectorError(error)) {
      throw error;
    }
    stop = error;
  }

  const settled = new Set(results.map((result) => result.ref));
  return { results, remaining: writes.filter((write) => !settled.has(write.ref)), stop };
}

/** Keeps the first write per sync id or record id: a job matches results by that key, so a repeat waits for Composite. */
function firstPerKey(group: readonly CrmWrite[]): CrmWrite[] {
  const seen = new Set<string>();
  return group.filter((write) => {
    const key = write.op === 'create' ? write.syncId.toLowerCase() : write.op === 'update' ? write.id : write.ref;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function chunkBySize(rows: JobRows): { rows: JobRows; csv: string }[] {
  const chunks: { rows: JobRows; csv: string }[] = [];
  const headerBytes = Buffer.byteLength(formatCsv([rows.header]));
  let start = 0;
  let bytes = headerBytes;
  const flush = (end: number) => {
    const part = rows.rows.slice(start, end);
    const byKey = new Map(part.map((row) => [row[0]!, rows.byKey.get(row[0]!)!]));
    chunks.push({ rows: { ...rows, rows: part, byKey }, csv: formatCsv([rows.header, ...part]) });
    start = end;
    bytes = headerBytes;
  };
  rows.rows.forEach((row, index) => {
    const rowBytes = Buffer.byteLength(formatCsv([row]));
    if (index > start && bytes + rowBytes > MAX_JOB_CSV_BYTES) {
      flush(index);
    }
    bytes += rowBytes;
  });
  if (start < rows.rows.length) {
    flush(rows.rows.length);
  }
  return chunks;
}

/** Runs one job; returns the results of the records it settled, so the others fall to Composite. */
async function runJob(chunk: { rows: JobRows; csv: string }, context: BulkWriteContext, schedule: PollSchedule): Promise<WriteResult[]> {
  const api = new IngestJobApi(context.client);
  const writes = [...chunk.rows.byKey.values()];
  let jobId: string | null = null;

  try {
    jobId = await api.create(context.sobject, chunk.rows.operation, chunk.rows.operation === 'upsert' ? context.syncIdField : null);
    await api.upload(jobId, chunk.csv);
    await api.setState(jobId, 'UploadComplete');
  } catch (error) {
    // Before the close nothing was written, so Composite can take every record; an org-wide stop still stops.
    if (!isConnectorError(error) || error.failure.kind === 'suspend' || error.failure.kind === 'reauthenticate') {
      throw error;
    }
    context.logger.warn({ code: error.failure.code, records: writes.length }, 'Could not start a Salesforce Bulk API job; sending its records through Composite');
    if (jobId !== null) {
      await api.setState(jobId, 'Aborted').catch(() => undefined);
    }
    return [];
  }

  const info = await waitForJob(api, jobId, context, schedule);
  const successful = info.numberRecordsProcessed > info.numberRecordsFailed ? await api.results(jobId, 'successfulResults') : [];
  const failed = info.numberRecordsFailed > 0 ? await api.results(jobId, 'failedResults') : [];
  // A record that failed for a temporary reason (a locked row) is left to Composite, which retries it.
  const settled = mapJobResults(chunk.rows, successful, failed).filter((result) => result.ok || result.failure.kind !== 'retryLater');

  const log = { jobId, state: info.state, records: writes.length, failed: info.numberRecordsFailed, remaining: writes.length - settled.length };
  if (info.state === 'JobComplete') {
    context.logger.info(log, 'Salesforce Bulk API job completed');
  } else {
    context.logger.warn({ ...log, reason: info.errorMessage }, 'Salesforce Bulk API job ended early; sending its unfinished records through Composite');
  }
  return settled;
}

/** Poll the job's state with growing waits until it ends; past the timeout, abort it and return the aborted state. */
async function waitForJob(api: IngestJobApi, jobId: string, context: BulkWriteContext, schedule: PollSchedule): Promise<JobInfo> {
  const now = context.now ?? Date.now;
  const started = now();
  for (let poll = 1; ; poll += 1) {
    await context.sleep(pollDelayMs(poll, schedule));
    const info = await api.info(jobId);
    if (FINAL_JOB_STATES.has(info.state)) {
      return info;
    }
    if (now() - started >= schedule.timeoutMs) {
      context.logger.warn({ jobId, state: info.state, timeoutMs: schedule.timeoutMs }, 'Salesforce Bulk API job is taking too long; aborting it');
      return abortJob(api, jobId);
    }
  }
}

async function abortJob(api: IngestJobApi, jobId: string): Promise<JobInfo> {
  try {
    return await api.setState(jobId, 'Aborted');
  } catch (error) {
    // The job can end between the last poll and the abort; Salesforce then refuses the abort, and the job's own state stands.
    if (isConnectorError(error, 'conflict') || isConnectorError(error, 'bug')) {
      return api.info(jobId);
    }
    throw error;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
