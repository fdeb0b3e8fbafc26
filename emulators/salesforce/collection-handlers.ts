import { MultipleMatchesError } from './record-writer.ts';
import { toId18 } from './ids.ts';
import { allowSaveOf } from './duplicate-rules.ts';
import { SfError, malformedId } from './sf-error.ts';
import { tableOf } from './sobject-handlers.ts';
import type { SfRecord } from './record-table.ts';
import type { RestContext, RestHandler, RestRequest, RestResponse } from './rest-types.ts';

/** sObject Collections take at most 200 records per request. */
const COLLECTION_LIMIT = 200;

interface RecordResult {
  id: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
  created?: boolean;
}

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

/** `POST composite/sobjects`: create records of any described type, each naming it in `attributes.type`. */
export const collectionCreateHandler: RestHandler = (request, context) => {
  const { records, allOrNone } = collectionBody(request);
  return runAll(context, records, allOrNone, (record) => {
    const id = context.writer.create(typeOf(record), stripAttributes(record), { userId: request.session.userId, allowSave: allowSaveOf(request.headers) });
    return { id, success: true, errors: [] };
  });
};

/** `PATCH composite/sobjects`: update records by Id. */
export const collectionUpdateHandler: RestHandler = (request, context) => {
  const { records, allOrNone } = collectionBody(request);
  return runAll(context, records, allOrNone, (record) => {
    const id = typeof record.Id === 'string' ? record.Id : null;
    if (!id) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
    context.writer.update(typeOf(record), id, stripAttributes(record), { userId: request.session.userId, allowSave: allowSaveOf(request.headers) });
    return { id: toId18(id) ?? id, success: true, errors: [] };
  });
};

/** `PATCH composite/sobjects/{sobject}/{field}`: upsert by an external id field; results carry `created`. */
export const collectionUpsertHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const fieldName = params.field ?? '';
  const { records, allOrNone } = collectionBody(request);
  return runAll(context, records, allOrNone, (record) => {
    if (typeOf(record).toLowerCase() !== table.def.name.toLowerCase()) {
      throw new SfError(400, 'INVALID_FIELD', `Record type ${typeOf(record)} does not match ${table.def.name} in the URL`);
    }
    const key = Object.keys(record).find((k) => k.toLowerCase() === fieldName.toLowerCase());
    const value = key === undefined ? undefined : record[key];
    if (typeof value !== 'string' || value === '') {
      throw new SfError(400, 'MISSING_ARGUMENT', `${fieldName} not specified`, [fieldName]);
    }
    const result = context.writer.upsert(table.def.name, fieldName, value, stripAttributes(record),
      { userId: request.session.userId, allowSave: allowSaveOf(request.headers) });
    return { id: result.id, success: true, errors: [], created: result.created };
  }, true);
};

/** `DELETE composite/sobjects?ids=a,b&allOrNone=false`. */
export const collectionDeleteHandler: RestHandler = (request, context) => {
  const ids = (request.query.get('ids') ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new SfError(400, 'MISSING_ARGUMENT', 'ids parameter is missing: send ?ids=<id>,<id>', ['ids']);
  if (ids.length > COLLECTION_LIMIT) throw tooMany();
  const allOrNone = request.query.get('allOrNone') === 'true';
  return runAll(context, ids.map((id) => ({ Id: id })), allOrNone, (record) => {
    const id = toId18(String(record.Id));
    const table = id ? context.org.allTables().find((t) => id.startsWith(t.def.keyPrefix)) : undefined;
    if (!id || !table) throw malformedId(String(record.Id));
    context.writer.delete(table.def.name, id, { userId: request.session.userId });
    return { id, success: true, errors: [] };
  });
};

/**
 * Applies `write` to each record in request order. With allOrNone false each record succeeds or fails alone.
 * With allOrNone true any failure rolls every write back: failed records keep their errors, the others report
 * the rollback.
 */
function runAll(context: RestContext, records: SfRecord[], allOrNone: boolean,
  write: (record: SfRecord) => RecordResult, isUpsert = false): RestResponse {
  const results: RecordResult[] = [];
  const state = { failed: false };
  context.org.transaction(() => {
    for (const record of records) {
      try {
        results.push(context.org.transaction(() => write(record)));
      } catch (error) {
        state.failed = true;
        results.push(failure(error, record, isUpsert));
      }
    }
  }, () => !(allOrNone && state.failed));

  if (allOrNone && state.failed) {
    return { status: 200, body: results.map((r) => (r.success ? rolledBack(isUpsert) : r)) };
  }
  return { status: 200, body: results };
}

function failure(error: unknown, record: SfRecord, isUpsert: boolean): RecordResult {
  if (!(error instanceof SfError)) throw error;
  let id: string | null = typeof record.Id === 'string' ? record.Id : null;
  if (error instanceof MultipleMatchesError) id = null;
  const result: RecordResult = { id, success: false, errors: [error.toRecordError()] };
  if (isUpsert) result.created = false;
  return result;
}

function rolledBack(isUpsert: boolean): RecordResult {
  const out: RecordResult = { id: null, success: false, errors: [ROLLED_BACK] };
  if (isUpsert) out.created = false;
  return out;
}

function collectionBody(request: RestRequest): { records: SfRecord[]; allOrNone: boolean } {
  const body = request.body as { records?: unknown; allOrNone?: unknown } | null;
  if (!body || !Array.isArray(body.records)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body needs a "records" array.');
  }
  if (body.records.length > COLLECTION_LIMIT) throw tooMany();
  return { records: body.records as SfRecord[], allOrNone: body.allOrNone === true };
}

function tooMany(): SfError {
  return new SfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
}

function typeOf(record: SfRecord): string {
  const attributes = record.attributes as { type?: unknown } | undefined;
  if (typeof attributes?.type !== 'string') {
    throw new SfError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  }
  return attributes.type;
}

function stripAttributes(record: SfRecord): SfRecord {
  const { attributes: _attributes, ...rest } = record;
  return rest;
}
