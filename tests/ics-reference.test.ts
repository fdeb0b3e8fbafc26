import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { GraphEventSeed } from '../emulators/graph/seed-types.ts';
import type { ReferenceInstance } from './support/ics-reference.ts';
import { referenceInstances } from './support/ics-reference.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'ics');

const DEFAULT_WINDOW = { start: '1995-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };

/** Files whose open-ended series would expand for decades in the default window. */
const WINDOWS: Record<string, { start: string; end: string }> = {
  'outlook2003-custom-tz-sydney-daily-standup.ics': { start: '2009-03-01T00:00:00Z', end: '2009-12-31T00:00:00Z' },
  'google-weekly-across-dst-lisbon.ics': { start: '2020-09-01T00:00:00Z', end: '2021-06-01T00:00:00Z' },
  'google-moved-occurrence-listed-first.ics': { start: '2021-11-01T00:00:00Z', end: '2022-12-31T00:00:00Z' },
  'duplicate-master-exdate-vs-modification.ics': { start: '2024-07-01T00:00:00Z', end: '2025-07-01T00:00:00Z' },
  'zimbra-rdate-period-exdate-recurrence-ids.ics': { start: '2012-09-01T00:00:00Z', end: '2024-01-01T00:00:00Z' },
  'recurrence-id-range-thisandfuture.ics': { start: '2024-08-01T00:00:00Z', end: '2025-10-01T00:00:00Z' },
};

interface KnownReferenceError {
  file: string;
  /** Fragments of the mismatch lines (`uid|start`) this case explains; each must still occur. */
  fragments: string[];
  reason: string;
}

/**
 * Where node-ical and the importer disagree and RFC 5545 (and what Outlook/Google show) side with the importer.
 * Every fragment must still show up as a mismatch, so a fixed reference turns up here as a failing test.
 */
const REFERENCE_WRONG: KnownReferenceError[] = [
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

function importerInstances(fileName: string, window: { start: string; end: string }): ReferenceInstance[] {
  const text = readFileSync(path.join(corpusDir, fileName), 'utf8');
  const { seeds } = importIcs(text, { fileName, horizon: window });
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

function key(instance: ReferenceInstance): string {
  return `${instance.uid || instance.subject}|${instance.start}`;
}

const cache = new Map<string, { mismatches: string[]; compared: number }>();

function differences(fileName: string): { mismatches: string[]; compared: number } {
  const cached = cache.get(fileName);
  if (cached) return cached;
  const result = compare(fileName);
  cache.set(fileName, result);
  return result;
}

function compare(fileName: string): { mismatches: string[]; compared: number } {
  const window = WINDOWS[fileName] ?? DEFAULT_WINDOW;
  const reference = referenceInstances(path.join(corpusDir, fileName), window);
  const skippedUids = new Set(reference.skipped.map((skip) => skip.uid ?? '*'));
  if (skippedUids.has('*')) return { mismatches: [], compared: 0 };

  const mine = importerInstances(fileName, window).filter((instance) => !skippedUids.has(instance.uid));
  const theirs = new Map(reference.instances.map((instance) => [key(instance), instance]));
  const mismatches: string[] = [];

  for (const instance of mine) {
    const expected = theirs.get(key(instance));
    theirs.delete(key(instance));
    if (!expected) mismatches.push(`only the importer has ${key(instance)}`);
    else if (JSON.stringify(expected) !== JSON.stringify(instance)) mismatches.push(`differs: importer ${JSON.stringify(instance)} reference ${JSON.stringify(expected)}`);
  }
  for (const left of theirs.keys()) mismatches.push(`only the reference has ${left}`);
  return { mismatches, compared: mine.length };
}

const files = readdirSync(corpusDir).filter((name) => name.endsWith('.ics'));

describe('importIcs against the node-ical reference', () => {
  it.each(files)('%s matches instance by instance', (fileName) => {
    const known = REFERENCE_WRONG.filter((entry) => entry.file === fileName).flatMap((entry) => entry.fragments);
    const { mismatches } = differences(fileName);
    expect(mismatches.filter((line) => !known.some((fragment) => line.includes(fragment)))).toEqual([]);
  });

  it.each(REFERENCE_WRONG.map((entry) => [entry.file, entry.reason, entry.fragments] as const))('%s still shows the known reference error: %s', (fileName, _reason, fragments) => {
    const { mismatches } = differences(fileName);
    for (const fragment of fragments) expect(mismatches.some((line) => line.includes(fragment))).toBe(true);
  });

  it('reference skips only the cases node-ical cannot answer', () => {
    const skips = files.flatMap((name) => referenceInstances(path.join(corpusDir, name), WINDOWS[name] ?? DEFAULT_WINDOW).skipped.map((skip) => `${name}: ${skip.reason.split(' (')[0]}`));
    expect(skips.sort()).toEqual([
      'exchange-blank-tzid-attendees.ics: node-ical has no valid DTSTART for this event',
      'exchange-cdo-tzid-byday-with-spaces.ics: node-ical cannot parse the file: Invalid BYDAY value:  TU',
      'google-birthday-rdate-date-with-z.ics: node-ical 0.25 does not expand RDATE',
      'recurrence-id-range-thisandfuture.ics: node-ical 0.25 does not expand RDATE',
      'two-rrules-one-event.ics: node-ical 0.25 keeps one of several RRULEs; RFC 2445 defines their union',
      'zimbra-rdate-period-exdate-recurrence-ids.ics: node-ical 0.25 does not expand RDATE',
    ]);
  });

  it('compares a real share of the corpus', () => {
    const compared = files.reduce((sum, name) => sum + differences(name).compared, 0);
    expect(compared).toBeGreaterThan(100);
  });
});
