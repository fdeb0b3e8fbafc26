import { makeId } from '../ids.ts';
import { formatDateTime } from '../sf-time.ts';
import type { OrgState } from '../org-state.ts';
import type { ColumnDelimiter, LineEnding } from './csv-codec.ts';

export const INGEST_OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'] as const;
export type IngestOperation = (typeof INGEST_OPERATIONS)[number];

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** The job states a client may set with `PATCH jobs/ingest/{id}`, and the states each may follow. */
export const CLIENT_TRANSITIONS: Readonly<Record<'UploadComplete' | 'Aborted', readonly JobState[]>> = {
  UploadComplete: ['Open'],
  Aborted: ['Open', 'UploadComplete', 'InProgress'],
};

/** One processed row: the record id when known, and either `created` or the `sf__Error` text. */
export interface RowResult {
  readonly row: readonly string[];
  readonly id: string;
  readonly created?: boolean;
  readonly error?: string;
}

export interface IngestJob {
  readonly id: string;
  readonly object: string;
  readonly operation: IngestOperation;
  readonly externalIdFieldName: string | null;
  readonly columnDelimiter: ColumnDelimiter;
  readonly lineEnding: LineEnding;
  readonly apiVersion: string;
  readonly createdById: string;
  readonly createdDate: string;
  systemModstamp: string;
  state: JobState;
  errorMessage: string | null;
  /** The uploaded CSV, header first; null until the one upload a job takes. */
  header: string[] | null;
  rows: string[][];
  results: RowResult[];
  processingStartedAt: number | null;
  processingEndedAt: number | null;
}

/** Test knobs for `POST /_admin/bulk`; kept per org, so a full reset clears them with the jobs. */
export interface BulkSettings {
  /** Time a closed job waits in the queue before processing starts. */
  processingDelayMs: number;
  /** Records processed between two yields to the event loop, so polls see a job in progress. */
  recordsPerTick: number;
  /** The next `failJobs` jobs to start fail after processing `failAfterRecords` records. */
  failJobs: number;
  failAfterRecords: number;
}

export const DEFAULT_BULK_SETTINGS: BulkSettings = { processingDelayMs: 50, recordsPerTick: 200, failJobs: 0, failAfterRecords: 0 };

/** Key prefix of AsyncApexJob, the object behind Bulk API jobs. */
const JOB_KEY_PREFIX = '750';

export class BulkJobs {
  readonly jobs = new Map<string, IngestJob>();
  settings: BulkSettings = { ...DEFAULT_BULK_SETTINGS };
  private sequence = 0;

  newId(): string {
    this.sequence += 1;
    return makeId(JOB_KEY_PREFIX, this.sequence);
  }
}

const stateByOrg = new WeakMap<OrgState, BulkJobs>();

/** The org's Bulk API jobs; a reset org starts with none. */
export function bulkJobsOf(org: OrgState): BulkJobs {
  let jobs = stateByOrg.get(org);
  if (!jobs) {
    jobs = new BulkJobs();
    stateByOrg.set(org, jobs);
  }
  return jobs;
}

export function touch(job: IngestJob, state?: JobState): void {
  if (state !== undefined) job.state = state;
  job.systemModstamp = formatDateTime(Date.now());
}

/** The JobInfo body Salesforce returns from create, close, abort and get. */
export function jobInfo(job: IngestJob): Record<string, unknown> {
  const failed = job.results.filter((result) => result.error !== undefined).length;
  const endedAt = job.processingEndedAt ?? Date.now();
  const processingMs = job.processingStartedAt === null ? 0 : endedAt - job.processingStartedAt;
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    ...(job.externalIdFieldName === null ? {} : { externalIdFieldName: job.externalIdFieldName }),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    jobType: 'V2Ingest',
    ...(job.state === 'Open' ? { contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches` } : {}),
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    numberRecordsProcessed: job.results.length,
    numberRecordsFailed: failed,
    retries: 0,
    totalProcessingTime: processingMs,
    apiActiveProcessingTime: processingMs,
    apexProcessingTime: 0,
    ...(job.errorMessage === null ? {} : { errorMessage: job.errorMessage }),
  };
}
