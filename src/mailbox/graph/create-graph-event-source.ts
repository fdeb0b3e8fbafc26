import type { MailboxEventSource } from '../../domain/connector.ts';
import { toIanaZone } from '../../domain/time-zones.ts';
import type { GraphConnectorOptions } from './connector-options.ts';
import { createGraphClient } from './graph-client.ts';
import type { SourceContext } from './source-context.ts';
import { pullChanges, pullPages } from './pull-changes.ts';
import { readItems } from './read-items.ts';
import { findBySyncIds } from './find-by-sync-ids.ts';
import { applyWrites } from './apply-writes.ts';
import { readSeriesInstances, readSeriesMasters } from './series-masters.ts';
import type { SeriesMasterReader } from '../../sync/series-mode-types.ts';

export type { GraphConnectorOptions } from './connector-options.ts';

/** Create the event source for the Microsoft Graph calendar of one mailbox. */
export function createGraphEventSource(options: GraphConnectorOptions): MailboxEventSource & SeriesMasterReader {
  const ctx = buildContext(options);
  return {
    get calls() {
      return ctx.http.calls;
    },
    pullChanges: (cursor, window) => pullChanges(ctx, cursor, window),
    pullPages: (cursor, window) => pullPages(ctx, cursor, window),
    readItems: (ids) => readItems(ctx, ids),
    findBySyncIds: (syncIds) => findBySyncIds(ctx, syncIds),
    applyWrites: (writes) => applyWrites(ctx, writes),
    // Series mode reads a master only for a series new to Salesforce, so a session without one sends nothing more.
    readSeriesMasters: (ids) => readSeriesMasters(ctx, ids),
    readSeriesInstances: (seriesId, window) => readSeriesInstances(ctx, seriesId, window),
  };
}

/**
 * Delta page size asked for with `odata.maxpagesize`. Graph pages calendar deltas at 10 events when no size is
 * asked for, which costs ten times the requests on a first sync.
 */
// NOTE: Graph documents no maximum for event delta pages; 100 is a size Graph clients commonly request, and
// Graph returns smaller pages when it caps the size, which the nextLink loop handles.
const DEFAULT_DELTA_PAGE_SIZE = 100;

/** Build the HTTP layer, batching and settings every Graph source of one mailbox shares. */
export function buildContext(options: GraphConnectorOptions, component = 'events'): SourceContext {
  const mailboxTimeZone = toIanaZone(options.mailboxTimeZone);
  if (mailboxTimeZone === null) {
    throw new Error(`mailboxTimeZone "${options.mailboxTimeZone}" is not a known zone: use an IANA name such as Europe/Berlin`);
  }

  const pageSize = options.pageSize ?? DEFAULT_DELTA_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new Error(`pageSize ${pageSize} is invalid: use a whole number of 1 or more, or leave it out`);
  }

  const client = createGraphClient(options, component);
  return { http: client.http, batch: client.batch, baseUrl: client.baseUrl, userPath: client.userPath, mailboxTimeZone, logger: client.logger, pageSize };
}
