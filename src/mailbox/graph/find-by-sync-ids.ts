import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { ItemSnapshot } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { GraphEvent, GraphPage } from './graph-types.ts';
import type { SourceContext } from './source-context.ts';
import { executeBatch, type BatchItem } from './graph-batch.ts';
import { snapshotFromGraph } from './event-from-graph.ts';
import { EXPAND_SYNC_ID } from './read-items.ts';
import { odataString, SYNC_ID_PROPERTY_ID } from './sync-id-property.ts';

/** Find the events that carry these sync ids, one filtered list request per sync id, batched. */
export async function findBySyncIds(ctx: SourceContext, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<CalendarEvent>>> {
  const unique = [...new Set(syncIds)];
  const requests: BatchItem[] = unique.map((syncId, index) => ({
    id: String(index),
    method: 'GET',
    url: `${ctx.userPath}/events?${filterFor(syncId)}&${EXPAND_SYNC_ID}`,
    idempotent: true,
  }));
  const outcomes = await executeBatch(ctx.batch, requests);

  const found = new Map<string, ItemSnapshot<CalendarEvent>>();
  unique.forEach((syncId, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      return;
    }
    if (!outcome.ok) {
      throw new ConnectorError(outcome.failure);
    }

    const event = firstCreated(ctx, (outcome.body as GraphPage<GraphEvent> | null)?.value ?? []);
    if (event) {
      found.set(syncId, snapshotFromGraph(event, ctx.mailboxTimeZone));
    }
  });
  return found;
}

function filterFor(syncId: string): string {
  const property = odataString(SYNC_ID_PROPERTY_ID);
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq ${property} and ep/value eq ${odataString(syncId)})`;
  return `$filter=${encodeURIComponent(filter)}`;
}

/**
 * Two events with one sync id mean a create was repeated somewhere. The first one created is the one the
 * link was meant for, and a warning lists the ids of all of them.
 */
function firstCreated(ctx: SourceContext, events: readonly GraphEvent[]): GraphEvent | undefined {
  if (events.length > 1) {
    ctx.logger.warn({ ids: events.map((event) => event.id) }, 'several Graph events carry one sync id; the first created is used');
  }

  return [...events].sort((a, b) => (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? ''))[0];
}
