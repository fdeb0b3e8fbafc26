import { DateTime } from 'luxon';

import { importIcs } from '../graph/ics-import.ts';
import type { GraphEventSeed } from '../graph/seed-types.ts';
import type { SfRecord } from './record-table.ts';

const SHOW_AS: Record<GraphEventSeed['showAs'], string> = {
  free: 'Free',
  tentative: 'Busy',
  busy: 'Busy',
  oof: 'OutOfOffice',
  workingElsewhere: 'Busy',
  unknown: 'Busy',
};

export interface IcsFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Turn .ics files into Event records as a Salesforce user would have entered them: one Event per instance
 * inside the horizon (series expanded, cancelled instances left out), without a sync id.
 */
export function eventsFromIcs(files: readonly IcsFile[], horizon: { start: string; end: string }): { records: SfRecord[]; warnings: string[] } {
  const records: SfRecord[] = [];
  const warnings: string[] = [];

  for (const file of files) {
    const result = importIcs(file.text, { fileName: file.name, horizon, defaultTimeZone: 'UTC' });
    warnings.push(...result.warnings);
    for (const seed of result.seeds) {
      if (seed.type !== 'seriesMaster' && !seed.isCancelled) {
        records.push(eventFromSeed(seed));
      }
    }
  }

  return { records, warnings };
}

function eventFromSeed(seed: GraphEventSeed): SfRecord {
  const common = {
    Subject: seed.subject.slice(0, 255),
    Location: seed.location.displayName === '' ? null : seed.location.displayName.slice(0, 255),
    Description: seed.body.content === '' ? null : seed.body.content.slice(0, 32_000),
    IsPrivate: seed.sensitivity === 'private' || seed.sensitivity === 'confidential',
    ShowAs: SHOW_AS[seed.showAs],
  };

  if (seed.isAllDay) {
    const startDate = seed.start.dateTime.slice(0, 10);
    const days = Math.max(1, Math.round(DateTime.fromISO(seed.end.dateTime.slice(0, 10)).diff(DateTime.fromISO(startDate), 'days').days));
    return { ...common, IsAllDayEvent: true, ActivityDate: startDate, DurationInMinutes: days * 1440 };
  }

  return { ...common, IsAllDayEvent: false, StartDateTime: toInstant(seed.start), EndDateTime: toInstant(seed.end) };
}

function toInstant(value: GraphEventSeed['start']): string {
  return DateTime.fromISO(value.dateTime, { zone: value.timeZone }).toUTC().toISO() ?? value.dateTime;
}
