import { collectionCreateHandler, collectionDeleteHandler, collectionUpdateHandler, collectionUpsertHandler } from './collection-handlers.ts';
import { compositeHandler } from './composite-handler.ts';
import {
  createIngestJobHandler, deleteIngestJobHandler, getIngestJobHandler, jobResultsHandler, patchIngestJobHandler,
  uploadJobDataHandler,
} from './bulk/ingest-handlers.ts';
import { describeGlobalHandler, limitsHandler, queryHandler, queryMoreHandler, resourcesHandler } from './meta-handlers.ts';
import { deletedHandler, updatedHandler } from './replication-handlers.ts';
import { SfError, notFound } from './sf-error.ts';
import {
  createHandler, deleteHandler, describeHandler, getByExternalIdHandler, getRecordHandler, summaryHandler,
  updateHandler, upsertHandler,
} from './sobject-handlers.ts';
import type { RestContext, RestHandler, RestRequest, RestResponse } from './rest-types.ts';

interface Route {
  method: string;
  pattern: string[];
  handler: RestHandler;
  name: string;
}

function route(method: string, pattern: string, handler: RestHandler): Route {
  return { method, pattern: pattern === '' ? [] : pattern.split('/'), handler, name: `${method} /${pattern}` };
}

/** Every versioned resource, in match order (literal segments before `{parameters}`). */
const ROUTES: Route[] = [
  route('GET', '', resourcesHandler),
  route('GET', 'limits', limitsHandler),
  route('GET', 'query', queryHandler('query')),
  route('GET', 'queryAll', queryHandler('queryAll')),
  route('GET', 'query/{locator}', queryMoreHandler),
  route('GET', 'queryAll/{locator}', queryMoreHandler),
  route('POST', 'composite', compositeHandler),
  route('POST', 'composite/sobjects', collectionCreateHandler),
  route('PATCH', 'composite/sobjects', collectionUpdateHandler),
  route('DELETE', 'composite/sobjects', collectionDeleteHandler),
  route('PATCH', 'composite/sobjects/{sobject}/{field}', collectionUpsertHandler),
  route('GET', 'sobjects', describeGlobalHandler),
  route('GET', 'sobjects/{sobject}', summaryHandler),
  route('POST', 'sobjects/{sobject}', createHandler),
  route('GET', 'sobjects/{sobject}/describe', describeHandler),
  route('GET', 'sobjects/{sobject}/updated', updatedHandler),
  route('GET', 'sobjects/{sobject}/deleted', deletedHandler),
  route('GET', 'sobjects/{sobject}/{id}', getRecordHandler),
  route('PATCH', 'sobjects/{sobject}/{id}', updateHandler),
  route('DELETE', 'sobjects/{sobject}/{id}', deleteHandler),
  route('GET', 'sobjects/{sobject}/{field}/{value}', getByExternalIdHandler),
  route('PATCH', 'sobjects/{sobject}/{field}/{value}', upsertHandler),
  route('POST', 'jobs/ingest', createIngestJobHandler),
  route('GET', 'jobs/ingest/{jobId}', getIngestJobHandler),
  route('PATCH', 'jobs/ingest/{jobId}', patchIngestJobHandler),
  route('DELETE', 'jobs/ingest/{jobId}', deleteIngestJobHandler),
  route('PUT', 'jobs/ingest/{jobId}/batches', uploadJobDataHandler),
  route('GET', 'jobs/ingest/{jobId}/{resultKind}', jobResultsHandler),
];

function match(request: RestRequest): { route: Route; params: Record<string, string> } | 'wrongMethod' | null {
  let pathMatched = false;
  for (const candidate of ROUTES) {
    if (candidate.pattern.length !== request.segments.length) continue;
    const params: Record<string, string> = {};
    const fits = candidate.pattern.every((part, i) => {
      const segment = request.segments[i] ?? '';
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = segment;
        return true;
      }
      return part === segment;
    });
    if (!fits) continue;
    pathMatched = true;
    if (candidate.method === request.method) return { route: candidate, params };
  }
  return pathMatched ? 'wrongMethod' : null;
}

/** Names the route a request counts under in the stats, e.g. `PATCH /sobjects/{sobject}/{id}`. */
export function routeName(request: RestRequest): string {
  const found = match(request);
  return found && found !== 'wrongMethod' ? found.route.name : `${request.method} (unmatched)`;
}

/** Runs a versioned REST request and turns thrown Salesforce errors into their documented responses. */
export function dispatch(request: RestRequest, context: RestContext): RestResponse {
  try {
    const found = match(request);
    if (found === null) throw notFound();
    if (found === 'wrongMethod') {
      throw new SfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${request.method}' not allowed. Allowed are GET, POST, PATCH, DELETE`);
    }
    return found.route.handler(request, context, found.params);
  } catch (error) {
    if (error instanceof SfError) return { status: error.status, body: error.toBody() };
    console.error(`Salesforce emulator: ${request.method} /${request.segments.join('/')} failed`, error);
    return {
      status: 500,
      body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred: ${(error as Error).message}` }],
    };
  }
}
