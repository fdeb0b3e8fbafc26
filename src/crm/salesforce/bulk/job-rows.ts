import type { CrmRecord, Write, WriteResult } from '../../../domain/connector.ts';
import type { Failure } from '../../../domain/errors.ts';
import { classifySalesforceError, classifyUpsertFailure } from '../classify-error.ts';
import type { BulkOperation } from './ingest-job-api.ts';

type CrmWrite = Write<CrmRecord>;

/** Bulk API 2.0 sets a field to null with `#N/A`; an empty field leaves the stored value as it is. */
const NULL_MARKER = '#N/A';

/** Fields Salesforce sets itself; a record read back carries them, a write must not. */
const SYSTEM_FIELDS = ['attributes', 'id', 'systemmodstamp', 'lastmodifieddate'];

export interface RowContext {
  readonly syncIdField: string;
  readonly ownerId: string;
  /** Fits a record's values to the org's fields (see value-checks.ts). */
  readonly prepare: (values: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/** One job's CSV rows and the write behind each value of the key column, which the results echo back. */
export interface JobRows {
  readonly operation: BulkOperation;
  readonly keyColumn: string;
  readonly header: readonly string[];
  readonly rows: readonly string[][];
  readonly byKey: ReadonlyMap<string, CrmWrite>;
}

/**
 * Build the rows of one job. Results come back in any order, so each row is matched by a column the connector
 * controls: the sync id for upserts, the record id for updates. Creates become upserts by the sync id.
 */
export function buildJobRows(operation: BulkOperation, writes: readonly CrmWrite[], context: RowContext): JobRows {
  const keyColumn = operation === 'upsert' ? context.syncIdField : 'Id';
  const records = writes.map((write) => recordOf(write, context));
  const header = [keyColumn];
  const seen = new Set([keyColumn.toLowerCase()]);
  for (const record of records) {
    for (const name of Object.keys(record)) {
      if (!seen.has(name.toLowerCase())) {
        seen.add(name.toLowerCase());
        header.push(name);
      }
    }
  }

  const byKey = new Map<string, CrmWrite>();
  const rows = records.map((record, index) => {
    byKey.set(String(record[keyColumn]), writes[index]!);
    return header.map((name) => (name in record ? csvValue(record[name]) : ''));
  });
  return { operation, keyColumn, header, rows, byKey };
}

/**
 * True when a value of the write is the text `#N/A` itself. Bulk API 2.0 reads that text as "set to null" and has no
 * escape for it, so such a write goes through Composite, where JSON keeps the text as it is.
 */
export function holdsNullMarkerText(write: CrmWrite): boolean {
  if (write.op === 'delete') {
    return false;
  }
  const values = write.op === 'create' ? [write.syncId, ...Object.values(write.item)] : Object.values(write.patch);
  return values.some((value) => value === NULL_MARKER);
}

function recordOf(write: CrmWrite, context: RowContext): Record<string, unknown> {
  if (write.op === 'create') {
    const values = context.prepare(withoutFields(write.item, [...SYSTEM_FIELDS, context.syncIdField.toLowerCase()]));
    return { [context.syncIdField]: write.syncId, OwnerId: context.ownerId, ...values };
  }
  if (write.op === 'update') {
    return { Id: write.id, ...context.prepare(withoutFields(write.patch, SYSTEM_FIELDS)) };
  }
  throw new Error(`A Bulk API job carries creates and updates only, not a ${write.op} (ref ${write.ref})`);
}

function withoutFields(values: Readonly<Record<string, unknown>>, lowerCaseNames: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !lowerCaseNames.includes(name.toLowerCase())));
}

function csvValue(value: unknown): string {
  // Salesforce stores an empty text as null; in CSV an empty field would mean "unchanged" instead.
  if (value === null || value === undefined || value === '') {
    return NULL_MARKER;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value);
}

/** The results of one job: one `WriteResult` per write that has a final result. */
export function mapJobResults(rows: JobRows, successful: readonly string[][], failed: readonly string[][]): WriteResult[] {
  const results: WriteResult[] = [];
  for (const { write, id } of matchRows(rows, successful)) {
    if (id === '') {
      results.push({ ref: write.ref, ok: false, failure: { kind: 'bug', code: 'MISSING_RECORD_ID', message: 'Salesforce reported a written record without its id' } });
      continue;
    }
    results.push({ ref: write.ref, ok: true, id, version: null });
  }
  for (const { write, error } of matchRows(rows, failed)) {
    const failure = parseRecordError(error);
    results.push({ ref: write.ref, ok: false, failure: rows.operation === 'upsert' ? classifyUpsertFailure(failure) : failure });
  }
  return results;
}

function matchRows(rows: JobRows, table: readonly string[][]): { write: CrmWrite; id: string; error: string }[] {
  const [header = [], ...data] = table;
  const keyIndex = header.findIndex((name) => name.toLowerCase() === rows.keyColumn.toLowerCase());
  const idIndex = header.indexOf('sf__Id');
  const errorIndex = header.indexOf('sf__Error');
  if (keyIndex === -1) {
    return [];
  }
  return data.flatMap((row) => {
    const write = rows.byKey.get(row[keyIndex] ?? '');
    return write === undefined ? [] : [{ write, id: row[idIndex] ?? '', error: row[errorIndex] ?? '' }];
  });
}

/** Read an `sf__Error` value, `CODE:message:fields --`, into a classified failure. */
export function parseRecordError(text: string): Failure {
  const trimmed = text.replace(/\s*--\s*$/, '');
  const firstColon = trimmed.indexOf(':');
  const statusCode = firstColon === -1 ? trimmed : trimmed.slice(0, firstColon);
  let message = firstColon === -1 ? '' : trimmed.slice(firstColon + 1);
  let fields: string[] = [];
  const lastColon = message.lastIndexOf(':');
  if (lastColon !== -1 && /^[\w.,]*$/.test(message.slice(lastColon + 1))) {
    fields = message.slice(lastColon + 1).split(',').filter((field) => field !== '');
    message = message.slice(0, lastColon);
  }
  return classifySalesforceError(200, [{ statusCode: statusCode || 'UNKNOWN_EXCEPTION', message, fields }], new Headers());
}
