import type { CrmRecord, Write, WriteResult } from '../../domain/connector.ts';
import type { Failure } from '../../domain/errors.ts';
import { classifySalesforceError } from './classify-error.ts';
import { headersOf, indexSubresponses } from './query-runner.ts';

/** sObject Collections take at most 200 records; Composite at most five collections per call. */
export const RECORDS_PER_COLLECTION = 200;
export const COLLECTIONS_PER_COMPOSITE = 5;

type CrmWrite = Write<CrmRecord>;
type CollectionKind = 'upsert' | 'update' | 'delete';

export interface CompositeSubrequest {
  readonly method: 'PATCH' | 'DELETE';
  readonly url: string;
  readonly referenceId: string;
  readonly body?: { readonly allOrNone: false; readonly records: readonly Record<string, unknown>[] };
}

/** One sObject Collections subrequest and the writes it carries, in the order of Salesforce's results. */
export interface CollectionBatch {
  readonly kind: CollectionKind;
  readonly writes: readonly CrmWrite[];
  readonly subrequest: CompositeSubrequest;
}

export interface CompositeWriteCall {
  readonly body: { readonly allOrNone: false; readonly compositeRequest: readonly CompositeSubrequest[] };
  readonly batches: readonly CollectionBatch[];
}

export interface PackContext {
  readonly dataPath: string;
  readonly syncIdField: string;
  readonly ownerId: string;
  /** Fits a record's values to the org's Event fields (see value-checks.ts). */
  readonly prepare: (values: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/** Fields Salesforce sets itself; a record read back carries them, a write must not. */
const SYSTEM_FIELDS = ['attributes', 'id', 'systemmodstamp', 'lastmodifieddate'];

/** Pack writes into Composite calls of up to five sObject Collections of up to 200 records each. */
export function packWrites(writes: readonly CrmWrite[], context: PackContext): CompositeWriteCall[] {
  const byKind: Record<CollectionKind, CrmWrite[]> = { upsert: [], update: [], delete: [] };
  for (const write of writes) {
    byKind[write.op === 'create' ? 'upsert' : write.op].push(write);
  }

  const batches: CollectionBatch[] = [];
  for (const kind of ['upsert', 'update', 'delete'] as const) {
    for (let start = 0; start < byKind[kind].length; start += RECORDS_PER_COLLECTION) {
      const chunk = byKind[kind].slice(start, start + RECORDS_PER_COLLECTION);
      batches.push({ kind, writes: chunk, subrequest: buildSubrequest(kind, chunk, `${kind}${batches.length}`, context) });
    }
  }

  const calls: CompositeWriteCall[] = [];
  for (let start = 0; start < batches.length; start += COLLECTIONS_PER_COMPOSITE) {
    const group = batches.slice(start, start + COLLECTIONS_PER_COMPOSITE);
    calls.push({ body: { allOrNone: false, compositeRequest: group.map((batch) => batch.subrequest) }, batches: group });
  }
  return calls;
}

function buildSubrequest(kind: CollectionKind, writes: readonly CrmWrite[], referenceId: string, context: PackContext): CompositeSubrequest {
  const collections = `${context.dataPath}/composite/sobjects`;
  if (kind === 'delete') {
    const ids = writes.map((write) => encodeURIComponent(write.op === 'delete' ? write.id : ''));
    return { method: 'DELETE', url: `${collections}?ids=${ids.join(',')}&allOrNone=false`, referenceId };
  }

  const records = writes.map((write) => buildRecord(write, context));
  const url = kind === 'upsert' ? `${collections}/Event/${context.syncIdField}` : collections;
  return { method: 'PATCH', url, referenceId, body: { allOrNone: false, records } };
}

function buildRecord(write: CrmWrite, context: PackContext): Record<string, unknown> {
  if (write.op === 'create') {
    // The sync id comes from the write alone: upsert by it turns a create repeated after a crash into an update.
    const values = context.prepare(withoutFields(write.item, [...SYSTEM_FIELDS, context.syncIdField.toLowerCase()]));
    return { attributes: { type: 'Event' }, [context.syncIdField]: write.syncId, OwnerId: context.ownerId, ...values };
  }
  if (write.op === 'update') {
    const values = context.prepare(withoutFields(write.patch, SYSTEM_FIELDS));
    return { attributes: { type: 'Event' }, Id: write.id, ...values };
  }
  return {};
}

function withoutFields(values: Readonly<Record<string, unknown>>, lowerCaseNames: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !lowerCaseNames.includes(name.toLowerCase())));
}

/** Map the Composite response to one `WriteResult` per write of `call`. */
export function mapCompositeResults(call: CompositeWriteCall, responseBody: unknown): WriteResult[] {
  const byReference = indexSubresponses(responseBody);
  return call.batches.flatMap((batch) => {
    const sub = byReference.get(batch.subrequest.referenceId);
    if (sub === undefined) {
      return failAll(batch, bugFailure('MISSING_SUBRESPONSE', `Salesforce composite response is missing the result for ${batch.subrequest.referenceId}`));
    }
    if (sub.httpStatusCode < 200 || sub.httpStatusCode >= 300) {
      return failAll(batch, classifySalesforceError(sub.httpStatusCode, sub.body, headersOf(sub.httpHeaders)));
    }
    if (!Array.isArray(sub.body) || sub.body.length !== batch.writes.length) {
      return failAll(batch, bugFailure('INVALID_COLLECTION_RESULT', 'Salesforce collection response does not contain one result per record'));
    }
    const results = sub.body as unknown[];
    // Collections return results in the order of the request, and a failed record may come back without an id.
    return batch.writes.map((write, index) => mapRecordResult(write, results[index]));
  });
}

function mapRecordResult(write: CrmWrite, raw: unknown): WriteResult {
  const result = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const knownId = write.op === 'create' ? null : write.id;
  const id = typeof result.id === 'string' && result.id !== '' ? result.id : knownId;

  if (result.success === true) {
    if (id === null) {
      return { ref: write.ref, ok: false, failure: bugFailure('MISSING_RECORD_ID', 'Salesforce reported a created Event without its id') };
    }
    return { ref: write.ref, ok: true, id, version: null };
  }

  const failure = classifySalesforceError(200, result.errors, new Headers());
  if (write.op === 'delete' && failure.kind === 'notFound') {
    // The record is already gone, which is what the delete asked for.
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  return { ref: write.ref, ok: false, failure };
}

function failAll(batch: CollectionBatch, failure: Failure): WriteResult[] {
  return batch.writes.map((write) => ({ ref: write.ref, ok: false as const, failure }));
}

function bugFailure(code: string, message: string): Failure {
  return { kind: 'bug', code, message };
}
