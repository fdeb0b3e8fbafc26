import type { Write, WriteResult } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { DavHttp } from './dav-http.ts';
import { hrefOfId, type DavItemKind, type ResourceEdit } from './dav-kind.ts';
import { multiget, type DavResource } from './dav-reports.ts';

const PRECONDITION_FAILED = 412;
const NOT_FOUND = 404;

/**
 * Apply one write. A create PUTs a new resource named after the sync id with `If-None-Match: *`, so a create
 * repeated after a crash finds its first result instead of adding a copy; an update PUTs the patched resource with
 * `If-Match` on the version it was computed against, and a 412 is a conflict.
 */
export async function applyDavWrite<T>(http: DavHttp, collection: string, kind: DavItemKind<T>, write: Write<T>): Promise<WriteResult> {
  switch (write.op) {
    case 'create':
      return create(http, collection, kind, write);
    case 'update':
      return update(http, collection, kind, write);
    case 'delete':
      return remove(http, collection, kind, write);
  }
}

async function create<T>(http: DavHttp, collection: string, kind: DavItemKind<T>, write: Extract<Write<T>, { op: 'create' }>): Promise<WriteResult> {
  const target = new URL(`${encodeURIComponent(write.syncId)}${kind.extension}`, collection);
  const text = textOrItemError(kind, () => kind.createText(write.item, write.syncId), write.syncId);
  const response = await http.send({
    method: 'PUT',
    url: target.toString(),
    headers: { 'content-type': kind.contentType, 'if-none-match': '*' },
    body: text,
    accept: [PRECONDITION_FAILED],
    label: `create ${kind.label}`,
  });

  if (response.status !== PRECONDITION_FAILED) {
    return { ref: write.ref, ok: true, id: target.pathname, version: response.headers.get('etag') };
  }

  // The name is taken: by this create's first try when it carries the same sync id.
  const existing = (await multiget(http, collection, kind.collectionType, [target.pathname]))[0];
  const item = existing === undefined ? undefined : kind.itemsOf(existing, null).find((candidate) => candidate.syncId === write.syncId);
  if (existing === undefined || item === undefined) {
    throw new ConnectorError({ kind: 'conflict', code: 'ResourceNameTaken', message: `${target.pathname} exists without sync id ${write.syncId}; the next session looks again` });
  }
  return { ref: write.ref, ok: true, id: item.id, version: existing.etag };
}

async function update<T>(http: DavHttp, collection: string, kind: DavItemKind<T>, write: Extract<Write<T>, { op: 'update' }>): Promise<WriteResult> {
  const resource = await readResource(http, collection, kind, write.id);
  if (resource === null) {
    throw new ConnectorError({ kind: 'notFound', code: 'HTTP404', message: `${kind.label} ${write.id} no longer exists` });
  }
  if (write.expectedVersion !== null && write.expectedVersion !== resource.etag) {
    throw new ConnectorError({ kind: 'conflict', code: 'HTTP412', message: `${kind.label} ${write.id} changed since it was read, so it is read again in the next session` });
  }

  const edit = textOrItemError(kind, () => kind.patchResource(resource, write.id, write.patch), write.id);
  return applyEdit(http, collection, kind, write.ref, write.id, resource, edit);
}

async function remove<T>(http: DavHttp, collection: string, kind: DavItemKind<T>, write: Extract<Write<T>, { op: 'delete' }>): Promise<WriteResult> {
  const resource = await readResource(http, collection, kind, write.id);
  if (resource === null) {
    // Gone already, which is what the delete asked for.
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }

  const edit = textOrItemError(kind, () => kind.deleteFromResource(resource, write.id), write.id);
  return applyEdit(http, collection, kind, write.ref, write.id, resource, edit);
}

async function applyEdit<T>(http: DavHttp, collection: string, kind: DavItemKind<T>, ref: string, id: string, resource: DavResource, edit: ResourceEdit): Promise<WriteResult> {
  const url = new URL(resource.href, collection).toString();
  switch (edit.kind) {
    case 'none':
      return { ref, ok: true, id, version: resource.etag };
    case 'delete':
      await http.send({ method: 'DELETE', url, headers: { 'if-match': resource.etag }, accept: [NOT_FOUND], label: `delete ${kind.label}` });
      return { ref, ok: true, id, version: null };
    case 'put': {
      const response = await http.send({
        method: 'PUT',
        url,
        headers: { 'content-type': kind.contentType, 'if-match': resource.etag },
        body: edit.text,
        label: `update ${kind.label}`,
      });
      return { ref, ok: true, id, version: response.headers.get('etag') };
    }
  }
}

async function readResource<T>(http: DavHttp, collection: string, kind: DavItemKind<T>, id: string): Promise<DavResource | null> {
  return (await multiget(http, collection, kind.collectionType, [hrefOfId(id)]))[0] ?? null;
}

/** Run a conversion to iCalendar or vCard; a value it rejects fails this item only. */
function textOrItemError<T, R>(kind: DavItemKind<T>, build: () => R, id: string): R {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConnectorError) {
      throw error;
    }
    throw new ConnectorError({ kind: 'itemError', code: 'InvalidItemValue', message: `${kind.label} ${id} cannot be written: ${(error as Error).message}` }, { cause: error });
  }
}
