import { readFileSync } from 'node:fs';
import path from 'node:path';

import { DateTime } from 'luxon';

import { importIcs } from '../../emulators/graph/ics-import.ts';
import type { GraphEventSeed } from '../../emulators/graph/seed-types.ts';
import type { ReferenceInstance } from './ics-reference.ts';

export interface KnownReferenceError {
  file: string;
  /** Fragments of the mismatch lines (`uid|start`) this case explains; each must still occur. */
  fragments: string[];
  reason: string;
}

/**
 * Where node-ical and the importer disagree and RFC 5545 (and what Outlook/Google show) side with the importer.
 * Every fragment must still show up as a mismatch, so a fixed reference turns up here as a failing test.
 */
export const REFERENCE_WRONG: KnownReferenceError[] = [
  {
    file: 'custom-tz-ambiguous-local-times.ics',
    fragments: ['0|2024-03-0', '1|2024-08-0', '2|2024-05-0', '3|2024-05-0'],
    reason: 'node-ical ignores the custom VTIMEZONE "MyTimezone" and reads the times as UTC; RFC 5545 3.2.19 binds a TZID to the VTIMEZONE of that name',
  },
  {
    file: 'exchange-tzid-space-one-vtimezone-after-vevent.ics',
    fragments: ['|2024-01-08T1'],
    reason: 'node-ical reads TZID " 1" as UTC although the file defines it (UTC+1 in January) in a VTIMEZONE',
  },
  {
    file: 'vendor-prefixed-tzids.ics',
    fragments: ['libical-evolution@issue-313|', 'mozilla-lightning@issue-313|', 'multipart-olson@issue-313|'],
    reason: 'node-ical reads the globally unique TZIDs (RFC 5545 3.8.3.1, "/" prefix) as UTC; Lightning and Evolution mean the Olson zone after the prefix',
  },
  {
    file: 'leading-whitespace-floating-empty-organizer.ics',
    fragments: ['f683404f-aede-43eb-8774-27f62bb27c92|2022-10-09T'],
    reason: 'node-ical binds floating DTSTART/DTEND to the only VTIMEZONE of the file; RFC 5545 3.3.5 form 1 keeps them floating (the mailbox zone, UTC in this test)',
  },
  {
    file: 'exchange-allday-biweekly-recurrence-id-gmt.ics',
    fragments: ['|2020-09-17', '|2020-09-24'],
    reason: 'UNTIL is a UTC DATE-TIME on a DATE series (RFC 5545 3.3.10 wants a DATE); Exchange writes the local midnight of the last day (2020-09-17 00:00 BST = 2020-09-16T23:00Z) and Outlook shows that day; node-ical drops it',
  },
  {
    file: 'exchange-allday-moved-occurrence.ics',
    fragments: ['exchange-moved-recurrence|2026-08-18'],
    reason: 'same Exchange UNTIL on an all-day series: 2026-08-17T22:00Z is 2026-08-18 00:00 in W. Europe Standard Time, the last occurrence',
  },
  {
    file: 'google-birthday-rdate-date-with-z.ics',
    fragments: ['BIRTHDAY_79d389868f96182e@google.com|2013-12-10', 'BIRTHDAY_79d389868f96182e@google.com|2014-12-10'],
    reason: 'three RECURRENCE-ID instances without a master: node-ical folds them into one event and keeps only 2012; Google shows all three birthdays',
  },
  {
    file: 'itip-stream-request-reply-cancel-counter.ics',
    fragments: ['calsrv.example.com-873970198738777@example.com|1997-07-01T19:00'],
    reason: 'the METHOD:CANCEL has SEQUENCE 1, older than the SEQUENCE 2 request; RFC 5546 2.1.4 says an older SEQUENCE is obsolete, node-ical still treats the event as cancelled',
  },
];

/** The importer's instances of a file in the reference's shape, series masters and cancelled ones left out. */
export function importerInstances(filePath: string, window: { start: string; end: string }): ReferenceInstance[] {
  const text = readFileSync(filePath, 'utf8');
  const { seeds } = importIcs(text, { fileName: path.basename(filePath), horizon: window });
  return seeds.filter((seed) => seed.type !== 'seriesMaster' && !seed.isCancelled).map((seed) => project(seed, text));
}

function project(seed: GraphEventSeed, text: string): ReferenceInstance {
  const instant = (value: GraphEventSeed['start']) => DateTime.fromISO(value.dateTime, { zone: value.timeZone }).toUTC().toISO({ suppressMilliseconds: false }) ?? '';
  return {
    uid: text.includes(`UID:${seed.iCalUId.slice(0, 20)}`) ? seed.iCalUId : '',
    subject: seed.subject,
    allDay: seed.isAllDay,
    start: seed.isAllDay ? seed.start.dateTime.slice(0, 10) : instant(seed.start),
    end: seed.isAllDay ? seed.end.dateTime.slice(0, 10) : instant(seed.end),
    location: seed.location.displayName || null,
    isPrivate: seed.sensitivity === 'private' || seed.sensitivity === 'confidential',
  };
}
