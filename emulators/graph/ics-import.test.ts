import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { IcsImportOptions } from './ics-import.ts';
import { importIcs } from './ics-import.ts';
import type { GraphEventSeed } from './seed-types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'ics');
const sampleDir = path.resolve(repoRoot, 'emulators', 'sample-data');
const WIDE = { start: '1990-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' };

function corpus(fileName: string, options: Partial<IcsImportOptions> = {}) {
  return importIcs(readFileSync(path.join(corpusDir, fileName), 'utf8'), { fileName, horizon: WIDE, ...options });
}

function instances(seeds: GraphEventSeed[]): GraphEventSeed[] {
  return seeds.filter((seed) => seed.type !== 'seriesMaster');
}

function bySubject(seeds: GraphEventSeed[], subject: string): GraphEventSeed {
  const seed = seeds.find((candidate) => candidate.subject === subject);
  if (!seed) throw new Error(`no seed with subject ${subject}; have ${seeds.map((s) => s.subject).join(', ')}`);
  return seed;
}

function utcStarts(seeds: GraphEventSeed[]): string[] {
  return instances(seeds).map((seed) => seed.originalStart ?? '').sort();
}

describe('importIcs leniency', () => {
  it('warns on a BOM-prefixed empty calendar', () => {
    expect(corpus('utf8-bom-empty-calendar.ics')).toEqual({
      seeds: [],
      warnings: ['utf8-bom-empty-calendar.ics: no VEVENT found (an empty calendar, or not iCalendar text); nothing imported'],
    });
  });

  it('warns on plain text without VEVENT', () => {
    const { seeds, warnings } = importIcs('Meeting notes, not a calendar.\n', { fileName: 'notes.ics', horizon: WIDE });
    expect(seeds).toEqual([]);
    expect(warnings).toEqual(['notes.ics: no VEVENT found (an empty calendar, or not iCalendar text); nothing imported']);
  });

  it('counts a repeated warning once', () => {
    const { warnings } = corpus('google-birthday-rdate-date-with-z.ics');
    const orphans = warnings.filter((warning) => warning.includes('override without its series'));
    expect(orphans).toEqual(['google-birthday-rdate-date-with-z.ics: event "BIRTHDAY_79d389868f96182e@google.com" override without its series; imported as a single event (3 times)']);
  });

  it('reads leading whitespace, floating times and an empty organizer', () => {
    const { seeds } = corpus('leading-whitespace-floating-empty-organizer.ics', { defaultTimeZone: 'Europe/Amsterdam' });
    expect(seeds).toHaveLength(1);
    expect(seeds[0]).toMatchObject({ subject: 'Morgendienst', organizer: null, start: { dateTime: '2022-10-09T10:00:00.0000000', timeZone: 'Europe/Amsterdam' } });
  });

  it('survives a blank line inside the calendar', () => {
    expect(() => corpus('malformed-blank-line-inside.ics')).not.toThrow();
  });

  it('unfolds TAB folds, unescapes quotes and ignores lines after END:VCALENDAR', () => {
    const { seeds, warnings } = corpus('podio-tab-folding-altrep-trailing-junk.ics');
    expect(warnings).toEqual([]);
    expect(seeds[0]).toMatchObject({ subject: 'Termin 4353 und"so"', body: { content: 'Toller Termin fürmal zu"gucken"und so' }, location: { displayName: 'online' } });
  });

  it('joins continuation lines that lost their leading space', () => {
    const seed = corpus('confluence-allday-long-vtimezone-broken-fold.ics').seeds[0];
    expect(seed?.organizer).toEqual({ emailAddress: { name: 'Daniel Lathom', address: 'dlathom@exam.test' } });
  });

  it('reads a bare VEVENT without VCALENDAR', () => {
    const seed = corpus('umlaut-organizer-cn-bare-vevent.ics').seeds[0];
    expect(seed).toMatchObject({ location: { displayName: 'im büro' }, organizer: { emailAddress: { name: 'acme, ädmin', address: 'adm-acme@mydomain.de' } } });
  });

  it('reads concatenated VCALENDARs and skips iTIP replies with a warning', () => {
    const { seeds, warnings } = corpus('itip-stream-request-reply-cancel-counter.ics');
    expect(seeds).toHaveLength(1);
    expect(seeds[0]).toMatchObject({ subject: ' Pool party', isCancelled: false, start: { dateTime: '1997-07-01T19:00:00.0000000', timeZone: 'UTC' } });
    expect(warnings.some((warning) => warning.includes('iTIP REPLY'))).toBe(true);
  });

  it('keeps the other events when one cannot be understood', () => {
    const text = readFileSync(path.join(corpusDir, 'duplicate-uid-sequence-ordering.ics'), 'utf8').replace(
      'END:VCALENDAR',
      'BEGIN:VEVENT\nUID:broken@example.com\nSUMMARY:No start\nEND:VEVENT\nEND:VCALENDAR',
    );
    const { seeds, warnings } = importIcs(text, { fileName: 'mixed.ics', horizon: WIDE });
    expect(seeds).toHaveLength(2);
    expect(warnings).toContain('mixed.ics: event "broken@example.com" has no valid DTSTART; skipped');
  });
});

describe('importIcs time zones', () => {
  it('maps Windows zone names to IANA', () => {
    const { seeds } = corpus('outlook-exchange2010-windows-tzids.ics');
    expect(bySubject(seeds, 'test')).toMatchObject({ start: { dateTime: '2020-09-10T09:00:00.0000000', timeZone: 'Europe/Berlin' }, originalStartTimeZone: 'W. Europe Standard Time' });
    expect(bySubject(seeds, 'Not the actual summary 1').start.timeZone).toBe('America/Los_Angeles');
  });

  it('repairs a TZID quote that swallowed the value', () => {
    const master = corpus('outlook-exchange2010-windows-tzids.ics').seeds.find((seed) => seed.subject === "Log Yesterday's Jira time" && seed.type === 'seriesMaster');
    expect(master?.start).toEqual({ dateTime: '2020-06-09T09:00:00.0000000', timeZone: 'Europe/Berlin' });
  });

  it('maps Outlook display names without VTIMEZONE', () => {
    const { seeds } = corpus('owa-tzid-display-names-no-vtimezone.ics');
    expect(bySubject(seeds, ' TEST Syd')).toMatchObject({ start: { timeZone: 'Australia/Sydney' }, originalStartTimeZone: 'AUS Eastern Standard Time' });
    expect(bySubject(seeds, ' TEST')).toMatchObject({ start: { dateTime: '2020-10-28T13:30:00.0000000', timeZone: 'America/New_York' }, originalStartTimeZone: 'Eastern Standard Time' });
  });

  it('maps a non-ASCII display name', () => {
    const seed = corpus('outlook-non-ascii-tzid-brasilia.ics').seeds[0];
    expect(seed).toMatchObject({ start: { dateTime: '2017-05-11T13:30:00.0000000', timeZone: 'America/Sao_Paulo' }, originalStartTimeZone: 'E. South America Standard Time' });
  });

  it('matches an escaped TZID to its quoted reference', () => {
    const seed = corpus('exchange-custom-tz-escaped-commas.ics').seeds[0];
    expect(seed).toMatchObject({ start: { dateTime: '2019-04-30T09:00:00.0000000', timeZone: 'Asia/Bangkok' }, originalStartTimeZone: 'SE Asia Standard Time' });
  });

  it('strips vendor prefixes from Olson names', () => {
    const zones = corpus('vendor-prefixed-tzids.ics').seeds.map((seed) => seed.start.timeZone);
    expect(zones).toEqual(['Europe/Berlin', 'America/New_York', 'America/Buenos_Aires']);
  });

  it('reads an empty TZID as floating time', () => {
    const seed = corpus('exchange-blank-tzid-attendees.ics', { defaultTimeZone: 'Africa/Johannesburg' }).seeds[0];
    expect(seed?.start).toEqual({ dateTime: '2015-08-26T09:00:00.0000000', timeZone: 'Africa/Johannesburg' });
  });

  it('warns on an unknown custom zone and reads it as floating', () => {
    const { seeds, warnings } = corpus('ms-custom-tz-malformed-dtstamp-negative-duration.ics', { defaultTimeZone: 'Europe/Vienna' });
    expect(bySubject(seeds, '[private]').start).toEqual({ dateTime: '2021-03-25T10:35:00.0000000', timeZone: 'Europe/Vienna' });
    expect(warnings).toContain('ms-custom-tz-malformed-dtstamp-negative-duration.ics: event "1173422081SZR322" unknown time zone "tzone://Microsoft/Custom"; read as floating time in Europe/Vienna');
  });

  it('converts a zone known only from its VTIMEZONE to UTC', () => {
    const master = corpus('exchange-cdo-tzid-byday-with-spaces.ics').seeds[0];
    expect(master).toMatchObject({ start: { dateTime: '2015-07-03T08:00:00.0000000', timeZone: 'UTC' }, originalStartTimeZone: 'tzone://Microsoft/Custom' });
    const spaced = bySubject(corpus('exchange-tzid-space-one-vtimezone-after-vevent.ics').seeds, 'Atelier groupes portail/Nuage');
    expect(spaced.start).toEqual({ dateTime: '2024-01-08T10:00:00.0000000', timeZone: 'UTC' });
  });

  it('lets the file VTIMEZONE win over the IANA zone of the same name', () => {
    const text = [
      'BEGIN:VCALENDAR', 'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:STANDARD', 'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE', 'BEGIN:VEVENT', 'UID:no-dst@example.com',
      'DTSTART;TZID=Europe/Berlin:20260701T100000', 'DTEND;TZID=Europe/Berlin:20260701T110000', 'END:VEVENT', 'END:VCALENDAR',
    ].join('\r\n');
    const seed = importIcs(text, { fileName: 'no-dst.ics', horizon: WIDE }).seeds[0];
    expect(seed?.start).toEqual({ dateTime: '2026-07-01T11:00:00.0000000', timeZone: 'Europe/Berlin' });
  });

  it('reads an ambiguous local time as its first occurrence', () => {
    const seeds = corpus('custom-tz-ambiguous-local-times.ics').seeds;
    expect(seeds.map((seed) => seed.start.dateTime)).toEqual([
      '2024-03-02T20:00:00.0000000',
      '2024-08-02T22:00:00.0000000',
      '2024-05-04T22:00:01.0000000',
      '2024-05-04T19:00:01.0000000',
    ]);
  });

  it('keeps a Windows-zone series at 10:00 wall time across a DST change (C10)', () => {
    const source = readFileSync(path.join(corpusDir, 'outlook-exchange2010-windows-tzids.ics'), 'utf8');
    const zoneBlock = /BEGIN:VTIMEZONE\r?\nTZID:W\. Europe Standard Time[\s\S]*?END:VTIMEZONE/.exec(source)?.[0] ?? '';
    const text = ['BEGIN:VCALENDAR', zoneBlock, 'BEGIN:VEVENT', 'UID:c10@example.com', 'SUMMARY:Weekly',
      'DTSTART;TZID=W. Europe Standard Time:20180301T100000', 'DTEND;TZID=W. Europe Standard Time:20180301T110000',
      'RRULE:FREQ=WEEKLY;COUNT=6', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
    const { seeds } = importIcs(text, { fileName: 'c10.ics', horizon: WIDE });
    expect(zoneBlock).not.toBe('');
    expect(utcStarts(seeds)).toEqual(['2018-03-01T09:00:00.000Z', '2018-03-08T09:00:00.000Z', '2018-03-15T09:00:00.000Z', '2018-03-22T09:00:00.000Z', '2018-03-29T08:00:00.000Z', '2018-04-05T08:00:00.000Z']);
    expect(instances(seeds).every((seed) => seed.start.dateTime.endsWith('T10:00:00.0000000') && seed.start.timeZone === 'Europe/Berlin')).toBe(true);
  });
});

describe('importIcs all-day and lengths', () => {
  it('writes all-day events as midnight to midnight in the default zone', () => {
    const seed = corpus('confluence-allday-long-vtimezone-broken-fold.ics', { defaultTimeZone: 'America/Los_Angeles' }).seeds[0];
    expect(seed).toMatchObject({ isAllDay: true, start: { dateTime: '2021-12-15T00:00:00.0000000', timeZone: 'America/Los_Angeles' }, end: { dateTime: '2021-12-16T00:00:00.0000000' } });
  });

  it('keeps all-day occurrences on their dates across DST (C9)', () => {
    const { seeds } = corpus('google-allday-moved-across-dst.ics', { defaultTimeZone: 'Europe/Berlin' });
    const days = instances(seeds).map((seed) => [seed.type, seed.start.dateTime.slice(0, 10), seed.end.dateTime.slice(0, 10), seed.isAllDay]);
    expect(days).toEqual([
      ['occurrence', '2024-10-27', '2024-10-28', true],
      ['exception', '2024-10-30', '2024-10-31', true],
      ['occurrence', '2024-10-29', '2024-10-30', true],
    ]);
    expect(instances(seeds)[1]?.originalStart).toBe('2024-10-27T23:00:00.000Z');
  });

  it('matches DATE-TIME RECURRENCE-IDs to the DATE slots of an all-day series (C9)', () => {
    const { seeds } = corpus('exchange-allday-moved-occurrence.ics');
    const dates = instances(seeds).map((seed) => seed.start.dateTime.slice(0, 10));
    expect(dates).toContain('2026-02-27');
    expect(dates).not.toContain('2026-02-26');
    expect(dates.at(-1)).toBe('2026-08-18');
    expect(instances(seeds).every((seed) => seed.isAllDay && seed.showAs === 'free')).toBe(true);
  });

  it('uses one day for a negative all-day DURATION and warns', () => {
    const { seeds, warnings } = corpus('ms-custom-tz-malformed-dtstamp-negative-duration.ics');
    expect(bySubject(seeds, '*masked-away2*')).toMatchObject({ isAllDay: true, end: { dateTime: '2021-04-02T00:00:00.0000000' }, showAs: 'tentative' });
    expect(warnings.some((warning) => warning.includes('*masked-away2*') && warning.includes('DURATION is negative'))).toBe(true);
  });

  it('uses zero length for DTEND before DTSTART and warns', () => {
    const { seeds, warnings } = corpus('exdate-plus-recurrence-id-dtend-before-dtstart.ics');
    const moved = bySubject(seeds, 'More Treasure Hunting');
    expect(moved.start.dateTime).toBe(moved.end.dateTime);
    expect(warnings).toContain('exdate-plus-recurrence-id-dtend-before-dtstart.ics: event "0000001" DTEND is before DTSTART; imported with zero length');
  });

  it('honours DURATION instead of DTEND', () => {
    const first = instances(corpus('davx5-exdate-utc-vs-berlin-dst.ics').seeds)[0];
    expect([first?.start.dateTime, first?.end.dateTime]).toEqual(['2019-10-29T16:15:00.0000000', '2019-10-29T17:45:00.0000000']);
  });
});

describe('importIcs recurrence', () => {
  it('compares UTC EXDATEs as instants across DST (C6)', () => {
    const { seeds, warnings } = corpus('davx5-exdate-utc-vs-berlin-dst.ics');
    expect(warnings).toEqual([]);
    expect(utcStarts(seeds)).toEqual(['2019-10-29T15:15:00.000Z', '2019-11-12T15:15:00.000Z', '2019-12-10T15:15:00.000Z', '2020-01-07T15:15:00.000Z', '2020-01-14T15:15:00.000Z', '2020-01-21T15:15:00.000Z', '2020-01-28T15:15:00.000Z']);
  });

  it('keeps occurrences a foreign-zone EXDATE misses (C6)', () => {
    const { seeds, warnings } = corpus('mixed-tzid-dtstart-vs-exdate.ics');
    expect(instances(seeds)).toHaveLength(10);
    expect(warnings).toContain('mixed-tzid-dtstart-vs-exdate.ics: event "0000001" EXDATE 2015-07-08T19:00:00.000Z matches no occurrence as an instant, so it excludes nothing');
  });

  it('applies an override listed before its master', () => {
    const { seeds } = corpus('google-exception-before-master.ics');
    const master = seeds.find((seed) => seed.type === 'seriesMaster');
    expect(instances(seeds).map((seed) => [seed.type, seed.subject, seed.start.dateTime])).toEqual([
      ['occurrence', 'TEST RECURR 3', '2026-02-10T10:00:00.0000000'],
      ['exception', 'TEST RECURR 3 - MODIFIED', '2026-02-11T10:30:00.0000000'],
      ['occurrence', 'TEST RECURR 3', '2026-02-12T10:00:00.0000000'],
    ]);
    expect(instances(seeds).every((seed) => seed.seriesMasterSeedKey === master?.seedKey && seed.iCalUId === master?.iCalUId)).toBe(true);
  });

  it('moves an occurrence back in time and frees its slot', () => {
    const { seeds } = corpus('google-moved-occurrence-listed-first.ics', { horizon: { start: '2021-11-01T00:00:00Z', end: '2022-02-01T00:00:00Z' } });
    expect(instances(seeds).map((seed) => [seed.type, seed.start.dateTime, seed.originalStart])).toEqual([
      ['occurrence', '2021-11-26T21:30:00.0000000', '2021-11-26T20:30:00.000Z'],
      ['exception', '2021-12-17T21:30:00.0000000', '2021-12-31T20:30:00.000Z'],
      ['occurrence', '2022-01-28T21:30:00.0000000', '2022-01-28T20:30:00.000Z'],
    ]);
  });

  it('removes an occurrence whose override is cancelled', () => {
    expect(utcStarts(corpus('thunderbird-cancelled-occurrence.ics').seeds)).toEqual(['2020-01-28T21:00:00.000Z', '2020-01-30T21:00:00.000Z']);
  });

  it('applies RANGE=THISANDFUTURE to the rest of the series', () => {
    const { seeds } = corpus('recurrence-id-range-thisandfuture.ics', { horizon: { start: '2024-09-10T00:00:00Z', end: '2024-09-25T00:00:00Z' } });
    expect(instances(seeds).map((seed) => [seed.subject, seed.start.dateTime.slice(0, 16), seed.end.dateTime.slice(0, 16)])).toEqual([
      ['ORIGINAL EVENT', '2024-09-11T12:00', '2024-09-11T14:00'],
      ['MODIFIED EVENT', '2024-09-13T09:00', '2024-09-13T16:00'],
      ['MODIFIED EVENT', '2024-09-14T06:00', '2024-09-14T13:00'],
      ['MODIFIED EVENT', '2024-09-15T17:00', '2024-09-15T19:00'],
      ['MODIFIED EVENT', '2024-09-17T09:00', '2024-09-17T16:00'],
      ['MODIFIED EVENT', '2024-09-19T09:00', '2024-09-19T16:00'],
      ['EDITED EVENT', '2024-09-22T14:22', '2024-09-22T16:13'],
      ['EDITED EVENT', '2024-09-24T14:22', '2024-09-24T16:13'],
    ]);
  });

  it('keeps the newest master and never revives a deleted modification', () => {
    const { seeds } = corpus('duplicate-master-exdate-vs-modification.ics', { horizon: { start: '2024-07-01T00:00:00Z', end: '2024-10-01T00:00:00Z' } });
    expect(instances(seeds).map((seed) => [seed.start.dateTime.slice(0, 10), seed.end.dateTime.slice(0, 10)])).toEqual([
      ['2024-07-29', '2024-08-05'],
      ['2024-09-09', '2024-09-16'],
      ['2024-09-30', '2024-10-07'],
    ]);
  });

  it('keeps the highest SEQUENCE of duplicate UIDs in either order', () => {
    const subjects = corpus('duplicate-uid-sequence-ordering.ics').seeds.map((seed) => seed.subject);
    expect(subjects).toEqual(['Team Meeting (SEQUENCE 2)', 'Updated version (SEQUENCE 3) - should win']);
  });

  it('matches GMT Standard Time RECURRENCE-IDs of an all-day series to their dates', () => {
    const { seeds } = corpus('exchange-allday-biweekly-recurrence-id-gmt.ics');
    const refuse = instances(seeds).filter((seed) => seed.subject === 'Refuse black bin');
    expect(refuse.slice(0, 3).map((seed) => [seed.type, seed.start.dateTime.slice(0, 10)])).toEqual([
      ['occurrence', '2020-04-02'],
      ['exception', '2020-04-17'],
      ['occurrence', '2020-04-30'],
    ]);
    expect(refuse.at(-1)?.originalStart).toBe('2020-09-17T00:00:00.000Z');
  });

  it('takes the union of two RRULEs', () => {
    const starts = instances(corpus('two-rrules-one-event.ics').seeds).map((seed) => new Date(seed.originalStart ?? '').getUTCDay());
    expect(starts).toHaveLength(36);
    expect(starts.filter((day) => day === 1)).toHaveLength(18);
    expect(starts.filter((day) => day === 0)).toHaveLength(18);
  });

  it('expands RDATE lists and periods and applies EXDATEs and overrides', () => {
    const { seeds } = corpus('zimbra-rdate-period-exdate-recurrence-ids.ics', { horizon: { start: '2012-09-01T00:00:00Z', end: '2024-01-01T00:00:00Z' } });
    const byOriginal = new Map(instances(seeds).map((seed) => [seed.originalStart, seed]));
    expect(byOriginal.get('2012-11-05T18:00:00.000Z')?.start.dateTime).toBe('2012-11-06T20:00:00.0000000');
    expect(byOriginal.get('2023-11-25T09:00:00.000Z')?.end.dateTime).toBe('2023-11-25T04:30:00.0000000');
    expect(byOriginal.has('2012-12-04T18:00:00.000Z')).toBe(false);
    expect(byOriginal.has('2012-11-10T18:00:00.000Z')).toBe(true);
  });

  it('writes a patternedRecurrence on the series master', () => {
    const master = corpus('owa-tzid-display-names-no-vtimezone.ics').seeds.find((seed) => seed.type === 'seriesMaster');
    expect(master?.recurrence).toMatchObject({
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['thursday', 'friday'] },
      range: { type: 'endDate', startDate: '2020-11-02', endDate: '2021-08-28', recurrenceTimeZone: 'Eastern Standard Time' },
    });
  });
});

describe('importIcs fields', () => {
  it('maps busy status, attendee roles and organizer', () => {
    const seed = corpus('outlook2010-request-eastern-x-alt-desc.ics').seeds[0];
    expect(seed).toMatchObject({ showAs: 'tentative', body: { contentType: 'text', content: 'Meeting will discuss objectives for next project.\nWill include a presentation and food.' } });
    expect(seed?.organizer?.emailAddress).toEqual({ name: 'Smith, Bob', address: 'bobsmith@example.com' });
    expect(seed?.attendees.map((attendee) => [attendee.type, attendee.emailAddress.address])).toEqual([
      ['optional', 'johndoe@example.com'],
      ['required', 'janedoe@example.com'],
    ]);
  });

  it('maps rooms and resources to resource attendees', () => {
    const groupwise = corpus('groupwise-folded-organizer-space-in-mailto.ics').seeds[0];
    expect(groupwise?.attendees[0]).toMatchObject({ type: 'resource', status: { response: 'notResponded' }, emailAddress: { address: 'CET Meeting Room@university.edu' } });
    expect(groupwise?.organizer?.emailAddress.address).toBe('jane.doe@university.edu');
  });

  it('maps PARTSTAT and STATUS, unknown values to none', () => {
    const { seeds } = corpus('apple-status-tentative-cancelled-partstat.ics');
    expect(bySubject(seeds, 'Tentative')).toMatchObject({ showAs: 'tentative', attendees: [{ status: { response: 'tentativelyAccepted' } }] });
    expect(bySubject(seeds, 'Confirmed').attendees[0]?.status.response).toBe('none');
    expect(bySubject(seeds, 'Cancelled')).toMatchObject({ isCancelled: true, attendees: [{ status: { response: 'none' } }] });
  });

  it('maps CLASS to sensitivity', () => {
    const text = (cls: string) => `BEGIN:VEVENT\nUID:${cls}@example.com\nCLASS:${cls}\nDTSTART:20260101T100000Z\nEND:VEVENT\n`;
    const seeds = importIcs(['PRIVATE', 'CONFIDENTIAL', 'PUBLIC'].map(text).join(''), { fileName: 'class.ics', horizon: WIDE }).seeds;
    expect(seeds.map((seed) => seed.sensitivity)).toEqual(['private', 'confidential', 'normal']);
  });

  it('derives stable distinct UIDs for events without one', () => {
    const first = corpus('owa-tzid-display-names-no-vtimezone.ics').seeds;
    const second = corpus('owa-tzid-display-names-no-vtimezone.ics').seeds;
    const singles = first.filter((seed) => seed.type === 'singleInstance').map((seed) => seed.iCalUId);
    expect(new Set(singles).size).toBe(3);
    expect(second.map((seed) => seed.iCalUId)).toEqual(first.map((seed) => seed.iCalUId));
  });

  it('gives every seed of the corpus a unique seedKey and valid Graph times', () => {
    const files = readdirSync(corpusDir).filter((name) => name.endsWith('.ics'));
    const seeds = files.flatMap((fileName) => corpus(fileName).seeds);
    expect(new Set(seeds.map((seed) => seed.seedKey)).size).toBe(seeds.length);
    expect(seeds.every((seed) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.0000000$/.test(seed.start.dateTime))).toBe(true);
  });
});

describe('sample data', () => {
  const sample = (fileName: string) =>
    importIcs(readFileSync(path.join(sampleDir, fileName), 'utf8'), { fileName, horizon: { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' } });

  it('imports every sample file without warnings', () => {
    const files = readdirSync(sampleDir).filter((name) => name.endsWith('.ics'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const fileName of files) expect(sample(fileName).warnings).toEqual([]);
  });

  it('weekly Berlin meeting crosses DST with one moved and one cancelled occurrence', () => {
    const { seeds } = sample('team-weekly-berlin.ics');
    expect(instances(seeds)).toHaveLength(11);
    expect(instances(seeds).filter((seed) => seed.type === 'exception')).toHaveLength(1);
    expect(utcStarts(seeds)).toContain('2027-03-15T09:00:00.000Z');
    expect(utcStarts(seeds)).toContain('2027-03-29T08:00:00.000Z');
    expect(utcStarts(seeds)).not.toContain('2027-03-22T09:00:00.000Z');
  });

  it('customer call uses a Windows zone with required, optional and room attendees', () => {
    const seed = sample('customer-call-eastern.ics').seeds[0];
    expect(seed?.originalStartTimeZone).toBe('Eastern Standard Time');
    expect(seed?.attendees.map((attendee) => attendee.type)).toEqual(['required', 'optional', 'resource']);
  });
});
