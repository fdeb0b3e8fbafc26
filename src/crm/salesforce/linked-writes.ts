import type { Failure } from '../../domain/errors.ts';
import { classifySalesforceError, classifyUpsertFailure } from './classify-error.ts';
import { headersOf, indexSubresponses, type Subresponse } from './query-runner.ts';
import { RECORDS_PER_COLLECTION, bugFailure, failAll, mapRecordResult, mapRecordResults, type CollectionBatch, type CompositeWriteCall, type RecordWrite, type RecordWriteResult } from './write-batches.ts';

/** A child write whose `field` receives the parent's id, or the parent's `readBack` field when the group names one. */
export interface LinkedChild {
  readonly field: string;
  readonly write: Extract<RecordWrite, { op: 'insert' }>;
}

/**
 * A write that needs another's id: the parent is written first and its children take its id through a Composite
 * reference, all in one call. E.g. an Event and its EventRelations, or a ContentVersion and its
 * ContentDocumentLinks (`readBack: 'ContentDocumentId'`, because a version insert returns only the version's id).
 */
export interface LinkedGroup {
  readonly parent: Extract<RecordWrite, { op: 'insert' | 'upsert' }>;
  readonly readBack?: string;
  readonly children: readonly LinkedChild[];
}

/** Composite limits: 25 subrequests, of which at most five are sObject Collections or queries. */
const MAX_SUBREQUESTS = 25;
const MAX_HEAVY = 5;

interface Subrequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly referenceId: string;
  readonly body?: unknown;
}

interface PlannedGroup {
  readonly group: LinkedGroup;
  readonly parentRef: string;
  readonly subrequests: readonly Subrequest[];
  readonly childCall: CompositeWriteCall;
  readonly heavy: number;
}

export interface LinkedCall {
  readonly body: { readonly allOrNone: false; readonly compositeRequest: readonly Subrequest[] };
  readonly groups: readonly PlannedGroup[];
}

/** Pack groups into Composite calls, each group whole inside one call. Throws for a group over the limits. */
export function packLinkedGroups(groups: readonly LinkedGroup[], dataPath: string): LinkedCall[] {
  const calls: LinkedCall[] = [];
  let current: PlannedGroup[] = [];
  let size = 0;
  let heavy = 0;

  groups.forEach((group, index) => {
    const planned = planGroup(group, `g${index}`, dataPath);
    if (planned.subrequests.length > MAX_SUBREQUESTS || planned.heavy > MAX_HEAVY) {
      throw new Error(`Linked write ${group.parent.ref} has ${group.children.length} children: split it into groups of at most ${(MAX_HEAVY - 1) * RECORDS_PER_COLLECTION}`);
    }
    if (current.length > 0 && (size + planned.subrequests.length > MAX_SUBREQUESTS || heavy + planned.heavy > MAX_HEAVY)) {
      calls.push(toCall(current));
      current = [];
      size = 0;
      heavy = 0;
    }
    current.push(planned);
    size += planned.subrequests.length;
    heavy += planned.heavy;
  });
  if (current.length > 0) {
    calls.push(toCall(current));
  }
  return calls;
}

function toCall(groups: PlannedGroup[]): LinkedCall {
  return { body: { allOrNone: false, compositeRequest: groups.flatMap((g) => g.subrequests) }, groups };
}

function planGroup(group: LinkedGroup, prefix: string, dataPath: string): PlannedGroup {
  const parentRef = `${prefix}parent`;
  const subrequests: Subrequest[] = [parentSubrequest(group.parent, parentRef, dataPath)];
  let link = `@{${parentRef}.id}`;
  if (group.readBack !== undefined) {
    const readRef = `${prefix}read`;
    // The reference stays outside the encoded SOQL, so Salesforce can substitute it before running the query.
    const soql = `SELECT ${group.readBack} FROM ${group.parent.sobject} WHERE Id = `;
    subrequests.push({ method: 'GET', url: `${dataPath}/query?q=${encodeURIComponent(soql)}'@{${parentRef}.id}'`, referenceId: readRef });
    link = `@{${readRef}.records[0].${group.readBack}}`;
  }

  const childWrites = group.children.map((child): RecordWrite => ({ ...child.write, values: { ...child.write.values, [child.field]: link } }));
  const batches: CollectionBatch[] = [];
  for (let start = 0; start < childWrites.length; start += RECORDS_PER_COLLECTION) {
    const chunk = childWrites.slice(start, start + RECORDS_PER_COLLECTION);
    const referenceId = `${prefix}children${batches.length}`;
    const records = chunk.map((write) => (write.op === 'insert' ? { attributes: { type: write.sobject }, ...write.values } : {}));
    batches.push({ writes: chunk, subrequest: { method: 'POST', url: `${dataPath}/composite/sobjects`, referenceId, body: { allOrNone: false, records } } });
  }
  subrequests.push(...batches.map((batch) => batch.subrequest));
  const childCall: CompositeWriteCall = { body: { allOrNone: false, compositeRequest: batches.map((b) => b.subrequest) }, batches };
  return { group, parentRef, subrequests, childCall, heavy: batches.length + (group.readBack === undefined ? 0 : 1) };
}

function parentSubrequest(parent: LinkedGroup['parent'], referenceId: string, dataPath: string): Subrequest {
  const sobject = encodeURIComponent(parent.sobject);
  if (parent.op === 'insert') {
    return { method: 'POST', url: `${dataPath}/sobjects/${sobject}`, referenceId, body: parent.values };
  }
  const key = Object.keys(parent.values).find((name) => name.toLowerCase() === parent.externalIdField.toLowerCase());
  const value = key === undefined ? '' : String(parent.values[key]);
  const body = Object.fromEntries(Object.entries(parent.values).filter(([name]) => name !== key));
  return { method: 'PATCH', url: `${dataPath}/sobjects/${sobject}/${encodeURIComponent(parent.externalIdField)}/${encodeURIComponent(value)}`, referenceId, body };
}

/** List the writes of a call in the order of its results: each group's parent, then its children. */
export function linkedWrites(call: LinkedCall): RecordWrite[] {
  return call.groups.flatMap((planned) => [planned.group.parent, ...planned.childCall.batches.flatMap((batch) => batch.writes)]);
}

/** Map a linked call's response to one result per parent and child write. */
export function mapLinkedResults(call: LinkedCall, responseBody: unknown): RecordWriteResult[] {
  const byReference = indexSubresponses(responseBody);
  return call.groups.flatMap((planned) => {
    const parent = parentResult(planned.group.parent, byReference.get(planned.parentRef));
    if (!parent.ok) {
      const childWrites = planned.childCall.batches.flatMap((batch) => batch.writes);
      return [parent, ...failAll(childWrites, parentFailed(planned.group.parent.sobject, parent.failure))];
    }
    return [parent, ...mapRecordResults(planned.childCall, responseBody)];
  });
}

function parentResult(write: LinkedGroup['parent'], sub: Subresponse | undefined): RecordWriteResult {
  if (sub === undefined) {
    return { ref: write.ref, ok: false, failure: bugFailure('MISSING_SUBRESPONSE', `Salesforce composite response is missing the result for ${write.ref}`), recordId: null };
  }
  if (sub.httpStatusCode < 200 || sub.httpStatusCode >= 300) {
    const failure = classifySalesforceError(sub.httpStatusCode, sub.body, headersOf(sub.httpHeaders));
    return { ref: write.ref, ok: false, failure: write.op === 'upsert' ? classifyUpsertFailure(failure) : failure, recordId: null };
  }
  // A single-record write returns `{id, success, errors}`, and an upsert adds `created`.
  return mapRecordResult(write, { success: true, ...(sub.body as Record<string, unknown>) });
}

function parentFailed(sobject: string, failure: Failure): Failure {
  return {
    kind: failure.kind === 'retryLater' || failure.kind === 'reauthenticate' ? 'retryLater' : 'itemError',
    code: 'PARENT_WRITE_FAILED',
    message: `Not written because its ${sobject} failed: ${failure.code}`,
  };
}

