import { describe, expect, it } from 'vitest';

import type { CalendarEvent, RecurrenceInfo } from '../src/domain/calendar-event.ts';
import { meetingKeyOf } from '../src/sync/shared-meetings.ts';
import { calendarCursorScope, unwrapCursor, wrapCursor } from '../src/sync/window-cursor.ts';

/** A copy of a meeting with only the fields the key reads. */
function copy(iCalUId: string | null, recurrence: RecurrenceInfo | null = null): CalendarEvent {
  return { iCalUId, recurrence } as unknown as CalendarEvent;
}

const occurrence = (originalStart: string): RecurrenceInfo => ({ role: 'occurrence', seriesId: 'series-in-one-mailbox', originalStart });

describe('meeting key', () => {
  it('same UID: same key', () => {
    expect(meetingKeyOf(copy('uid-1'))).toBe(meetingKeyOf(copy(' uid-1 ')));
    expect(meetingKeyOf(copy('uid-1'))).not.toBe(meetingKeyOf(copy('uid-2')));
  });

  it('no UID: no key', () => {
    expect(meetingKeyOf(copy(null))).toBeNull();
    expect(meetingKeyOf(copy('  '))).toBeNull();
  });

  it('series instances: one key per slot', () => {
    const first = meetingKeyOf(copy('series-uid', occurrence('2026-12-07T09:00:00.000Z')));
    expect(first).not.toBe(meetingKeyOf(copy('series-uid', occurrence('2026-12-14T09:00:00.000Z'))));
    expect(first).not.toBe(meetingKeyOf(copy('series-uid')));
    // The same instant in another notation, and another mailbox's series id, name the same slot.
    expect(first).toBe(meetingKeyOf(copy('series-uid', { ...occurrence('2026-12-07T10:00:00+01:00'), seriesId: 'other-mailbox-series' })));
    expect(meetingKeyOf(copy('series-uid', occurrence('2026-12-07')))).not.toBe(first);
  });
});

describe('calendar cursor scope for meeting owners', () => {
  const window = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000Z' };

  it('cursor from before owners: read once in full for the backfill', () => {
    const before = wrapCursor('delta-1', window, 'rules-hash');
    expect(unwrapCursor(before, window, calendarCursorScope('rules-hash', true))).toEqual({ cursor: null, reason: 'sharedMeetingsBackfill' });
    expect(unwrapCursor(wrapCursor('delta-1', window), window, calendarCursorScope('', true))).toEqual({ cursor: null, reason: 'sharedMeetingsBackfill' });
    const after = wrapCursor('delta-2', window, calendarCursorScope('rules-hash', true));
    expect(unwrapCursor(after, window, calendarCursorScope('rules-hash', true))).toEqual({ cursor: 'delta-2', reason: null });
    // A change of the un-sync rules still reads as one.
    expect(unwrapCursor(after, window, calendarCursorScope('other-hash', true))).toEqual({ cursor: null, reason: 'unsyncRulesChanged' });
    expect(calendarCursorScope('rules-hash', false)).toBe('rules-hash');
  });
});
