import { DateTime } from 'luxon';
import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { ItemSnapshot, SyncWindow } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { messageFailure } from '../ews-client.ts';
import { getItems } from '../items/get-items.ts';
import { itemIdOf, itemShapeXml, modifiedAtOf } from '../items/ews-item-xml.ts';
import { syncIdOf } from '../items/sync-id-property.ts';
import { itemsOf } from '../soap/response.ts';
import type { XmlNode } from '../soap/xml-tree.ts';
import { element } from '../soap/xml-write.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { calendarItemTypeOf, EVENT_FIELD_URIS, eventFromEws } from './event-from-ews.ts';

export function eventShape(): string {
  return itemShapeXml(EVENT_FIELD_URIS, { bodyType: 'Text' });
}

export function eventSnapshot(ctx: EwsSourceContext, node: XmlNode, fallbackId: string, seriesId: string | null): ItemSnapshot<CalendarEvent> {
  const ids = itemIdOf(node);
  return { id: ids?.id ?? fallbackId, version: ids?.changeKey ?? '', modifiedAt: modifiedAtOf(node), syncId: syncIdOf(node), item: eventFromEws(node, ctx.mailboxTimeZone, seriesId) };
}

/**
 * Read calendar items by id. A recurring master is no item of its own (a series is mirrored through its instances),
 * so a master id is absent from the result like a deleted item. Occurrences and exceptions get their master's id
 * as `seriesId`; `knownMasters` saves the lookup where the caller knows it already.
 */
export async function readEvents(ctx: EwsSourceContext, ids: readonly string[], knownMasters: ReadonlyMap<string, string> = new Map()): Promise<Map<string, ItemSnapshot<CalendarEvent>>> {
  const nodes = await getItems(ctx.client, ids, eventShape(), ctx.batchSize);
  const instances = [...nodes].filter(([, node]) => isInstance(node)).map(([id]) => id);
  const masters = new Map(knownMasters);
  const unknown = instances.filter((id) => !masters.has(id));
  for (const [id, masterId] of await resolveMasters(ctx, unknown)) {
    masters.set(id, masterId);
  }

  const found = new Map<string, ItemSnapshot<CalendarEvent>>();
  for (const [id, node] of nodes) {
    if (calendarItemTypeOf(node) === 'RecurringMaster') {
      continue;
    }
    found.set(id, eventSnapshot(ctx, node, id, masters.get(id) ?? null));
  }
  return found;
}

function isInstance(node: XmlNode): boolean {
  const type = calendarItemTypeOf(node);
  return type === 'Occurrence' || type === 'Exception';
}

/** Reads the recurring master of each occurrence or exception through GetItem with RecurringMasterItemId. */
export async function resolveMasters(ctx: EwsSourceContext, instanceIds: readonly string[]): Promise<Map<string, string>> {
  const masters = new Map<string, string>();
  for (let start = 0; start < instanceIds.length; start += ctx.batchSize) {
    const batch = instanceIds.slice(start, start + ctx.batchSize);
    const body = element('m:GetItem', {}, itemShapeXml([]), element('m:ItemIds', {}, ...batch.map((id) => element('t:RecurringMasterItemId', { OccurrenceId: id }))));
    const reply = await ctx.client.call({ body, idempotent: true, label: 'GetItem RecurringMasterItemId' });

    batch.forEach((id, index) => {
      const message = reply.messages[index];
      if (message === undefined) {
        return;
      }
      if (message.responseClass === 'Error') {
        const failure = messageFailure(message);
        if (failure.kind !== 'notFound') {
          throw new ConnectorError(failure);
        }
        return;
      }
      const master = itemsOf(message)[0];
      const masterId = master === undefined ? null : itemIdOf(master)?.id;
      if (masterId) {
        masters.set(id, masterId);
      }
    });
  }
  return masters;
}

/** Returns whether an event lies in the window `[start, end)`. A zero-length event counts at its start. */
export function overlapsWindow(event: CalendarEvent, window: SyncWindow, mailboxTimeZone: string): boolean {
  const { start, end } = spanInstants(event, mailboxTimeZone);
  const windowStart = Date.parse(window.start);
  const windowEnd = Date.parse(window.end);
  if (start === end) {
    return start >= windowStart && start < windowEnd;
  }
  return start < windowEnd && end > windowStart;
}

function spanInstants(event: CalendarEvent, mailboxTimeZone: string): { start: number; end: number } {
  if (event.span.kind === 'timed') {
    return { start: Date.parse(event.span.start), end: Date.parse(event.span.end) };
  }
  const midnight = (date: string) => DateTime.fromISO(date, { zone: mailboxTimeZone }).startOf('day').toMillis();
  return { start: midnight(event.span.startDate), end: midnight(event.span.endDate) };
}
