import { sobjectSummary } from './describe.ts';
import { SfError } from './sf-error.ts';
import { batchSizeFrom } from './query-service.ts';
import type { RestHandler } from './rest-types.ts';

const RELEASE_NAMES: Record<string, string> = {
  '57.0': "Spring '23", '58.0': "Summer '23", '59.0': "Winter '24", '60.0': "Spring '24", '61.0': "Summer '24",
  '62.0': "Winter '25", '63.0': "Spring '25", '64.0': "Summer '25", '65.0': "Winter '26",
};

/** `GET /services/data/`: the served versions, oldest first. */
export function versionList(versions: string[]): { label: string; url: string; version: string }[] {
  return versions.map((version) => ({
    label: RELEASE_NAMES[version] ?? `Release ${version}`,
    url: `/services/data/v${version}`,
    version,
  }));
}

/** `GET /services/data/vXX.X/`: the resources this emulator serves. */
export const resourcesHandler: RestHandler = (request) => {
  const base = `/services/data/v${request.apiVersion}`;
  const names = ['sobjects', 'query', 'queryAll', 'limits', 'composite'];
  return { status: 200, body: Object.fromEntries(names.map((n) => [n, `${base}/${n}`])) };
};

/**
 * `GET limits`: the shape of Salesforce's limits resource. Only DailyApiRequests moves (one per counted call);
 * the other entries are fixed, as an idle org shows them.
 */
export const limitsHandler: RestHandler = (_request, context) => {
  const fixed = (max: number): { Max: number; Remaining: number } => ({ Max: max, Remaining: max });
  return {
    status: 200,
    body: {
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: { Max: context.dailyApiLimit, Remaining: Math.max(0, context.dailyApiLimit - context.stats.dailyCalls) },
      DailyAsyncApexExecutions: fixed(250000),
      DailyBulkApiBatches: fixed(15000),
      DailyBulkV2QueryJobs: fixed(10000),
      DailyDurableStreamingApiEvents: fixed(10000),
      DailyGenericStreamingApiEvents: fixed(10000),
      DailyStreamingApiEvents: fixed(10000),
      DailyWorkflowEmails: fixed(1000),
      DataStorageMB: fixed(1024),
      FileStorageMB: fixed(2048),
      HourlyODataCallout: fixed(10000),
      HourlyTimeBasedWorkflow: fixed(50),
      MassEmail: fixed(5000),
      SingleEmail: fixed(5000),
      StreamingApiConcurrentClients: fixed(2000),
    },
  };
};

/** `GET sobjects`: describeGlobal over the objects the emulator holds. */
export const describeGlobalHandler: RestHandler = (request, context) => ({
  status: 200,
  body: {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: context.org.allTables().map((t) => sobjectSummary(t.def, request.apiVersion)),
  },
});

/** `GET query?q=` and `GET queryAll?q=`. */
export function queryHandler(resource: 'query' | 'queryAll'): RestHandler {
  return (request, context) => {
    const soql = request.query.get('q');
    if (!soql) throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const batchSize = batchSizeFrom(request.headers['sforce-query-options']);
    return { status: 200, body: context.queries.run(soql, resource, request.apiVersion, batchSize) };
  };
}

/** `GET query/{locator}-{offset}`: the next batch of an earlier result. */
export const queryMoreHandler: RestHandler = (_request, context, params) => (
  { status: 200, body: context.queries.more(params.locator ?? '') });
