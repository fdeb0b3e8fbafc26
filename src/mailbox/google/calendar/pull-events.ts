import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { Change, PullResult, SyncWindow } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { EVENT_PAGE_SIZE, eventUrl, type CalendarContext } from './calendar-context.ts';
import { boundsOf, eventFromGoogle, modifiedAtOf, syncIdOf, versionOf } from './event-from-google.ts';
import type { GoogleEvent, GoogleEventList } from './google-event-types.ts';

/**
 * Pull the events of the calendar. Series come as their instances (`singleEvents=true`), as the window semantics
 * ask. Calendar's sync token cannot be combined with timeMin and timeMax, so:
 * - the first, full read lists the window (timeMin/timeMax) and keeps the `nextSyncToken` of its last page;
 * - a read from that token gets every change of the whole calendar, and the window is applied here. An event that
 *   now lies outside it is reported as a removal the core confirms, because it may still exist; Graph's calendar
 *   view reports an event that left the view the same way.
 * Only the event types in SYNCED_EVENT_TYPES are listed. A deleted event or instance comes back with status `cancelled`. A 410 (`fullSyncRequired`) is thrown as
 * `cursorExpired`, and the core reads again in full.
 */
/**
 * The event types synced; `events.list` returns every type unless `eventTypes` names some.
 * - `default`: ordinary events and meetings.
 * - `outOfOffice` and `focusTime`: time the user blocked. Outlook keeps such blocks as ordinary events (show-as `oof`
 *   or `busy`), so Graph, EWS and IMAP mailboxes sync them, and syncing them here keeps the connectors alike.
 *   The mapping turns `outOfOffice` into show-as `oof`.
 * - Left out: `birthday` (copied from Google Contacts, so the contact sync already carries the date), `workingLocation`
 *   (where the user works that day, not an appointment) and `fromGmail` (reservations Gmail found in mail, which the
 *   API lets no one else edit).
 */
export const SYNCED_EVENT_TYPES: readonly string[] = ['default', 'focusTime', 'outOfOffice'];

export async function pullEvents(ctx: CalendarContext, cursor: string | null, window: SyncWindow): Promise<PullResult<CalendarEvent>> {
  const changes = new Map<string, Change<CalendarEvent>>();
  const query = new URLSearchParams({ singleEvents: 'true', maxResults: String(EVENT_PAGE_SIZE) });
  for (const type of SYNCED_EVENT_TYPES) {
    query.append('eventTypes', type);
  }
  if (cursor === null) {
    query.set('timeMin', window.start);
    query.set('timeMax', window.end);
  } else {
    query.set('syncToken', cursor);
  }

  let pages = 0;
  for (;;) {
    const { body } = await ctx.client.http.sendOrThrow({ method: 'GET', url: `${eventUrl(ctx, ctx.eventsPath)}?${query.toString()}`, idempotent: true, label: 'events.list' });
    const page = (body ?? {}) as GoogleEventList;
    pages += 1;
    for (const event of page.items ?? []) {
      addChange(ctx, changes, event, window);
    }

    if (page.nextSyncToken) {
      ctx.client.logger.debug({ pages, changes: changes.size, fullListing: cursor === null }, 'Calendar events pulled');
      return { changes: [...changes.values()], nextCursor: page.nextSyncToken, isFullListing: cursor === null };
    }
    if (!page.nextPageToken) {
      throw new ConnectorError({ kind: 'bug', code: 'ListWithoutToken', message: 'a Calendar events page had neither nextPageToken nor nextSyncToken; the pull cannot go on' });
    }
    query.set('pageToken', page.nextPageToken);
  }
}

/** Record one listed event; when an id comes twice in one pull, the later entry wins. */
function addChange(ctx: CalendarContext, changes: Map<string, Change<CalendarEvent>>, event: GoogleEvent, window: SyncWindow): void {
  changes.delete(event.id);
  if (event.status === 'cancelled') {
    changes.set(event.id, { kind: 'delete', id: event.id, mayStillExist: false });
    return;
  }
  // A series master cannot come with singleEvents=true; one that does carries no slot of its own. An event of a type
  // not synced is skipped even when the server ignored eventTypes.
  if ((event.recurrence && event.recurrence.length > 0) || !SYNCED_EVENT_TYPES.includes(event.eventType ?? 'default')) {
    return;
  }

  const item = eventFromGoogle(event, ctx.calendarZone);
  if (!overlaps(item, window, ctx.calendarZone)) {
    changes.set(event.id, { kind: 'delete', id: event.id, mayStillExist: true });
    return;
  }
  changes.set(event.id, { kind: 'upsert', id: event.id, version: versionOf(event), modifiedAt: modifiedAtOf(event), syncId: syncIdOf(event), item });
}

function overlaps(item: CalendarEvent, window: SyncWindow, calendarZone: string): boolean {
  const { start, end } = boundsOf(item.span, calendarZone);
  return end > Date.parse(window.start) && start < Date.parse(window.end);
}
