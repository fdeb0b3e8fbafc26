import { createHash } from 'node:crypto';
import type { TokenIdentity } from './access-tokens.ts';
import { GraphError, graphErrorBody, newRequestId } from './graph-error.ts';
import { executeGraphRequest } from './graph-pipeline.ts';
import type { GraphRequest, GraphResponse, GraphServices, Route } from './graph-routing.ts';

/** JSON batching (concepts/json-batching.md): at most 20 requests per batch. */
const MAX_BATCH_REQUESTS = 20;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);
const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

interface BatchEntry {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * Run a `$batch` body. Requests run one after another in dependency order, each through the same pipeline
 * as a direct call (faults, mailbox concurrency, handlers). A request whose dependency failed gets 424.
 * Responses come back in an order of their own, as Graph allows, so clients must match them by id.
 */
export async function executeBatch(body: unknown, origin: string, routes: readonly Route[], services: GraphServices, identity?: TokenIdentity): Promise<GraphResponse> {
  const items = readBatch(body);
  const results = new Map<string, BatchEntry>();

  for (const item of dependencyOrder(items)) {
    const failedDependency = item.dependsOn.find((id) => (results.get(id)?.status ?? 500) >= 400);
    if (failedDependency !== undefined) {
      results.set(item.id, failedDependencyEntry(item, failedDependency));
      continue;
    }
    results.set(item.id, await runItem(item, origin, routes, services, identity));
  }

  const responses = [...results.values()].sort((a, b) => scramble(a.id).localeCompare(scramble(b.id)));
  return { status: 200, headers: {}, body: { responses } };
}

async function runItem(item: BatchItem, origin: string, routes: readonly Route[], services: GraphServices, identity?: TokenIdentity): Promise<BatchEntry> {
  const url = new URL(item.url, 'http://batch.invalid/');
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    query.set(key.toLowerCase(), value);
  }

  const headers = Object.fromEntries(Object.entries(item.headers).map(([key, value]) => [key.toLowerCase(), value]));
  // Inner requests act with the batch's token.
  const request: GraphRequest = { method: item.method, path: url.pathname, query, headers, body: item.body, origin, inner: true, ...(identity === undefined ? {} : { identity }) };
  const response = await executeGraphRequest(routes, services, request, newRequestId());

  const entryHeaders: Record<string, string> = { ...response.headers };
  const binary = response.body instanceof Uint8Array;
  if (response.body !== null && !binary) {
    entryHeaders['Content-Type'] = JSON_CONTENT_TYPE;
  }
  // JSON batching returns binary content base64-encoded in the body.
  const body = binary ? Buffer.from(response.body as Uint8Array).toString('base64') : response.body;
  const entry: BatchEntry = { id: item.id, status: response.status, body };
  if (Object.keys(entryHeaders).length > 0) {
    entry.headers = entryHeaders;
  }
  return entry;
}

function failedDependencyEntry(item: BatchItem, dependency: string): BatchEntry {
  const error = new GraphError(424, 'FailedDependency', `Request ${item.id} was not run because request ${dependency} it depends on failed.`);
  const requestId = newRequestId();
  return { id: item.id, status: 424, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: graphErrorBody(error, { requestId, clientRequestId: requestId }) };
}

function readBatch(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) {
    throw new GraphError(400, 'BadRequest', "Invalid batch payload: send a JSON object with a 'requests' array.");
  }

  if (requests.length > MAX_BATCH_REQUESTS) {
    throw new GraphError(400, 'BadRequest', `The batch holds ${requests.length} requests; the limit is ${MAX_BATCH_REQUESTS} per batch.`);
  }

  const items = requests.map(readItem);
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) {
      throw new GraphError(400, 'BadRequest', `Request id '${item.id}' appears twice in the batch; ids must be unique.`);
    }
    ids.add(item.id);
  }

  for (const item of items) {
    const unknown = item.dependsOn.find((id) => !ids.has(id));
    if (unknown !== undefined) {
      throw new GraphError(400, 'BadRequest', `Request ${item.id} depends on '${unknown}', which is not in the batch.`);
    }
  }
  return items;
}

function readItem(value: unknown, index: number): BatchItem {
  const raw = (value ?? {}) as Record<string, unknown>;
  const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : '';
  const method = typeof raw.method === 'string' ? raw.method.toUpperCase() : '';
  const url = typeof raw.url === 'string' ? raw.url : '';
  if (id === '' || !METHODS.has(method) || url === '') {
    throw new GraphError(400, 'BadRequest', `Batch request ${index} needs an 'id', a 'method' (GET, POST, PATCH, PUT, DELETE) and a 'url'.`);
  }

  if (/^[a-z]+:\/\//i.test(url)) {
    throw new GraphError(400, 'BadRequest', `Batch request ${id} has the absolute URL '${url}'; use a URL relative to the version, e.g. '/users/{id}/events'.`);
  }

  const headers = readHeaders(raw.headers, id);
  const hasContentType = Object.keys(headers).some((key) => key.toLowerCase() === 'content-type');
  if (raw.body !== undefined && !hasContentType) {
    throw new GraphError(400, 'BadRequest', `Batch request ${id} has a body but no Content-Type header; add "headers": {"Content-Type": "application/json"}.`);
  }

  const dependsOn = Array.isArray(raw.dependsOn) ? raw.dependsOn.map(String) : [];
  return { id, method, url: url.startsWith('/') ? url : `/${url}`, headers, body: raw.body ?? null, dependsOn };
}

function readHeaders(value: unknown, id: string): Record<string, string> {
  if (value === undefined || value === null) {
    return {};
  }

  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((entry) => typeof entry !== 'string')) {
    throw new GraphError(400, 'BadRequest', `Batch request ${id} needs 'headers' as an object of string values.`);
  }
  return value as Record<string, string>;
}

/** Requests in an order where each comes after what it depends on; a cycle is a bad request. */
function dependencyOrder(items: BatchItem[]): BatchItem[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  const ordered: BatchItem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();

  const visit = (item: BatchItem): void => {
    if (state.get(item.id) === 'done') {
      return;
    }
    if (state.get(item.id) === 'visiting') {
      throw new GraphError(400, 'BadRequest', `The dependsOn chain through request ${item.id} is circular.`);
    }

    state.set(item.id, 'visiting');
    for (const dependency of item.dependsOn) {
      const target = byId.get(dependency);
      if (target) {
        visit(target);
      }
    }
    state.set(item.id, 'done');
    ordered.push(item);
  };

  items.forEach(visit);
  return ordered;
}

function scramble(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}
