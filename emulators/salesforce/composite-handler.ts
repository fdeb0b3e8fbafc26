import { SfError } from './sf-error.ts';
import type { RestContext, RestHandler, RestRequest, RestResponse } from './rest-types.ts';

/**
 * Composite limits: 25 subrequests, of which at most 5 are sObject Collections or query requests.
 * NOTE: the documentation states the limits but not the error code for breaking them; LIMIT_EXCEEDED is a guess.
 */
const MAX_SUBREQUESTS = 25;
const MAX_HEAVY_SUBREQUESTS = 5;
const URL_PATTERN = /^\/services\/data\/v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/;
const REFERENCE = /@\{([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const HALTED_MESSAGE = 'The transaction was rolled back since another operation in the same transaction failed.';

/**
 * `POST composite`: runs subrequests in order through the same router, substituting `@{ref.path}` references
 * to earlier results. With allOrNone one failure rolls all writes back and every other subrequest reports
 * PROCESSING_HALTED. The whole call counts as one API request.
 */
export const compositeHandler: RestHandler = (request, context) => {
  const { subrequests, allOrNone } = readComposite(request);
  const responses: SubResponse[] = [];
  const bodies = new Map<string, { ok: boolean; body: unknown }>();
  let failedAt = -1;

  context.org.begin();
  for (const [index, sub] of subrequests.entries()) {
    const response = runSubrequest(sub, request, context, bodies);
    responses.push(response);
    bodies.set(sub.referenceId, { ok: response.httpStatusCode < 400, body: response.body });
    if (allOrNone && response.httpStatusCode >= 400) {
      failedAt = index;
      break;
    }
  }

  if (failedAt === -1) {
    context.org.commit();
    return { status: 200, body: { compositeResponse: responses } };
  }
  context.org.rollback();
  const halted = subrequests.map((sub, index) => (index === failedAt ? responses[index] as SubResponse : {
    body: [{ errorCode: 'PROCESSING_HALTED', message: HALTED_MESSAGE }], httpHeaders: {}, httpStatusCode: 400,
    referenceId: sub.referenceId,
  }));
  return { status: 200, body: { compositeResponse: halted } };
};

function runSubrequest(sub: Subrequest, parent: RestRequest, context: RestContext,
  bodies: Map<string, { ok: boolean; body: unknown }>): SubResponse {
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): SubResponse => (
    { body, httpHeaders: headers, httpStatusCode: status, referenceId: sub.referenceId });
  try {
    const url = String(substitute(sub.url, bodies));
    const body = substitute(sub.body ?? null, bodies);
    const match = URL_PATTERN.exec(url);
    if (!match) throw new SfError(400, 'INVALID_API_INPUT', `The url ${url} is not a REST API resource under /services/data/vXX.X/`);
    const [, apiVersion = '', path = '', queryText = ''] = match;
    const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (segments[0] === 'composite' && segments.length === 1) {
      throw new SfError(400, 'INVALID_API_INPUT', 'A composite request cannot contain another composite request.');
    }
    const headers = Object.fromEntries(Object.entries(sub.httpHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const response: RestResponse = context.dispatch({
      method: sub.method.toUpperCase(), apiVersion, segments, query: new URLSearchParams(queryText), body, headers,
      session: parent.session,
    });
    return reply(response.status, response.body ?? null, response.headers ?? {});
  } catch (error) {
    if (!(error instanceof SfError)) throw error;
    return reply(error.status, error.toBody());
  }
}

/** Replaces `@{ref.path}` references; a value that is one whole reference keeps the referenced JSON type. */
function substitute(value: unknown, bodies: Map<string, { ok: boolean; body: unknown }>): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${REFERENCE.source}$`).exec(value);
    if (whole) return resolve(whole[1] ?? '', whole[2] ?? '', bodies);
    return value.replace(REFERENCE, (_m, ref: string, path: string) => String(resolve(ref, path, bodies)));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, bodies));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, bodies)]));
  }
  return value;
}

function resolve(ref: string, path: string, bodies: Map<string, { ok: boolean; body: unknown }>): unknown {
  const entry = bodies.get(ref);
  const expression = `${ref}${path}`;
  if (!entry || !entry.ok) {
    throw new SfError(400, 'PROCESSING_HALTED', `Invalid reference specified. No value for ${expression} found in ${ref}. `
      + `Provided referenceId ('${ref}') refers to a request that ${entry ? 'failed' : 'has not run'}.`);
  }
  let current: unknown = entry.body;
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    const key = step.startsWith('.') ? step.slice(1) : Number(step.slice(1, -1));
    current = current && typeof current === 'object' ? (current as Record<string | number, unknown>)[key] : undefined;
  }
  if (current === undefined) {
    throw new SfError(400, 'PROCESSING_HALTED', `Invalid reference specified. No value for ${expression} found in ${ref}.`);
  }
  return current;
}

function readComposite(request: RestRequest): { subrequests: Subrequest[]; allOrNone: boolean } {
  const body = request.body as { compositeRequest?: unknown; allOrNone?: unknown } | null;
  if (!body || !Array.isArray(body.compositeRequest) || body.compositeRequest.length === 0) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body needs a non-empty "compositeRequest" array.');
  }
  const subrequests = body.compositeRequest as Subrequest[];
  if (subrequests.length > MAX_SUBREQUESTS) {
    throw new SfError(400, 'LIMIT_EXCEEDED',
      `A composite request can contain at most ${MAX_SUBREQUESTS} subrequests; this one has ${subrequests.length}.`);
  }
  const heavy = subrequests.filter((s) => /\/v\d+\.\d\/(composite\/sobjects|query|queryAll)\b/.test(String(s.url)));
  if (heavy.length > MAX_HEAVY_SUBREQUESTS) {
    throw new SfError(400, 'LIMIT_EXCEEDED', `A composite request can contain at most ${MAX_HEAVY_SUBREQUESTS} `
      + `sObject Collections or query subrequests; this one has ${heavy.length}.`);
  }
  const seen = new Set<string>();
  for (const sub of subrequests) {
    if (typeof sub.method !== 'string' || typeof sub.url !== 'string' || typeof sub.referenceId !== 'string'
      || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(sub.referenceId)) {
      throw new SfError(400, 'INVALID_API_INPUT', 'Each subrequest needs method, url and an alphanumeric referenceId.');
    }
    if (seen.has(sub.referenceId)) {
      throw new SfError(400, 'INVALID_API_INPUT', `Duplicate referenceId provided in the request: ${sub.referenceId}`);
    }
    seen.add(sub.referenceId);
  }
  return { subrequests, allOrNone: body.allOrNone === true };
}
