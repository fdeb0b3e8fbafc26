import { describeSObject, sobjectSummary } from './describe.ts';
import { MultipleMatchesError } from './record-writer.ts';
import { allowSaveOf } from './duplicate-rules.ts';
import { SfError, notFound } from './sf-error.ts';
import { looksLikeId, toId18 } from './ids.ts';
import { findField } from './schema/field-def.ts';
import { project } from './query-service.ts';
import type { RecordTable, SfRecord } from './record-table.ts';
import type { RestContext, RestHandler, RestRequest, RestResponse } from './rest-types.ts';

/** Returns the table of the `{sobject}` path parameter, or throws 404 NOT_FOUND for an unknown object. */
export function tableOf(context: RestContext, name: string): RecordTable {
  const table = context.org.table(name);
  if (!table) throw notFound();
  return table;
}

function bodyObject(request: RestRequest): SfRecord {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object of field names and values.');
  }
  return body as SfRecord;
}

export const describeHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  return { status: 200, body: describeSObject(table.def, request.apiVersion) };
};

export const summaryHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const recent = [...table.all()].filter((r) => r.IsDeleted !== true).slice(-5).reverse()
    .map((r) => project(r, ['Id'], table.def.name, request.apiVersion));
  return { status: 200, body: { objectDescribe: sobjectSummary(table.def, request.apiVersion), recentItems: recent } };
};

export const createHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const id = context.writer.create(table.def.name, bodyObject(request), { userId: request.session.userId, allowSave: allowSaveOf(request.headers) });
  return {
    status: 201,
    body: { id, success: true, errors: [] },
    headers: { Location: `/services/data/v${request.apiVersion}/sobjects/${table.def.name}/${id}` },
  };
};

export const getRecordHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const raw = params.id ?? '';
  if (!looksLikeId(raw)) throw externalIdFieldMissing(raw);
  const record = context.writer.live(table, raw);
  return { status: 200, body: project(record, selectedFields(request, table), table.def.name, request.apiVersion) };
};

export const updateHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const raw = params.id ?? '';
  if (!looksLikeId(raw)) throw externalIdFieldMissing(raw);
  context.writer.update(table.def.name, raw, bodyObject(request), { userId: request.session.userId, allowSave: allowSaveOf(request.headers) });
  return { status: 204 };
};

export const deleteHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const raw = params.id ?? '';
  if (!looksLikeId(raw)) throw externalIdFieldMissing(raw);
  context.writer.delete(table.def.name, raw, { userId: request.session.userId });
  return { status: 204 };
};

/** `PATCH sobjects/{sobject}/{field}/{value}`: 201 created, 200 updated, 300 with record URLs when ambiguous. */
export const upsertHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  try {
    const result = context.writer.upsert(table.def.name, params.field ?? '', params.value ?? '', bodyObject(request),
      { userId: request.session.userId, allowSave: allowSaveOf(request.headers) });
    const body = { id: result.id, success: true, errors: [], created: result.created };
    if (!result.created) return { status: 200, body };
    return { status: 201, body, headers: { Location: `/services/data/v${request.apiVersion}/sobjects/${table.def.name}/${result.id}` } };
  } catch (error) {
    if (error instanceof MultipleMatchesError) return multipleChoices(request, table, error.ids);
    throw error;
  }
};

export const getByExternalIdHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const def = findField(table.def, params.field ?? '');
  if (!def || (!def.externalId && !def.idLookup)) throw externalIdFieldMissing(params.field ?? '');
  const ids = def.type === 'id'
    ? [toId18(params.value ?? '') ?? '']
    : table.findBy(def.name, params.value ?? '');
  const live = ids.filter((id) => table.get(id) && table.get(id)?.IsDeleted !== true);
  if (live.length > 1) return multipleChoices(request, table, live);
  const [id] = live;
  const record = id === undefined ? undefined : table.get(id);
  if (!record) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist', []);
  return { status: 200, body: project(record, selectedFields(request, table), table.def.name, request.apiVersion) };
};

function multipleChoices(request: RestRequest, table: RecordTable, ids: string[]): RestResponse {
  return { status: 300, body: ids.map((id) => `/services/data/v${request.apiVersion}/sobjects/${table.def.name}/${id}`) };
}

/** Builds the 404 Salesforce returns when a path segment is no record id, since it then reads it as an external id field. */
function externalIdFieldMissing(name: string): SfError {
  return new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`);
}

function selectedFields(request: RestRequest, table: RecordTable): string[] {
  const list = request.query.get('fields');
  if (!list) return table.def.fields.map((f) => f.name);
  return list.split(',').map((name) => {
    const def = findField(table.def, name.trim());
    if (!def) throw new SfError(400, 'INVALID_FIELD', `No such column '${name.trim()}' on sobject of type ${table.def.name}`);
    return def.name;
  });
}
