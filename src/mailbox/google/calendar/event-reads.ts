import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { ItemSnapshot } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { executeBatch, getEachById, type BatchItem } from '../google-batch.ts';
import type { CalendarContext } from './calendar-context.ts';
import { snapshotFromGoogle, SYNC_ID_KEY } from './event-from-google.ts';
import type { GoogleEvent, GoogleEventList } from './google-event-types.ts';

/** Read events by id in Calendar batches. A deleted event (404, 410, or status `cancelled`) is left out. */
export async function readEvents(ctx: CalendarContext, ids: readonly string[]): Promise<Map<string, ItemSnapshot<CalendarEvent>>> {
  const bodies = await getEachById({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'events.get' }, ctx.eventsPath, ids);
  const found = new Map<string, ItemSnapshot<CalendarEvent>>();
  for (const [id, body] of bodies) {
    const event = body as GoogleEvent;
    if (event.status !== 'cancelled') {
      found.set(id, snapshotFromGoogle(event, ctx.calendarZone));
    }
  }
  return found;
}

/**
 * Find the events that carry these sync ids with the `privateExtendedProperty` filter, one list request per sync id,
 * batched. The engine only creates single events, so the series masters and instances of this calendar are not
 * searched.
 */
export async function findEventsBySyncIds(ctx: CalendarContext, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<CalendarEvent>>> {
  const unique = [...new Set(syncIds)];
  const items: BatchItem[] = unique.map((syncId, index) => {
    const query = new URLSearchParams({ privateExtendedProperty: `${SYNC_ID_KEY}=${syncId}`, showDeleted: 'false', maxResults: '10' });
    return { id: String(index), method: 'GET', path: `${ctx.eventsPath}?${query.toString()}`, idempotent: true };
  });
  const outcomes = await executeBatch({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'events.list by sync id' }, items);

  const found = new Map<string, ItemSnapshot<CalendarEvent>>();
  unique.forEach((syncId, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      return;
    }
    if (!outcome.ok) {
      throw new ConnectorError(outcome.failure);
    }
    const event = firstCreated(ctx, (outcome.body as GoogleEventList | null)?.items ?? []);
    if (event) {
      found.set(syncId, snapshotFromGoogle(event, ctx.calendarZone));
    }
  });
  return found;
}

/** Two events with one sync id mean a create was repeated; the first created is the one a link was meant for. */
function firstCreated(ctx: CalendarContext, events: readonly GoogleEvent[]): GoogleEvent | undefined {
  if (events.length > 1) {
    ctx.client.logger.warn({ ids: events.map((event) => event.id) }, 'several Calendar events carry one sync id; the first created is used');
  }
  return [...events].sort((a, b) => String(a.created ?? '').localeCompare(String(b.created ?? '')))[0];
}
