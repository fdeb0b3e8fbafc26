import type { CrmRecord, PullResult, SyncWindow } from '../../domain/connector.ts';
import {
  changedSinceSoql,
  deletedSinceSoql,
  formatCursor,
  fullListingSoql,
  mergeChanges,
  parseCursor,
  type RecordQueryContext,
} from './pull-queries.ts';
import { runQueries } from './query-runner.ts';
import type { SalesforceRestClient } from './rest-client.ts';

export interface PullContext extends RecordQueryContext {
  readonly syncIdField: string;
}

/**
 * Pull the owner's record changes. Without a cursor, list every record in scope. With one, send the changed
 * records query and the deleted records `queryAll` as one Composite call, then follow their pages.
 */
export async function pullRecordChanges(
  client: SalesforceRestClient,
  context: PullContext,
  cursor: string | null,
  window: SyncWindow,
): Promise<PullResult<CrmRecord>> {
  if (cursor === null) {
    const outcome = await runQueries(client, [{ soql: fullListingSoql(context, window) }]);
    const merged = mergeChanges(outcome.records[0] ?? [], [], context.syncIdField);
    // Everything in scope up to the server's clock was listed, so the next pull need not look further back.
    const listedAt = Date.parse(outcome.serverTime ?? new Date().toISOString());
    const watermark = Math.max(merged.greatestStamp ?? listedAt, listedAt);
    return { changes: merged.changes, nextCursor: formatCursor({ watermark: new Date(watermark).toISOString() }), isFullListing: true };
  }

  const parsed = parseCursor(cursor);
  const outcome = await runQueries(client, [
    { soql: changedSinceSoql(context, parsed) },
    { soql: deletedSinceSoql(context, parsed), includeDeleted: true },
  ]);
  const merged = mergeChanges(outcome.records[0] ?? [], outcome.records[1] ?? [], context.syncIdField);
  const watermark = Math.max(Date.parse(parsed.watermark), merged.greatestStamp ?? Number.NEGATIVE_INFINITY);
  return { changes: merged.changes, nextCursor: formatCursor({ watermark: new Date(watermark).toISOString() }), isFullListing: false };
}
