import type { SyncWindow } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { SeriesInstance, SeriesMaster } from '../../../sync/series-mode-types.ts';
import { getEachById } from '../google-batch.ts';
import { EVENT_PAGE_SIZE, eventUrl, type CalendarContext } from './calendar-context.ts';
import { eventFromGoogle } from './event-from-google.ts';
import type { GoogleEvent, GoogleEventList } from './google-event-types.ts';

/**
 * Read series masters by id with batched `events.get`. An unknown id (404 or 410), a deleted master (status
 * `cancelled`) and an event without `recurrence` are left out, so their series stay in occurrence mode.
 */
export async function readSeriesMasters(ctx: CalendarContext, ids: readonly string[]): Promise<Map<string, SeriesMaster>> {
  const found = new Map<string, SeriesMaster>();
  if (ids.length === 0) {
    return found;
  }

  const bodies = await getEachById({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'events.get series master' }, ctx.eventsPath, ids);
  for (const [id, body] of bodies) {
    const master = { ...(body as GoogleEvent), id };
    if (master.status === 'cancelled' || !Array.isArray(master.recurrence) || master.recurrence.length === 0) {
      continue;
    }
    found.set(id, { rule: ruleOfGoogleRecurrence(master.recurrence), first: eventFromGoogle(master, ctx.calendarZone).span });
  }
  return found;
}

/**
 * Read a series' live occurrences and exceptions inside the window with `events.instances`, every page, each with its
 * `recurrence.originalStart`. Return null when Calendar no longer has the master (404 or 410).
 */
export async function readSeriesInstances(ctx: CalendarContext, seriesId: string, window: SyncWindow): Promise<SeriesInstance[] | null> {
  const query = new URLSearchParams({ timeMin: window.start, timeMax: window.end, maxResults: String(EVENT_PAGE_SIZE) });
  const url = eventUrl(ctx, `${ctx.eventsPath}/${encodeURIComponent(seriesId)}/instances`);
  const instances: SeriesInstance[] = [];
  for (;;) {
    const response = await ctx.client.http.send({ method: 'GET', url: `${url}?${query.toString()}`, idempotent: true, label: 'events.instances' });
    if (!response.ok) {
      if (response.failure.kind === 'notFound') {
        return null;
      }
      throw new ConnectorError(response.failure);
    }

    const page = (response.body ?? {}) as GoogleEventList;
    for (const instance of page.items ?? []) {
      // Calendar lists cancelled instances only with showDeleted, which this request leaves out. One that comes anyway is skipped.
      if (instance.status === 'cancelled') {
        continue;
      }
      const event = eventFromGoogle(instance, ctx.calendarZone);
      const originalStart = event.recurrence?.originalStart;
      if (originalStart !== undefined) instances.push({ id: instance.id, originalStart, event });
    }
    if (!page.nextPageToken) {
      return instances;
    }
    query.set('pageToken', page.nextPageToken);
  }
}

/**
 * Return the master's one RRULE line from its RFC 5545 `recurrence` lines, or null when it has none or several (a union
 * no Salesforce pattern can express). EXDATE lines are dropped because `events.instances` leaves cancelled instances out.
 */
export function ruleOfGoogleRecurrence(lines: readonly string[]): string | null {
  const [rule, ...others] = lines.map((line) => line.trim()).filter((line) => /^RRULE:/i.test(line));
  if (rule === undefined || others.length > 0) {
    return null;
  }
  return `RRULE:${rule.slice('RRULE:'.length)}`;
}
