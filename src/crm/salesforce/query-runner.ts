import { ConnectorError, isConnectorError } from '../../domain/errors.ts';
import { classifySalesforceError } from './classify-error.ts';
import type { RestResponse, SalesforceRestClient } from './rest-client.ts';

export type SalesforceRecord = Record<string, unknown>;

export interface QuerySpec {
  readonly soql: string;
  /** Use `queryAll`, which also returns deleted records still in the Recycle Bin. */
  readonly includeDeleted?: boolean;
}

export interface QueryOutcome {
  /** All records of each query, in the order of the specs. */
  readonly records: SalesforceRecord[][];
  /** The server's clock (HTTP `Date`) when it responded to the first request, as an ISO instant, if it sent one. */
  readonly serverTime: string | null;
}

/** Composite accepts at most five query or sObject Collections subrequests per call. */
export const QUERIES_PER_COMPOSITE = 5;

interface QueryPage {
  readonly records: SalesforceRecord[];
  readonly nextRecordsUrl: string | null;
}

/**
 * Run SOQL queries in as few calls as possible: one query as a plain GET, several as subrequests of one
 * Composite call (five per call), then follow each query's `nextRecordsUrl` until it is done.
 */
export async function runQueries(client: SalesforceRestClient, specs: readonly QuerySpec[]): Promise<QueryOutcome> {
  const firstPages: QueryPage[] = [];
  let serverTime: string | null = null;

  for (let start = 0; start < specs.length; start += QUERIES_PER_COMPOSITE) {
    const group = specs.slice(start, start + QUERIES_PER_COMPOSITE);
    const { pages, response } = group.length === 1 ? await runSingle(client, group[0]!) : await runComposite(client, group);
    serverTime ??= readServerTime(response.headers);
    firstPages.push(...pages);
  }

  const records: SalesforceRecord[][] = [];
  for (const [index, first] of firstPages.entries()) {
    records.push(await readAllPages(client, specs[index]!, first));
  }
  return { records, serverTime };
}

/**
 * Follow a query's `nextRecordsUrl` to its end. Salesforce drops a query cursor that sat idle too long, or when the
 * user has too many open (INVALID_QUERY_LOCATOR). The query then runs once more from its first page.
 */
async function readAllPages(client: SalesforceRestClient, spec: QuerySpec, first: QueryPage): Promise<SalesforceRecord[]> {
  try {
    return await followPages(client, first);
  } catch (error) {
    if (!isConnectorError(error) || error.failure.code !== 'INVALID_QUERY_LOCATOR') {
      throw error;
    }
    const { pages } = await runSingle(client, spec);
    return followPages(client, pages[0]!);
  }
}

async function followPages(client: SalesforceRestClient, first: QueryPage): Promise<SalesforceRecord[]> {
  const all = [...first.records];
  let next = first.nextRecordsUrl;
  while (next !== null) {
    const page = readPage((await client.request('GET', next)).body);
    all.push(...page.records);
    next = page.nextRecordsUrl;
  }
  return all;
}

function queryPath(client: SalesforceRestClient, spec: QuerySpec): string {
  return `${client.dataPath}/${spec.includeDeleted === true ? 'queryAll' : 'query'}?q=${encodeURIComponent(spec.soql)}`;
}

async function runSingle(client: SalesforceRestClient, spec: QuerySpec): Promise<{ pages: QueryPage[]; response: RestResponse }> {
  const response = await client.request('GET', queryPath(client, spec));
  return { pages: [readPage(response.body)], response };
}

async function runComposite(
  client: SalesforceRestClient,
  specs: readonly QuerySpec[],
): Promise<{ pages: QueryPage[]; response: RestResponse }> {
  const compositeRequest = specs.map((spec, index) => ({ method: 'GET', url: queryPath(client, spec), referenceId: `query${index}` }));
  const response = await client.request('POST', `${client.dataPath}/composite`, { allOrNone: false, compositeRequest });
  const byReference = indexSubresponses(response.body);

  const pages = compositeRequest.map((subrequest) => {
    const sub = byReference.get(subrequest.referenceId);
    if (sub === undefined) {
      throw new ConnectorError({
        kind: 'bug',
        code: 'MISSING_SUBRESPONSE',
        message: `Salesforce composite response is missing the result for ${subrequest.referenceId}`,
      });
    }
    if (sub.httpStatusCode < 200 || sub.httpStatusCode >= 300) {
      throw new ConnectorError(classifySalesforceError(sub.httpStatusCode, sub.body, headersOf(sub.httpHeaders)));
    }
    return readPage(sub.body);
  });
  return { pages, response };
}

export interface Subresponse {
  readonly body: unknown;
  readonly httpHeaders: unknown;
  readonly httpStatusCode: number;
  readonly referenceId: string;
}

/** Index the `compositeResponse` entries of a Composite response by `referenceId`. */
export function indexSubresponses(body: unknown): Map<string, Subresponse> {
  const list = body !== null && typeof body === 'object' ? (body as { compositeResponse?: unknown }).compositeResponse : undefined;
  const index = new Map<string, Subresponse>();
  for (const entry of Array.isArray(list) ? (list as Record<string, unknown>[]) : []) {
    if (typeof entry?.referenceId === 'string' && typeof entry.httpStatusCode === 'number') {
      index.set(entry.referenceId, entry as unknown as Subresponse);
    }
  }
  return index;
}

export function headersOf(httpHeaders: unknown): Headers {
  const headers = new Headers();
  if (httpHeaders !== null && typeof httpHeaders === 'object') {
    for (const [name, value] of Object.entries(httpHeaders)) {
      if (typeof value === 'string') {
        headers.set(name, value);
      }
    }
  }
  return headers;
}

function readPage(body: unknown): QueryPage {
  const result = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (!Array.isArray(result.records)) {
    throw new ConnectorError({ kind: 'bug', code: 'INVALID_QUERY_RESULT', message: 'Salesforce query response is missing the records array' });
  }
  const next = result.done === false && typeof result.nextRecordsUrl === 'string' ? result.nextRecordsUrl : null;
  return { records: result.records as SalesforceRecord[], nextRecordsUrl: next };
}

function readServerTime(headers: Headers): string | null {
  const date = headers.get('date');
  const ms = date === null ? Number.NaN : Date.parse(date);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
