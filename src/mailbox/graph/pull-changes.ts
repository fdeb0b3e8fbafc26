import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { Change, PullPage, PullResult, SyncWindow } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { GraphEvent, GraphPage } from './graph-types.ts';
import type { SourceContext } from './source-context.ts';
import { modifiedAtOf, eventFromGraph, versionOf } from './event-from-graph.ts';
import { syncIdOf } from './sync-id-property.ts';

/**
 * Follow a calendar-view delta from `cursor` (a stored deltaLink) or, without one, from a new listing of the
 * window, until Graph hands out the next deltaLink.
 */
export async function pullChanges(ctx: SourceContext, cursor: string | null, window: SyncWindow): Promise<PullResult<CalendarEvent>> {
  const changes = new Map<string, Change<CalendarEvent>>();
  for await (const page of pullPages(ctx, cursor, window)) {
    for (const change of page.changes) {
      changes.delete(change.id);
      changes.set(change.id, change);
    }
    if (page.nextCursor !== null) {
      return { changes: [...changes.values()], nextCursor: page.nextCursor, isFullListing: cursor === null };
    }
  }
  throw deltaWithoutLink();
}

/**
 * Follow the same delta one Graph page at a time. The next page is requested only when the caller takes it, so the
 * events of a page can be released once it is consumed. The page that brings the deltaLink carries it.
 */
export async function* pullPages(ctx: SourceContext, cursor: string | null, window: SyncWindow): AsyncGenerator<PullPage<CalendarEvent>> {
  let url = cursor ?? firstDeltaUrl(ctx, window);
  let pages = 0;
  let count = 0;

  for (;;) {
    const { body } = await ctx.http.sendOrThrow({
      method: 'GET',
      url,
      idempotent: true,
      label: 'calendarView delta',
      extraPreferences: [`odata.maxpagesize=${ctx.pageSize}`],
    });
    const page = (body ?? {}) as GraphPage<GraphEvent>;
    pages += 1;
    const changes = new Map<string, Change<CalendarEvent>>();
    (page.value ?? []).forEach((event) => addChange(ctx, changes, event));
    count += changes.size;

    const deltaLink = page['@odata.deltaLink'];
    if (deltaLink) {
      ctx.logger.debug({ pages, changes: count, fullListing: cursor === null }, 'Graph delta pulled');
      yield { changes: [...changes.values()], nextCursor: deltaLink };
      return;
    }

    const nextLink = page['@odata.nextLink'];
    if (!nextLink) {
      throw deltaWithoutLink();
    }
    yield { changes: [...changes.values()], nextCursor: null };
    url = nextLink;
  }
}

function deltaWithoutLink(): ConnectorError {
  return new ConnectorError({
    kind: 'bug',
    code: 'DeltaWithoutLink',
    message: 'a Graph delta page had neither @odata.nextLink nor @odata.deltaLink; the pull cannot go on',
  });
}

function firstDeltaUrl(ctx: SourceContext, window: SyncWindow): string {
  const query = new URLSearchParams({ startDateTime: window.start, endDateTime: window.end });
  return `${ctx.baseUrl}${ctx.userPath}/calendarView/delta?${query.toString()}`;
}

/** The same id twice in one round: the later entry wins, so a delete followed by an upsert ends as the upsert. */
function addChange(ctx: SourceContext, changes: Map<string, Change<CalendarEvent>>, event: GraphEvent): void {
  if (event['@removed'] !== undefined) {
    // In a calendar view, removed also means "moved out of the window", so the item may still exist.
    changes.delete(event.id);
    changes.set(event.id, { kind: 'delete', id: event.id, mayStillExist: true });
    return;
  }

  // A series is mirrored through its instances; a master that slips into the view carries no slot of its own.
  if (event.type === 'seriesMaster') {
    return;
  }

  changes.delete(event.id);
  changes.set(event.id, {
    kind: 'upsert',
    id: event.id,
    version: versionOf(event),
    modifiedAt: modifiedAtOf(event),
    syncId: syncIdOf(event),
    item: eventFromGraph(event, ctx.mailboxTimeZone),
  });
}
