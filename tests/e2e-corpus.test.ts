import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { importIcs } from '../emulators/graph/ics-import.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { E2eHarness, type CrmEvent } from './support/e2e-harness.ts';
import { referenceInstances, type ReferenceInstance } from './support/ics-reference.ts';
import { importerInstances, REFERENCE_WRONG } from './support/ics-reference-known-errors.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_ICS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '1995-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' };
const MAX_EVENT_MINUTES = 14 * 24 * 60;

/** Text as Salesforce holds it: trailing white space dropped, empty as null, cut at the field length and marked. */
function cutText(text: string | null, max: number): string | null {
  if (text === null) {
    return null;
  }
  const trimmed = text.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  if (trimmed === '') {
    return null;
  }
  const codePoints = Array.from(trimmed);
  return codePoints.length <= max ? trimmed : `${codePoints.slice(0, max - 1).join('')}…`;
}

function instantKey(value: string): string {
  return new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString();
}

/**
 * What Salesforce should hold for a file: the reference parse, except where node-ical is known to break RFC 5545
 * or cannot read an event. There the importer's reading stands in; its unit tests check those cases against
 * hand-computed values, and the reference comparison test pins each disagreement.
 */
function expectedInstances(file: string): ReferenceInstance[] {
  const filePath = path.join(CORPUS_ICS, file);
  if (REFERENCE_WRONG.some((entry) => entry.file === file)) {
    return importerInstances(filePath, WINDOW);
  }

  const reference = referenceInstances(filePath, WINDOW);
  if (reference.skipped.some((skip) => skip.uid === undefined)) {
    return importerInstances(filePath, WINDOW);
  }

  const skippedUids = new Set(reference.skipped.map((skip) => skip.uid));
  const standIns = importerInstances(filePath, WINDOW).filter((instance) => skippedUids.has(instance.uid));
  return [...reference.instances, ...standIns];
}

/** The Salesforce fields an instance of the reference parse should produce under the default policy. */
function expectedRecord(instance: ReferenceInstance) {
  return {
    subject: cutText(instance.subject, 255),
    allDay: instance.allDay,
    start: instance.allDay ? instance.start : instantKey(instance.start),
    location: cutText(instance.location, 255),
    isPrivate: instance.isPrivate,
  };
}

let harness: E2eHarness;
let report: SessionReport;
let records: CrmEvent[];
const files = readdirSync(CORPUS_ICS).filter((name) => name.endsWith('.ics')).sort();

beforeAll(async () => {
  harness = await E2eHarness.start({ window: WINDOW, mailboxTimeZone: 'Europe/Berlin' });
  for (const file of files) {
    const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: WINDOW, defaultTimeZone: 'UTC' });
    // Unrelated files reuse UIDs such as 0000001; one mailbox holds one item per UID, so each file gets its own.
    const ownUids = seeds.map((seed) => ({ ...seed, iCalUId: `${file}/${seed.iCalUId}` }));
    if (ownUids.length > 0) {
      await harness.seedMailbox(ownUids);
    }
  }
  report = await harness.runSession();
  records = await harness.crmEvents();
}, 240_000);

afterAll(async () => {
  await harness.close();
});

describe('corpus calendars into Salesforce', () => {
  it('syncs every instance in one session', () => {
    expect(report.status === 'ok' || report.status === 'partial').toBe(true);
    for (const itemError of report.itemErrors) {
      // Salesforce rejects events longer than 14 days; nothing else may fail.
      expect(itemError.code).toBe('FIELD_INTEGRITY_EXCEPTION');
    }
  });

  it('writes nothing on the next session', async () => {
    const second = await harness.runSession();
    expect(second.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(second.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it.each(files)('matches the reference parse of %s', (file) => {
    const instances = expectedInstances(file);
    const byKey = new Map<string, CrmEvent[]>();
    for (const record of records) {
      const key = `${record.IsAllDayEvent ? record.ActivityDate : instantKey(String(record.StartDateTime))}`;
      byKey.set(key, [...(byKey.get(key) ?? []), record]);
    }

    for (const instance of instances) {
      const expected = expectedRecord(instance);
      const minutes = instance.allDay ? 0 : (Date.parse(instance.end) - Date.parse(instance.start)) / 60_000;
      if (minutes > MAX_EVENT_MINUTES) {
        continue;
      }
      const candidates = (byKey.get(expected.start) ?? []).filter((record) => record.Subject === expected.subject);
      expect(candidates.length, `${file}: ${instance.uid} at ${instance.start} ("${instance.subject}") reached Salesforce`).toBeGreaterThan(0);
      const record = candidates[0] as CrmEvent;
      expect(record.IsAllDayEvent, `${file}: ${instance.uid} all-day flag`).toBe(expected.allDay);
      if (instance.allDay) {
        const days = Math.round((Date.parse(`${instance.end}T00:00:00Z`) - Date.parse(`${instance.start}T00:00:00Z`)) / 86_400_000);
        expect(record.ActivityDate, `${file}: ${instance.uid} date`).toBe(instance.start);
        expect(record.DurationInMinutes, `${file}: ${instance.uid} days`).toBe(Math.max(1, days) * 1440);
      } else {
        expect(instantKey(String(record.EndDateTime)), `${file}: ${instance.uid} end`).toBe(instantKey(instance.end));
      }
      expect(record.Location ?? null, `${file}: ${instance.uid} location`).toBe(expected.location);
      expect(record.IsPrivate, `${file}: ${instance.uid} private flag`).toBe(expected.isPrivate);
      if (instance.isPrivate) {
        expect(record.Description ?? null, `${file}: ${instance.uid} private body`).toBeNull();
      }
    }
  });
});
