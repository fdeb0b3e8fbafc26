import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { ItemSnapshot } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { GraphEvent } from './graph-types.ts';
import type { SourceContext } from './source-context.ts';
import { executeBatch, type BatchItem } from './graph-batch.ts';
import { snapshotFromGraph } from './event-from-graph.ts';
import { odataString, SYNC_ID_PROPERTY_ID } from './sync-id-property.ts';

/** `$expand` that brings the sync id property along with an event, and nothing else of its extended data. */
export const EXPAND_SYNC_ID = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq ${odataString(SYNC_ID_PROPERTY_ID)})`)}`;

/** Read events by id through `$batch`; an id Graph no longer knows is left out of the map. */
export async function readItems(ctx: SourceContext, ids: readonly string[]): Promise<Map<string, ItemSnapshot<CalendarEvent>>> {
  const unique = [...new Set(ids)];
  const requests: BatchItem[] = unique.map((id, index) => ({
    id: String(index),
    method: 'GET',
    url: `${ctx.userPath}/events/${encodeURIComponent(id)}?${EXPAND_SYNC_ID}`,
    idempotent: true,
  }));
  const outcomes = await executeBatch(ctx.batch, requests);

  const found = new Map<string, ItemSnapshot<CalendarEvent>>();
  unique.forEach((id, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      return;
    }

    if (outcome.ok) {
      found.set(id, snapshotFromGraph({ ...(outcome.body as GraphEvent), id }, ctx.mailboxTimeZone));
      return;
    }

    // A malformed id cannot name an existing item either.
    if (outcome.failure.kind === 'notFound' || outcome.failure.code === 'ErrorInvalidIdMalformed') {
      return;
    }
    throw new ConnectorError(outcome.failure);
  });
  return found;
}
