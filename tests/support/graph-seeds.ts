import type { GraphEventSeed } from '../../emulators/graph/seed-types.ts';

let counter = 0;

/** A single timed event as the Graph emulator is seeded with it; times are Berlin wall time. */
export function timedSeed(subject: string, day: string, startTime: string, endTime: string, overrides: Partial<GraphEventSeed> = {}): GraphEventSeed {
  counter += 1;
  return {
    seedKey: `seed-${counter}`,
    iCalUId: `uid-${counter}@tests.example.com`,
    subject,
    body: { contentType: 'text', content: `Notes for ${subject}` },
    start: { dateTime: `${day}T${startTime}:00.0000000`, timeZone: 'Europe/Berlin' },
    end: { dateTime: `${day}T${endTime}:00.0000000`, timeZone: 'Europe/Berlin' },
    originalStartTimeZone: 'W. Europe Standard Time',
    originalEndTimeZone: 'W. Europe Standard Time',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: 'Room 4' },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { emailAddress: { name: 'Alex Morgan', address: 'alex.morgan@contoso.example.com' } },
    attendees: [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
    ...overrides,
  };
}

export function allDaySeed(subject: string, startDate: string, endDate: string): GraphEventSeed {
  return timedSeed(subject, startDate, '00:00', '00:00', {
    isAllDay: true,
    start: { dateTime: `${startDate}T00:00:00.0000000`, timeZone: 'Europe/Berlin' },
    end: { dateTime: `${endDate}T00:00:00.0000000`, timeZone: 'Europe/Berlin' },
    showAs: 'free',
  });
}
