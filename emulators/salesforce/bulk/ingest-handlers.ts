import { SfError } from '../sf-error.ts';
import { formatDateTime } from '../sf-time.ts';
import type { OrgState } from '../org-state.ts';
import type { RestHandler, RestResponse } from '../rest-types.ts';
import { COLUMN_DELIMITERS, CsvSyntaxError, LINE_ENDINGS, formatCsv, parseCsv, type ColumnDelimiter, type LineEnding } from './csv-codec.ts';
import {
  CLIENT_TRANSITIONS, INGEST_OPERATIONS, bulkJobsOf, jobInfo, touch, type IngestJob, type IngestOperation,
} from './ingest-job.ts';
import { scheduleProcessing } from './job-processor.ts';

/** Upload limit: 150 MB of base64, which Salesforce documents as about 100 MB of CSV. */
const MAX_UPLOAD_CHARS = 100 * 1024 * 1024;

const TERMINAL_STATES = new Set(['JobComplete', 'Failed', 'Aborted']);

/** `POST jobs/ingest`: create a job in state Open. */
export const createIngestJobHandler: RestHandler = (request, context) => {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const operation = body.operation;
  if (typeof body.object !== 'string' || body.object === '') throw bulkError('object is required: name one sObject type');
  if (!INGEST_OPERATIONS.includes(operation as IngestOperation)) {
    throw bulkError(`operation must be one of ${INGEST_OPERATIONS.join(', ')}`);
  }
  context.writer.requireTable(body.object);
  if (operation === 'upsert' && typeof body.externalIdFieldName !== 'string') {
    throw bulkError('externalIdFieldName is required for upsert operations');
  }
  if (body.contentType !== undefined && body.contentType !== 'CSV') throw bulkError('contentType must be CSV');
  const columnDelimiter = enumValue(body.columnDelimiter, COLUMN_DELIMITERS, 'COMMA', 'columnDelimiter') as ColumnDelimiter;
  const lineEnding = enumValue(body.lineEnding, LINE_ENDINGS, 'LF', 'lineEnding') as LineEnding;

  const jobs = bulkJobsOf(context.org);
  const now = formatDateTime(Date.now());
  const job: IngestJob = {
    id: jobs.newId(),
    object: context.writer.requireTable(body.object).def.name,
    operation: operation as IngestOperation,
    externalIdFieldName: operation === 'upsert' ? String(body.externalIdFieldName) : null,
    columnDelimiter,
    lineEnding,
    apiVersion: request.apiVersion,
    createdById: request.session.userId,
    createdDate: now,
    systemModstamp: now,
    state: 'Open',
    errorMessage: null,
    header: null,
    rows: [],
    results: [],
    processingStartedAt: null,
    processingEndedAt: null,
  };
  jobs.jobs.set(job.id, job);
  return { status: 200, body: jobInfo(job) };
};

/** `PUT jobs/ingest/{jobId}/batches`: the job's one CSV upload. */
export const uploadJobDataHandler: RestHandler = (request, context, params) => {
  const job = findJob(context.org, params.jobId);
  if (job.state !== 'Open') throw bulkError(`Job ${job.id} is ${job.state}: upload data only to an Open job`, 409);
  if (job.header !== null) {
    throw bulkError(`Job ${job.id} already has its data: a job takes one upload, so create another job for more records`);
  }
  if (typeof request.body !== 'string' || request.body.trim() === '') {
    throw bulkError('The request body must be CSV data with a header row (Content-Type: text/csv)');
  }
  if (request.body.length > MAX_UPLOAD_CHARS) throw bulkError('The CSV data exceeds 100 MB: split it over several jobs', 413);

  let rows: string[][];
  try {
    rows = parseCsv(request.body, job.columnDelimiter);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw bulkError(`The CSV data is malformed: ${error.message}`);
    throw error;
  }
  const [header = [], ...records] = rows;
  job.header = header.map((name) => name.trim());
  job.rows = records;
  touch(job);
  return { status: 201 };
};

/** `PATCH jobs/ingest/{jobId}`: close (`UploadComplete`) or abort (`Aborted`) a job. */
export const patchIngestJobHandler: RestHandler = (request, context, params) => {
  const job = findJob(context.org, params.jobId);
  const state = (request.body as { state?: unknown } | null)?.state;
  if (state !== 'UploadComplete' && state !== 'Aborted') throw bulkError('state must be UploadComplete or Aborted');
  if (!CLIENT_TRANSITIONS[state].includes(job.state)) {
    throw bulkError(`Job ${job.id} is ${job.state} and cannot move to ${state}`, 409);
  }
  if (state === 'UploadComplete' && job.header === null) {
    throw bulkError(`Job ${job.id} has no data: upload CSV data before closing it`);
  }

  touch(job, state);
  if (state === 'UploadComplete') scheduleProcessing(job, context, bulkJobsOf(context.org));
  return { status: 200, body: jobInfo(job) };
};

/** `GET jobs/ingest/{jobId}`. */
export const getIngestJobHandler: RestHandler = (_request, context, params) =>
  ({ status: 200, body: jobInfo(findJob(context.org, params.jobId)) });

/** `DELETE jobs/ingest/{jobId}`: only a job in a final state, or one never closed. */
export const deleteIngestJobHandler: RestHandler = (_request, context, params) => {
  const job = findJob(context.org, params.jobId);
  if (!TERMINAL_STATES.has(job.state) && job.state !== 'Open') {
    throw bulkError(`Job ${job.id} is ${job.state}: abort it or wait for it to end before deleting it`, 409);
  }
  bulkJobsOf(context.org).jobs.delete(job.id);
  return { status: 204 };
};

/** `GET jobs/ingest/{jobId}/successfulResults|failedResults|unprocessedrecords` as CSV. */
export const jobResultsHandler: RestHandler = (_request, context, params) => {
  const job = findJob(context.org, params.jobId);
  const kind = params.resultKind ?? '';
  if (!['successfulResults', 'failedResults', 'unprocessedrecords'].includes(kind)) {
    throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  if (!TERMINAL_STATES.has(job.state)) {
    throw bulkError(`Job ${job.id} is ${job.state}: results are ready once it is JobComplete, Failed or Aborted`, 409);
  }
  const header = job.header ?? [];
  let rows: string[][];
  if (kind === 'successfulResults') {
    rows = [['sf__Id', 'sf__Created', ...header], ...job.results.filter((r) => r.error === undefined)
      .map((r) => [r.id, String(r.created === true), ...r.row])];
  } else if (kind === 'failedResults') {
    rows = [['sf__Id', 'sf__Error', ...header], ...job.results.filter((r) => r.error !== undefined)
      .map((r) => [r.id, r.error ?? '', ...r.row])];
  } else {
    rows = [header, ...job.rows.slice(job.results.length)];
  }
  return csvResponse(formatCsv(rows, job.columnDelimiter, job.lineEnding));
};

function csvResponse(text: string): RestResponse {
  return { status: 200, body: text, headers: { 'content-type': 'text/csv; charset=UTF-8' } };
}

function findJob(org: OrgState, jobId: string | undefined): IngestJob {
  const job = bulkJobsOf(org).jobs.get(jobId ?? '');
  if (!job) {
    throw new SfError(404, 'NOT_FOUND', `No ingest job with id ${jobId ?? ''}: check the id returned when the job was created`);
  }
  return job;
}

function enumValue(value: unknown, allowed: Readonly<Record<string, string>>, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value in allowed) return value;
  throw bulkError(`${name} must be one of ${Object.keys(allowed).join(', ')}`);
}

// NOTE: the Bulk API 2.0 guide does not list these error codes; BULK_API_ERROR for a rejected request and
// INVALIDJOBSTATE with 409 for a job in the wrong state are the emulator's assumption.
function bulkError(message: string, status = 400): SfError {
  return new SfError(status, status === 409 ? 'INVALIDJOBSTATE' : 'BULK_API_ERROR', message);
}
