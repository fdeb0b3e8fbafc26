import type { GraphEventSeed } from './seed-types.ts';

/** Hand-written seeds for the emulator's tests: a single event and a weekly series with an exception. */

export function singleSeed(seedKey: string, subject: string, start: string, end: string): GraphEventSeed {
  return {
    seedKey,
    iCalUId: `uid-${seedKey}`,
    subject,
    body: { contentType: 'text', content: `About ${subject}` },
    start: { dateTime: start, timeZone: 'UTC' },
    end: { dateTime: end, timeZone: 'UTC' },
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: 'Room 1' },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { emailAddress: { name: 'Ada Lovelace', address: 'ada@example.com' } },
    attendees: [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
}

/** A weekly Monday 09:00 Berlin series of `count` instances from 2026-05-04; the second one moved to Tuesday. */
export function weeklySeries(count: number): GraphEventSeed[] {
  const master: GraphEventSeed = {
    ...singleSeed('series', 'Weekly sync', '2026-05-04T09:00:00.0000000', '2026-05-04T09:30:00.0000000'),
    start: { dateTime: '2026-05-04T09:00:00.0000000', timeZone: 'Europe/Berlin' },
    end: { dateTime: '2026-05-04T09:30:00.0000000', timeZone: 'Europe/Berlin' },
    originalStartTimeZone: 'W. Europe Standard Time',
    originalEndTimeZone: 'W. Europe Standard Time',
    type: 'seriesMaster',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday' },
      range: { type: 'numbered', startDate: '2026-05-04', numberOfOccurrences: count, recurrenceTimeZone: 'W. Europe Standard Time' },
    },
  };

  const instances: GraphEventSeed[] = [];
  for (let index = 0; index < count; index += 1) {
    const day = 4 + index * 7;
    const date = `2026-05-${String(day).padStart(2, '0')}`;
    const moved = index === 1;
    const startDate = moved ? `2026-05-${String(day + 1).padStart(2, '0')}` : date;
    instances.push({
      ...master,
      seedKey: `series-${index}`,
      type: moved ? 'exception' : 'occurrence',
      seriesMasterSeedKey: 'series',
      start: { dateTime: `${startDate}T09:00:00.0000000`, timeZone: 'Europe/Berlin' },
      end: { dateTime: `${startDate}T09:30:00.0000000`, timeZone: 'Europe/Berlin' },
      originalStart: `${date}T07:00:00Z`,
      recurrence: null,
    });
  }
  return [master, ...instances];
}
