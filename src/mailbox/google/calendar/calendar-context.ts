import type { GoogleClient } from '../google-client.ts';

/** State shared by every operation of one mailbox's event source. */
export interface CalendarContext {
  readonly client: GoogleClient;
  /** `/calendar/v3/calendars/{id}/events`, the id escaped. */
  readonly eventsPath: string;
  /** The batch endpoint of Calendar, `{apiBaseUrl}/batch/calendar/v3`. */
  readonly batchUrl: string;
  /** IANA zone for all-day events and for events without a zone of their own. */
  readonly calendarZone: string;
  readonly sendUpdates: 'none' | 'all' | 'externalOnly';
}

/** Calendar returns at most 2,500 events per page, and 250 when no size is asked for. */
export const EVENT_PAGE_SIZE = 2500;

export function eventUrl(ctx: CalendarContext, path: string): string {
  return `${ctx.client.apiBaseUrl}${path}`;
}
