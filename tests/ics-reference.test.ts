import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ReferenceInstance } from './support/ics-reference.ts';
import { referenceInstances } from './support/ics-reference.ts';
import { importerInstances, REFERENCE_WRONG } from './support/ics-reference-known-errors.ts';

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

  const mine = importerInstances(path.join(corpusDir, fileName), window).filter((instance) => !skippedUids.has(instance.uid));
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
