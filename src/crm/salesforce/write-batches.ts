import type { CrmRecord, Write, WriteResult } from '../../domain/connector.ts';
import type { Failure } from '../../domain/errors.ts';
import { classifySalesforceError, classifyUpsertFailure } from './classify-error.ts';
import { headersOf, indexSubresponses } from './query-runner.ts';

/** sObject Collections take at most 200 records; Composite at most five collections per call. */
export const RECORDS_PER_COLLECTION = 200;
export const COLLECTIONS_PER_COMPOSITE = 5;

/** One write of any sObject. `values` are sent as they are: fit them to describe first (value-checks.ts). */
export type RecordWrite =
  | { readonly op: 'insert'; readonly ref: string; readonly sobject: string; readonly values: Readonly<Record<string, unknown>> }
  | { readonly op: 'update'; readonly ref: string; readonly sobject: string; readonly id: string; readonly values: Readonly<Record<string, unknown>> }
  | {
      readonly op: 'upsert';
      readonly ref: string;
      readonly sobject: string;
      /** External ID field to match on; `values` carries its value. */
      readonly externalIdField: string;
      readonly values: Readonly<Record<string, unknown>>;
    }
  | { readonly op: 'delete'; readonly ref: string; readonly id: string };

/**
 * The outcome of one `RecordWrite`. A failure keeps the id of the record it concerns when Salesforce or the write
 * named one, so an item error can link to the record a person must fix.
 */
export type RecordWriteResult =
  | { readonly ref: string; readonly ok: true; readonly id: string; readonly created: boolean | null }
  | { readonly ref: string; readonly ok: false; readonly failure: Failure; readonly recordId: string | null };

export interface CompositeSubrequest {
  readonly method: 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly referenceId: string;
  readonly body?: { readonly allOrNone: false; readonly records: readonly Record<string, unknown>[] };
}

/** One sObject Collections subrequest and the writes it carries, in the order of Salesforce's results. */
export interface CollectionBatch {
  readonly writes: readonly RecordWrite[];
  readonly subrequest: CompositeSubrequest;
}

export interface CompositeWriteCall {
  readonly body: { readonly allOrNone: false; readonly compositeRequest: readonly CompositeSubrequest[] };
  readonly batches: readonly CollectionBatch[];
}

/**
 * Pack writes into Composite calls of up to five sObject Collections of up to 200 records each. Upserts are grouped
 * per object and External ID field, because the field is part of the collection's URL; inserts and updates may mix
 * objects.
 */
export function packRecordWrites(writes: readonly RecordWrite[], dataPath: string): CompositeWriteCall[] {
  const groups = new Map<string, RecordWrite[]>();
  for (const write of writes) {
    const key = write.op === 'upsert' ? `upsert:${write.sobject}:${write.externalIdField}` : write.op;
    groups.set(key, [...(groups.get(key) ?? []), write]);
  }

  const batches: CollectionBatch[] = [];
  for (const key of orderedKeys(groups)) {
    const group = groups.get(key) ?? [];
    for (let start = 0; start < group.length; start += RECORDS_PER_COLLECTION) {
      const chunk = group.slice(start, start + RECORDS_PER_COLLECTION);
      const kind = chunk[0]!.op;
      batches.push({ writes: chunk, subrequest: buildSubrequest(chunk, `${kind}${batches.length}`, dataPath) });
    }
  }

  const calls: CompositeWriteCall[] = [];
  for (let start = 0; start < batches.length; start += COLLECTIONS_PER_COMPOSITE) {
    const group = batches.slice(start, start + COLLECTIONS_PER_COMPOSITE);
    calls.push({ body: { allOrNone: false, compositeRequest: group.map((batch) => batch.subrequest) }, batches: group });
  }
  return calls;
}

/** Upserts first, then inserts, updates and deletes, so a delete never runs before a write that it follows. */
function orderedKeys(groups: Map<string, RecordWrite[]>): string[] {
  const keys = [...groups.keys()];
  const rank = (key: string) => ['upsert', 'insert', 'update', 'delete'].indexOf(key.split(':')[0]!);
  return keys.sort((a, b) => rank(a) - rank(b));
}

function buildSubrequest(writes: readonly RecordWrite[], referenceId: string, dataPath: string): CompositeSubrequest {
  const collections = `${dataPath}/composite/sobjects`;
  const first = writes[0]!;
  if (first.op === 'delete') {
    const ids = writes.map((write) => encodeURIComponent(write.op === 'delete' ? write.id : ''));
    return { method: 'DELETE', url: `${collections}?ids=${ids.join(',')}&allOrNone=false`, referenceId };
  }

  const records = writes.map(collectionRecord);
  if (first.op === 'upsert') {
    const url = `${collections}/${encodeURIComponent(first.sobject)}/${encodeURIComponent(first.externalIdField)}`;
    return { method: 'PATCH', url, referenceId, body: { allOrNone: false, records } };
  }
  return { method: first.op === 'insert' ? 'POST' : 'PATCH', url: collections, referenceId, body: { allOrNone: false, records } };
}

function collectionRecord(write: RecordWrite): Record<string, unknown> {
  if (write.op === 'delete') {
    return {};
  }
  const values = withoutFields(write.values, ['attributes', 'id']);
  if (write.op === 'update') {
    return { attributes: { type: write.sobject }, Id: write.id, ...values };
  }
  return { attributes: { type: write.sobject }, ...values };
}

function withoutFields(values: Readonly<Record<string, unknown>>, lowerCaseNames: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !lowerCaseNames.includes(name.toLowerCase())));
}

/** Map the Composite response to one `RecordWriteResult` per write of `call`. */
export function mapRecordResults(call: CompositeWriteCall, responseBody: unknown): RecordWriteResult[] {
  const byReference = indexSubresponses(responseBody);
  return call.batches.flatMap((batch) => {
    const sub = byReference.get(batch.subrequest.referenceId);
    if (sub === undefined) {
      return failAll(batch.writes, bugFailure('MISSING_SUBRESPONSE', `Salesforce composite response is missing the result for ${batch.subrequest.referenceId}`));
    }
    if (sub.httpStatusCode < 200 || sub.httpStatusCode >= 300) {
      return failAll(batch.writes, classifySalesforceError(sub.httpStatusCode, sub.body, headersOf(sub.httpHeaders)));
    }
    if (!Array.isArray(sub.body) || sub.body.length !== batch.writes.length) {
      return failAll(batch.writes, bugFailure('INVALID_COLLECTION_RESULT', 'Salesforce collection response does not contain one result per record'));
    }
    const results = sub.body as unknown[];
    // Collections return results in the order of the request, and a failed record may come back without an id.
    return batch.writes.map((write, index) => mapRecordResult(write, results[index]));
  });
}

/** Map one sObject Collections (or single-record) result entry to the outcome of `write`. */
export function mapRecordResult(write: RecordWrite, raw: unknown): RecordWriteResult {
  const result = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const knownId = write.op === 'update' || write.op === 'delete' ? write.id : null;
  const id = typeof result.id === 'string' && result.id !== '' ? result.id : knownId;

  if (result.success === true) {
    if (id === null) {
      return { ref: write.ref, ok: false, failure: bugFailure('MISSING_RECORD_ID', 'Salesforce reported a written record without its id'), recordId: null };
    }
    let created: boolean | null = write.op === 'insert' ? true : null;
    if (typeof result.created === 'boolean') {
      created = result.created;
    }
    return { ref: write.ref, ok: true, id, created };
  }

  const classified = classifySalesforceError(200, result.errors, new Headers());
  const failure = write.op === 'upsert' ? classifyUpsertFailure(classified) : classified;
  if (write.op === 'delete' && failure.kind === 'notFound') {
    // The record is already gone, which is what the delete asked for.
    return { ref: write.ref, ok: true, id: write.id, created: null };
  }
  return { ref: write.ref, ok: false, failure, recordId: id };
}

export function failAll(writes: readonly RecordWrite[], failure: Failure): RecordWriteResult[] {
  return writes.map((write) => ({
    ref: write.ref,
    ok: false as const,
    failure,
    recordId: write.op === 'update' || write.op === 'delete' ? write.id : null,
  }));
}

export function bugFailure(code: string, message: string): Failure {
  return { kind: 'bug', code, message };
}

type CrmWrite = Write<CrmRecord>;

export interface PackContext {
  readonly dataPath: string;
  /** The object the sync core's writes go to; absent: Event. */
  readonly sobject?: string;
  readonly syncIdField: string;
  readonly ownerId: string;
  /** Fits a record's values to the object's fields in the org (see value-checks.ts). */
  readonly prepare: (values: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/** Fields Salesforce sets itself; a record read back carries them, a write must not. */
const SYSTEM_FIELDS = ['attributes', 'id', 'systemmodstamp', 'lastmodifieddate'];

/** Convert the sync core's writes to record writes: a create becomes an upsert by the sync id, owned by the mailbox owner. */
export function coreRecordWrites(writes: readonly CrmWrite[], context: PackContext): RecordWrite[] {
  const sobject = context.sobject ?? 'Event';
  return writes.map((write): RecordWrite => {
    if (write.op === 'create') {
      // The sync id comes from the write alone: upsert by it turns a create repeated after a crash into an update.
      const values = context.prepare(withoutFields(write.item, [...SYSTEM_FIELDS, context.syncIdField.toLowerCase()]));
      return {
        op: 'upsert', ref: write.ref, sobject, externalIdField: context.syncIdField,
        values: { [context.syncIdField]: write.syncId, OwnerId: context.ownerId, ...values },
      };
    }
    if (write.op === 'update') {
      return { op: 'update', ref: write.ref, sobject, id: write.id, values: context.prepare(withoutFields(write.patch, SYSTEM_FIELDS)) };
    }
    return { op: 'delete', ref: write.ref, id: write.id };
  });
}

/** Pack the sync core's writes (see `packRecordWrites`). */
export function packWrites(writes: readonly CrmWrite[], context: PackContext): CompositeWriteCall[] {
  return packRecordWrites(coreRecordWrites(writes, context), context.dataPath);
}

/** Map the Composite response to one `WriteResult` per write of `call`. */
export function mapCompositeResults(call: CompositeWriteCall, responseBody: unknown): WriteResult[] {
  return mapRecordResults(call, responseBody).map(toWriteResult);
}

/** The connector contract's shape of a record write outcome; Salesforce returns no version on writes. */
export function toWriteResult(result: RecordWriteResult): WriteResult {
  return result.ok ? { ref: result.ref, ok: true, id: result.id, version: null } : { ref: result.ref, ok: false, failure: result.failure };
}
