import type { CrmRecord } from '../../domain/connector.ts';
import type { SalesforceRecordClient } from './record-client.ts';
import { isSalesforceId } from './record-id.ts';
import { recurrenceFormOf, type RecurrenceForm } from './recurrence-form.ts';

/** Access to the org that series mode needs: the Event describe, the occurrences of a series, and their series. */
export interface SeriesOrg {
  recurrenceForm(): Promise<RecurrenceForm>;
  /** The live occurrence Events of a series, with Id, StartDateTime, IsAllDayEvent and ActivityDate; never its pattern record. */
  occurrencesOf(seriesId: string): Promise<readonly CrmRecord[]>;
  /** The series (RecurrenceActivityId) of each of these Events that belongs to one, by Event id. */
  seriesOfRecords(ids: readonly string[]): Promise<Map<string, string>>;
}

export function seriesOrgOf(client: SalesforceRecordClient): SeriesOrg {
  return {
    recurrenceForm: async () => recurrenceFormOf((await client.describe('Event')).fields),
    // A real org may keep the series' pattern in a record of its own (GroupEventType 3) with the same
    // RecurrenceActivityId. That record is no occurrence, so it is never linked or deleted as a stray one.
    occurrencesOf: (seriesId) => client.selectWhereIn('Event', ['StartDateTime', 'IsAllDayEvent', 'ActivityDate', 'RecurrenceActivityId', 'GroupEventType'],
      'RecurrenceActivityId', [seriesId], "GroupEventType != '3'"),
    seriesOfRecords: async (ids) => {
      const records = await client.selectWhereIn('Event', ['RecurrenceActivityId'], 'Id', ids.filter(isSalesforceId));
      const found = new Map<string, string>();
      for (const record of records) {
        if (typeof record.RecurrenceActivityId === 'string' && record.RecurrenceActivityId !== '') found.set(String(record.Id), record.RecurrenceActivityId);
      }
      return found;
    },
  };
}
