import type { MailboxEventSource } from '../../../domain/connector.ts';
import type { SeriesMasterReader } from '../../../sync/series-mode-types.ts';
import { toIanaZone } from '../../../domain/time-zones.ts';
import { createGoogleClient } from '../google-client.ts';
import type { GoogleConnectorOptions } from '../google-options.ts';
import { applyEventWrites } from './apply-event-writes.ts';
import type { CalendarContext } from './calendar-context.ts';
import { findEventsBySyncIds, readEvents } from './event-reads.ts';
import { pullEvents } from './pull-events.ts';
import { readSeriesInstances, readSeriesMasters } from './series-masters.ts';

/** Create the event source for one mailbox's Google Calendar (the primary calendar unless another is named). */
export function createGoogleEventSource(options: GoogleConnectorOptions): MailboxEventSource & SeriesMasterReader {
  const ctx = calendarContext(options);
  return {
    get calls() {
      return ctx.client.http.calls;
    },
    pullChanges: (cursor, window) => pullEvents(ctx, cursor, window),
    readItems: (ids) => readEvents(ctx, ids),
    findBySyncIds: (syncIds) => findEventsBySyncIds(ctx, syncIds),
    applyWrites: (writes) => applyEventWrites(ctx, writes),
    // Series mode reads a master only for a series new to Salesforce, so a session without one sends nothing more.
    readSeriesMasters: (ids) => readSeriesMasters(ctx, ids),
    readSeriesInstances: (seriesId, window) => readSeriesInstances(ctx, seriesId, window),
  };
}

export function calendarContext(options: GoogleConnectorOptions): CalendarContext {
  const calendarZone = toIanaZone(options.mailboxTimeZone);
  if (calendarZone === null) {
    throw new Error(`mailboxTimeZone "${options.mailboxTimeZone}" is not a known zone: use an IANA name such as Europe/Berlin`);
  }
  const client = createGoogleClient(options, 'calendar');
  const calendarId = options.calendarId ?? 'primary';
  return {
    client,
    eventsPath: `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`,
    batchUrl: `${client.apiBaseUrl}/batch/calendar/v3`,
    calendarZone,
    sendUpdates: options.sendUpdates ?? 'none',
  };
}
