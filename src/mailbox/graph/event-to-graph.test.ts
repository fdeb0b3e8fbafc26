import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { GraphEvent } from './graph-types.ts';
import { createBody, patchBody, spanToGraph } from './event-to-graph.ts';
import { eventFromGraph } from './event-from-graph.ts';
import { SYNC_ID_PROPERTY_ID } from './sync-id-property.ts';

const EVENT: CalendarEvent = {
  subject: 'Quarterly review',
  span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'America/New_York' },
  location: 'Room 4',
  body: 'Agenda attached',
  showAs: 'busy',
  sensitivity: 'normal',
  organizer: { email: 'owner@example.com', name: 'Owner' },
  attendees: [
    { email: 'a@example.com', name: 'Ann', type: 'required', response: 'accepted' },
    { email: null, name: 'Nameless', type: 'optional', response: 'none' },
  ],
  recurrence: null,
  isCancelled: false,
  iCalUId: 'uid-1',
  categories: [],
};

/** Build the event Graph would return for the written body under outlook.timezone="UTC". */
function readBack(written: Record<string, unknown>, zone: string): GraphEvent {
  return { id: 'x', originalStartTimeZone: zone, ...(written as Partial<GraphEvent>) } as GraphEvent;
}

/** The same bounds as a server that converts all-day midnights to UTC instants would return them. */
function convertedToUtc(written: Record<string, unknown>): Record<string, unknown> {
  const toUtc = (value: unknown) => {
    const { dateTime, timeZone } = value as { dateTime: string; timeZone: string };
    const instant = DateTime.fromISO(dateTime, { zone: timeZone }).toUTC();
    return { dateTime: instant.toFormat("yyyy-LL-dd'T'HH:mm:ss.SSS'0000'"), timeZone: 'UTC' };
  };
  return { ...written, start: toUtc(written.start), end: toUtc(written.end) };
}

describe('event to Graph', () => {
  it('writes the C11 instant back as Eastern wall time', () => {
    expect(spanToGraph(EVENT.span, 'America/New_York')).toEqual({
      isAllDay: false,
      start: { dateTime: '2026-05-04T09:00:00', timeZone: 'America/New_York' },
      end: { dateTime: '2026-05-04T10:00:00', timeZone: 'America/New_York' },
    });
  });

  it('sends the same C11 instant that was read', () => {
    const graph: GraphEvent = {
      id: 'c11',
      start: { dateTime: '2026-05-04T13:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-05-04T14:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'Eastern Standard Time',
    };
    const read = eventFromGraph(graph, 'America/New_York');
    const written = spanToGraph(read.span, 'America/New_York');

    expect(eventFromGraph(readBack(written, 'Eastern Standard Time'), 'America/New_York').span).toEqual(read.span);
  });

  it('round-trips an all-day event in several mailbox zones', () => {
    const span = { kind: 'allDay', startDate: '2023-05-12', endDate: '2023-05-13' } as const;

    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Auckland', 'UTC']) {
      const written = spanToGraph(span, zone);
      expect(written).toEqual({
        isAllDay: true,
        start: { dateTime: '2023-05-12T00:00:00', timeZone: zone },
        end: { dateTime: '2023-05-13T00:00:00', timeZone: zone },
      });
      expect(eventFromGraph(readBack(written, zone), zone).span).toEqual(span);
      expect(eventFromGraph(readBack(convertedToUtc(written), zone), zone).span).toEqual(span);
    }
  });

  it('sends an instant in the repeated autumn hour as UTC', () => {
    const span = { kind: 'timed', start: '2026-11-01T05:30:00.000Z', end: '2026-11-01T06:30:00.000Z', timeZone: 'America/New_York' } as const;

    expect(spanToGraph(span, 'UTC')).toEqual({
      isAllDay: false,
      start: { dateTime: '2026-11-01T05:30:00', timeZone: 'UTC' },
      end: { dateTime: '2026-11-01T06:30:00', timeZone: 'UTC' },
    });
  });

  it('keeps milliseconds of an instant', () => {
    const span = { kind: 'timed', start: '2026-05-04T13:00:00.250Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' } as const;

    expect(spanToGraph(span, 'UTC')).toMatchObject({ start: { dateTime: '2026-05-04T15:00:00.250', timeZone: 'Europe/Berlin' } });
  });

  it('builds a create body with the sync id property, no read-only fields and no attendees to invite', () => {
    expect(createBody(EVENT, 'sync-7', 'America/New_York')).toEqual({
      subject: 'Quarterly review',
      isAllDay: false,
      start: { dateTime: '2026-05-04T09:00:00', timeZone: 'America/New_York' },
      end: { dateTime: '2026-05-04T10:00:00', timeZone: 'America/New_York' },
      location: { displayName: 'Room 4' },
      body: { contentType: 'text', content: 'Agenda attached' },
      showAs: 'busy',
      sensitivity: 'normal',
      categories: [],
      singleValueExtendedProperties: [{ id: SYNC_ID_PROPERTY_ID, value: 'sync-7' }],
    });
  });

  it('patches only the fields given', () => {
    expect(patchBody({ body: 'New notes' }, 'UTC')).toEqual({ patch: { body: { contentType: 'text', content: 'New notes' } }, skipped: [] });
    expect(patchBody({ location: null, subject: 'S' }, 'UTC').patch).toEqual({ location: { displayName: '' }, subject: 'S' });
  });

  it('writes categories', () => {
    expect(patchBody({ categories: ['Salesforce', 'Red'] }, 'UTC').patch).toEqual({ categories: ['Salesforce', 'Red'] });
  });

  it('writes attendees, and so sends invitations, only when the org turned that on', () => {
    expect(patchBody({ attendees: EVENT.attendees }, 'UTC')).toEqual({ patch: {}, skipped: ['attendees'] });
    expect(createBody(EVENT, 'sync-8', 'UTC', { sendInvitations: true }).attendees).toEqual([
      { type: 'required', emailAddress: { address: 'a@example.com', name: 'Ann' } },
    ]);
  });

  it('reports read-only fields of a patch as skipped', () => {
    expect(patchBody({ isCancelled: true, organizer: null }, 'UTC')).toEqual({ patch: {}, skipped: ['organizer', 'isCancelled'] });
  });
});
