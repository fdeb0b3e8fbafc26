import { describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { GraphEvent, GraphPage } from './graph-types.ts';
import { eventFromGraph, snapshotFromGraph } from './event-from-graph.ts';
import { corpusJson } from './fake-graph.test-support.ts';

const ROSALIND = { email: 'rosalindt@contoso.onmicrosoft.com', name: 'Rosalind Tebbe' };

/** Build the expected event for a delta payload, which carries only some properties, so the rest take their defaults. */
function deltaEvent(subject: string, start: string, end: string, location: string | null = null): CalendarEvent {
  return {
    subject,
    span: { kind: 'timed', start, end, timeZone: 'Europe/Berlin' },
    location,
    body: null,
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: ROSALIND,
    attendees: [],
    recurrence: null,
    isCancelled: false,
    iCalUId: null,
    categories: [],
  };
}

function pageEvents(name: string): GraphEvent[] {
  return [...(corpusJson<GraphPage<GraphEvent>>(name).value ?? [])];
}

describe('eventFromGraph', () => {
  it('maps the documented single event exactly', () => {
    const snapshot = snapshotFromGraph(corpusJson<GraphEvent>('graph-event-single.json'), 'Europe/Berlin');

    expect(snapshot).toEqual({
      id: 'AAMkAGI1AAAt9AHjAAA=',
      version: 'ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ==',
      modifiedAt: '2017-04-15T03:00:51.245Z',
      syncId: null,
      item: {
        subject: "Let's go brunch",
        // 11:00 Pacific on 15 April 2017 is daylight time, UTC-7.
        span: { kind: 'timed', start: '2017-04-15T18:00:00.000Z', end: '2017-04-15T19:00:00.000Z', timeZone: 'America/Los_Angeles' },
        location: "Harry's Bar",
        body: 'Does late morning work for you?',
        showAs: 'busy',
        sensitivity: 'normal',
        organizer: { email: 'noraq@contoso.onmicrosoft.com', name: 'Nora Quill' },
        attendees: [{ email: 'rosalindt@contoso.onmicrosoft.com', name: 'Rosalind Tebbe', type: 'required', response: 'none' }],
        recurrence: null,
        isCancelled: false,
        iCalUId: '040000008200E00074C5B7101A82E00800000000DA2B357D94B5D201000000000000000010000000EC4597557F0CB34EA4CC2887EA7B17C3',
        categories: [],
      },
    });
  });

  it('maps the documented delta pages exactly', () => {
    const events = [
      ...pageEvents('graph-calendarview-delta-page1-nextlink.json'),
      ...pageEvents('graph-calendarview-delta-page2-nextlink.json'),
      ...pageEvents('graph-calendarview-delta-last-deltalink.json'),
    ].map((event) => eventFromGraph(event, 'Europe/Berlin'));

    expect(events).toEqual([
      deltaEvent('Plan shopping list', '2016-12-09T20:30:00.000Z', '2016-12-09T22:00:00.000Z'),
      deltaEvent('Pick up car', '2016-12-10T01:00:00.000Z', '2016-12-10T02:00:00.000Z'),
      deltaEvent('Get food', '2016-12-10T19:30:00.000Z', '2016-12-10T21:30:00.000Z'),
      deltaEvent('Prepare food', '2016-12-10T22:00:00.000Z', '2016-12-11T00:00:00.000Z'),
      deltaEvent('Rest!', '2016-12-12T02:00:00.000Z', '2016-12-12T07:30:00.000Z', 'Home'),
    ]);
  });

  it('takes the version from the etag when a delta item has no changeKey', () => {
    const [first] = pageEvents('graph-calendarview-delta-page1-nextlink.json');
    const snapshot = snapshotFromGraph(first as GraphEvent, 'UTC');

    expect(snapshot.version).toBe('EZ9r3czxY0m2jz8c45czkwAAFXcvIQ==');
    expect(snapshot.modifiedAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('maps the added event of the next delta round with its location', () => {
    const added = pageEvents('graph-calendarview-delta-removed.json')[1] as GraphEvent;

    expect(eventFromGraph(added, 'Europe/Berlin')).toEqual(
      deltaEvent('Attend service', '2016-12-25T06:00:00.000Z', '2016-12-25T07:30:00.000Z', 'Chapel of Saint Ignatius'),
    );
  });

  it('maps occurrences and the exception of a series', () => {
    const events = pageEvents('graph-event-instances-occurrence-exception.json').map((event) => eventFromGraph(event, 'UTC'));

    expect(events.map((event) => [event.subject, event.span, event.recurrence, event.body])).toEqual([
      [
        'Review strategy for Q3',
        { kind: 'timed', start: '2019-04-16T20:30:00.000Z', end: '2019-04-16T21:00:00.000Z', timeZone: 'UTC' },
        { role: 'exception', seriesId: 'AAMkAGUzYRgWAAA=', originalStart: '2019-04-16T20:30:00.000Z' },
        null,
      ],
      [
        'Review strategy for Q3',
        { kind: 'timed', start: '2019-04-08T20:30:00.000Z', end: '2019-04-08T21:00:00.000Z', timeZone: 'UTC' },
        { role: 'occurrence', seriesId: 'AAMkAGUzYRgWAAA=', originalStart: '2019-04-08T20:30:00.000Z' },
        null,
      ],
      [
        'Review strategy for Q3',
        { kind: 'timed', start: '2019-04-22T20:30:00.000Z', end: '2019-04-22T21:00:00.000Z', timeZone: 'UTC' },
        { role: 'occurrence', seriesId: 'AAMkAGUzYRgWAAA=', originalStart: '2019-04-22T20:30:00.000Z' },
        null,
      ],
      [
        'Review strategy for Q3',
        { kind: 'timed', start: '2019-04-29T20:30:00.000Z', end: '2019-04-29T21:00:00.000Z', timeZone: 'UTC' },
        { role: 'occurrence', seriesId: 'AAMkAGUzYRgWAAA=', originalStart: '2019-04-29T20:30:00.000Z' },
        null,
      ],
    ]);
  });

  it('keeps the UTC instant when the original zone is Eastern (C11)', () => {
    const event: GraphEvent = {
      id: 'c11',
      start: { dateTime: '2026-05-04T13:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-05-04T14:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'Eastern Standard Time',
    };

    expect(eventFromGraph(event, 'America/New_York').span).toEqual({
      kind: 'timed',
      start: '2026-05-04T13:00:00.000Z',
      end: '2026-05-04T14:00:00.000Z',
      timeZone: 'America/New_York',
    });
  });

  it('falls back to the mailbox zone for a custom original zone', () => {
    const event: GraphEvent = {
      id: 'custom',
      start: { dateTime: '2026-05-04T13:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-05-04T14:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'Customized Time Zone',
    };

    expect(eventFromGraph(event, 'Asia/Tokyo').span).toMatchObject({ timeZone: 'Asia/Tokyo', start: '2026-05-04T13:00:00.000Z' });
  });

  it('reads all-day dates from midnight bounds whatever the mailbox zone', () => {
    const event: GraphEvent = {
      id: 'allday',
      isAllDay: true,
      start: { dateTime: '2023-05-12T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2023-05-13T00:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'UTC',
    };

    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Auckland', 'UTC']) {
      expect(eventFromGraph(event, zone).span).toEqual({ kind: 'allDay', startDate: '2023-05-12', endDate: '2023-05-13' });
    }
  });

  it('reads all-day dates that a server converted to UTC in the event zone', () => {
    const event: GraphEvent = {
      id: 'allday-converted',
      isAllDay: true,
      start: { dateTime: '2023-05-11T22:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2023-05-12T22:00:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'W. Europe Standard Time',
    };

    expect(eventFromGraph(event, 'America/Los_Angeles').span).toEqual({ kind: 'allDay', startDate: '2023-05-12', endDate: '2023-05-13' });
  });

  it('dates an all-day occurrence slot labelled UTC by its mailbox midnight', () => {
    const event: GraphEvent = {
      id: 'allday-occurrence',
      isAllDay: true,
      type: 'occurrence',
      seriesMasterId: 'master',
      originalStart: '2018-06-04T22:00:00Z',
      originalStartTimeZone: 'UTC',
      start: { dateTime: '2018-06-05T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2018-06-06T00:00:00.0000000', timeZone: 'UTC' },
    };

    expect(eventFromGraph(event, 'Europe/Berlin').recurrence).toEqual({ role: 'occurrence', seriesId: 'master', originalStart: '2018-06-05' });
  });

  it('normalizes attendee types, unknown values and empty fields', () => {
    const event: GraphEvent = {
      id: 'odd',
      subject: null,
      start: { dateTime: '2026-01-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-01-01T11:00:00', timeZone: 'UTC' },
      showAs: 'somethingNew',
      sensitivity: 'private',
      isCancelled: true,
      location: { displayName: '' },
      body: { contentType: 'text', content: 'Line one\r\nLine two\r\n' },
      attendees: [
        { type: 'Optional', status: { response: 'accepted' }, emailAddress: { address: 'a@example.com', name: '' } },
        { type: 'resource', status: null, emailAddress: { address: 'room@example.com', name: 'Room 1' } },
      ],
    };

    expect(eventFromGraph(event, 'UTC')).toMatchObject({
      subject: '',
      showAs: 'unknown',
      sensitivity: 'private',
      isCancelled: true,
      location: null,
      body: 'Line one\nLine two',
      attendees: [
        { email: 'a@example.com', name: null, type: 'optional', response: 'accepted' },
        { email: 'room@example.com', name: 'Room 1', type: 'resource', response: 'none' },
      ],
    });
  });

  it('reads a booked room listed as a required attendee as a resource', () => {
    const event: GraphEvent = {
      id: 'room',
      start: { dateTime: '2026-01-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-01-01T11:00:00', timeZone: 'UTC' },
      location: { displayName: 'Fjord' },
      locations: [{ displayName: 'Fjord', locationType: 'conferenceRoom', locationUri: 'Fjord@Example.com' }],
      attendees: [
        { type: 'required', status: { response: 'accepted' }, emailAddress: { address: 'fjord@example.com', name: 'Fjord' } },
        { type: 'required', status: { response: 'declined' }, emailAddress: { address: 'b@example.com', name: 'Bo' } },
      ],
    };

    expect(eventFromGraph(event, 'UTC').attendees.map((attendee) => [attendee.email, attendee.type])).toEqual([
      ['fjord@example.com', 'resource'],
      ['b@example.com', 'required'],
    ]);
  });

  it('takes an online meeting join link as the location only when the location is empty', () => {
    const base: GraphEvent = {
      id: 'online',
      start: { dateTime: '2026-01-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-01-01T11:00:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeeting: { joinUrl: 'https://teams.example.com/l/meetup-join/1' },
    };

    expect(eventFromGraph({ ...base, location: { displayName: '' } }, 'UTC').location).toBe('https://teams.example.com/l/meetup-join/1');
    expect(eventFromGraph({ ...base, location: { displayName: 'Room 4' } }, 'UTC').location).toBe('Room 4');
    expect(eventFromGraph({ ...base, isOnlineMeeting: false }, 'UTC').location).toBeNull();
  });

  it('reads categories and drops empty names', () => {
    const event: GraphEvent = {
      id: 'tagged',
      start: { dateTime: '2026-01-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-01-01T11:00:00', timeZone: 'UTC' },
      categories: ['Salesforce', '', 'Red category'],
    };

    expect(eventFromGraph(event, 'UTC').categories).toEqual(['Salesforce', 'Red category']);
  });
});
