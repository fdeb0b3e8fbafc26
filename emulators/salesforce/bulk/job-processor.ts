import { toId18 } from '../ids.ts';
import { SfError } from '../sf-error.ts';
import { findField, type FieldDef } from '../schema/field-def.ts';
import type { SfRecord } from '../record-table.ts';
import type { RestContext } from '../rest-types.ts';
import { touch, type BulkJobs, type IngestJob, type RowResult } from './ingest-job.ts';

/** Bulk API 2.0 writes `#N/A` to set a field to null; an empty field leaves the value as it is. */
const NULL_MARKER = '#N/A';

/**
 * Process a closed job in the background as Salesforce does: it waits in the queue, turns InProgress, writes
 * its records a chunk at a time through the same record writer as the REST API (so validation rules, required
 * fields, lengths and duplicates fail the same way), and ends JobComplete, or Failed when a fault says so.
 */
export function scheduleProcessing(job: IngestJob, context: RestContext, jobs: BulkJobs): void {
  const timer = setTimeout(() => startProcessing(job, context, jobs), jobs.settings.processingDelayMs);
  timer.unref();
}

function startProcessing(job: IngestJob, context: RestContext, jobs: BulkJobs): void {
  if (job.state !== 'UploadComplete') return;
  touch(job, 'InProgress');
  job.processingStartedAt = Date.now();

  const failAfter = jobs.settings.failJobs > 0 ? jobs.settings.failAfterRecords : null;
  if (failAfter !== null) jobs.settings.failJobs -= 1;

  const header = job.header ?? [];
  const problem = headerProblem(job, context, header);
  if (problem !== null) {
    finish(job, 'Failed', `InvalidBatch : ${problem}`);
    return;
  }
  const defs = header.map((name) => findField(context.writer.requireTable(job.object).def, name)!);
  let next = 0;

  const step = (): void => {
    if (job.state !== 'InProgress') return;
    const end = Math.min(job.rows.length, next + jobs.settings.recordsPerTick);
    for (; next < end; next += 1) {
      if (failAfter !== null && next >= failAfter) {
        finish(job, 'Failed', 'InternalServerError : the batch failed after the maximum number of retries');
        return;
      }
      job.results.push(processRow(job, defs, job.rows[next]!, context));
    }
    touch(job);
    if (next < job.rows.length) {
      setImmediate(step).unref();
      return;
    }
    finish(job, 'JobComplete', null);
  };
  step();
}

function finish(job: IngestJob, state: 'JobComplete' | 'Failed', errorMessage: string | null): void {
  job.errorMessage = errorMessage;
  job.processingEndedAt = Date.now();
  touch(job, state);
}

/** Why the header row cannot be processed, in Salesforce's words, or null. */
function headerProblem(job: IngestJob, context: RestContext, header: readonly string[]): string | null {
  const table = context.org.table(job.object);
  if (!table) return `sObject type '${job.object}' is not supported`;
  const unknown = header.find((name) => !findField(table.def, name));
  if (unknown !== undefined) return `Field name not found : ${unknown}`;

  const key = job.operation === 'upsert' ? job.externalIdFieldName ?? '' : job.operation === 'insert' ? null : 'Id';
  if (key !== null && !header.some((name) => name.toLowerCase() === key.toLowerCase())) {
    return `Field name not provided : ${key}`;
  }
  return null;
}

function processRow(job: IngestJob, defs: readonly FieldDef[], row: readonly string[], context: RestContext): RowResult {
  const body = rowBody(defs, row);
  const rowId = typeof body.Id === 'string' ? toId18(body.Id) ?? body.Id : '';
  try {
    return context.org.transaction(() => writeRow(job, body, context, row));
  } catch (error) {
    if (!(error instanceof SfError)) throw error;
    const id = job.operation === 'upsert' || job.operation === 'insert' ? '' : rowId;
    return { row, id, error: errorText(error) };
  }
}

function writeRow(job: IngestJob, body: SfRecord, context: RestContext, row: readonly string[]): RowResult {
  const ctx = { userId: job.createdById };
  const { writer } = context;
  if (job.operation === 'insert') {
    return { row, id: writer.create(job.object, body, ctx), created: true };
  }
  if (job.operation === 'upsert') {
    const field = job.externalIdFieldName ?? '';
    const key = Object.keys(body).find((name) => name.toLowerCase() === field.toLowerCase());
    const value = key === undefined ? null : body[key];
    if (typeof value !== 'string') throw new SfError(400, 'MISSING_ARGUMENT', `${field} not specified`, [field]);
    const result = writer.upsert(job.object, field, value, body, ctx);
    return { row, id: result.id, created: result.created };
  }

  const { Id: id, ...rest } = body;
  if (typeof id !== 'string') throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
  if (job.operation === 'update') {
    writer.update(job.object, id, rest, ctx);
  } else {
    writer.delete(job.object, id, ctx);
  }
  return { row, id: toId18(id) ?? id, created: false };
}

/** Turns one CSV row into a JSON-typed record body: empty fields are left out, `#N/A` is null. */
function rowBody(defs: readonly FieldDef[], row: readonly string[]): SfRecord {
  const body: SfRecord = {};
  defs.forEach((def, index) => {
    const text = row[index] ?? '';
    if (text === '') return;
    body[def.name] = text === NULL_MARKER ? null : typedValue(def, text);
  });
  return body;
}

function typedValue(def: FieldDef, text: string): unknown {
  if (def.type === 'boolean') {
    const lower = text.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    return text;
  }
  if (def.type === 'int' && /^-?\d+$/.test(text)) return Number(text);
  return text;
}

/** Formats the `sf__Error` column: `CODE:message:fields --`. */
// NOTE: the form without fields (`CODE:message: --`) is assumed from the form with fields.
function errorText(error: SfError): string {
  return `${error.errorCode}:${error.message}:${(error.fields ?? []).join(',')} --`;
}
