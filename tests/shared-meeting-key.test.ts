import { describe, expect, it } from 'vitest';

import type { CalendarEvent, RecurrenceInfo } from '../src/domain/calendar-event.ts';
import { meetingKeyOf } from '../src/sync/shared-meetings.ts';

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
