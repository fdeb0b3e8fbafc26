import { describe, expect, it } from 'vitest';
import { descriptionText } from './calendar/description-text.ts';
import { colorOfCategories, categoriesOfColor } from './calendar/event-colors.ts';
import { eventFromGoogle } from './calendar/event-from-google.ts';
import { createBody, patchBody } from './calendar/event-to-google.ts';
import { joinNotes, splitNotes } from './tasks/task-sync-marker.ts';

describe('descriptionText', () => {
  it('turns Calendar HTML into text and leaves plain text alone', () => {
    expect(descriptionText('Agenda:<br><b>1.</b> Numbers<br>2. Plans &amp; goals')).toBe('Agenda:\n1. Numbers\n2. Plans & goals');
    expect(descriptionText('a < b and c > d')).toBe('a < b and c > d');
  });
});

describe('event colours as categories', () => {
  it('reads a colour as its name and writes the first colour name', () => {
    expect(categoriesOfColor('10')).toEqual(['Basil']);
    expect(categoriesOfColor(null)).toEqual([]);
    expect(colorOfCategories(['Customer', 'tomato'])).toBe('11');
    expect(colorOfCategories(['Customer'])).toBeNull();
  });
});

describe('Calendar event mapping', () => {
  it('reads a timed event in its own zone', () => {
    const event = eventFromGoogle(
      {
        id: 'e1',
        summary: 'Review',
        start: { dateTime: '2026-05-04T15:00:00+02:00', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2026-05-04T16:00:00+02:00', timeZone: 'Europe/Berlin' },
        status: 'tentative',
        visibility: 'confidential',
        attendees: [{ email: 'room@example.com', resource: true, responseStatus: 'accepted' }, { email: 'x@example.com', optional: true }],
      },
      'UTC',
    );
    expect(event.span).toEqual({ kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' });
    expect(event.showAs).toBe('tentative');
    expect(event.sensitivity).toBe('confidential');
    expect(event.attendees).toEqual([
      { email: 'room@example.com', name: null, type: 'resource', response: 'accepted' },
      { email: 'x@example.com', name: null, type: 'optional', response: 'none' },
    ]);
  });

  it('switches between all-day and timed with nulls in a patch', () => {
    expect(patchBody({ span: { kind: 'allDay', startDate: '2026-05-04', endDate: '2026-05-05' } }).body).toEqual({
      start: { date: '2026-05-04', dateTime: null, timeZone: null },
      end: { date: '2026-05-05', dateTime: null, timeZone: null },
    });
  });

  it('leaves out what Calendar cannot write', () => {
    const { skipped } = patchBody({ organizer: { email: 'a@b.c', name: null }, iCalUId: 'u', showAs: 'oof' });
    expect(skipped).toEqual(['organizer', 'iCalUId', 'showAs']);
  });

  it('creates without nulls and with the sync id', () => {
    const body = createBody(
      {
        subject: 'S',
        span: { kind: 'allDay', startDate: '2026-05-04', endDate: '2026-05-05' },
        location: null,
        body: null,
        showAs: 'free',
        sensitivity: 'personal',
        organizer: null,
        attendees: [],
        recurrence: null,
        isCancelled: false,
        iCalUId: null,
        categories: [],
      },
      'sync-1',
    );
    expect(body).toEqual({
      summary: 'S',
      start: { date: '2026-05-04' },
      end: { date: '2026-05-05' },
      transparency: 'transparent',
      status: 'confirmed',
      visibility: 'private',
      attendees: [],
      extendedProperties: { private: { synclineSyncId: 'sync-1' } },
    });
  });
});

describe('task sync marker', () => {
  it('round-trips the notes and the sync id', () => {
    const notes = joinNotes('Call back\nbefore noon', 'sync-9');
    expect(notes).toBe('Call back\nbefore noon\n\n[Syncline: sync-9]');
    expect(splitNotes(notes)).toEqual({ text: 'Call back\nbefore noon', syncId: 'sync-9' });
    expect(splitNotes(joinNotes(null, 'sync-9'))).toEqual({ text: null, syncId: 'sync-9' });
    expect(splitNotes('[Syncline: sync-9] is mentioned here')).toEqual({ text: '[Syncline: sync-9] is mentioned here', syncId: null });
  });
});
