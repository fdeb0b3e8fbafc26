import { describe, expect, it } from 'vitest';
import { occurrencesBySlot, occurrenceSlotOf, seriesInsertValues } from '../src/crm/salesforce/series-records.ts';

const SERIES = '00U5g0000000003EAA';

describe('Salesforce event series records', () => {
  it('adds the pattern zone for a timed series only', () => {
    const timed = seriesInsertValues('RRULE:FREQ=DAILY;COUNT=2', { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' });
    expect(timed).toEqual({ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=2', Recurrence2PatternTimeZone: 'Europe/Berlin' });
    const allDay = seriesInsertValues('RRULE:FREQ=DAILY;COUNT=2', { kind: 'allDay', startDate: '2026-05-04', endDate: '2026-05-05' });
    expect(allDay).not.toHaveProperty('Recurrence2PatternTimeZone');
  });

  it('keys occurrences by UTC start or by date', () => {
    expect(occurrenceSlotOf({ StartDateTime: '2026-05-04T15:00:00.000+0200' })).toBe('2026-05-04T13:00:00.000Z');
    expect(occurrenceSlotOf({ IsAllDayEvent: true, ActivityDate: '2026-05-04' })).toBe('2026-05-04');
    expect(occurrenceSlotOf({ StartDateTime: 'soon' })).toBeNull();
  });

  it('finds only the live occurrences of the series, by 15- or 18-character id', () => {
    const records = [
      { Id: 'a', RecurrenceActivityId: SERIES, StartDateTime: '2026-05-04T13:00:00.000+0000' },
      { Id: 'b', RecurrenceActivityId: SERIES.slice(0, 15), StartDateTime: '2026-05-05T13:00:00.000+0000' },
      { Id: 'c', RecurrenceActivityId: SERIES, StartDateTime: '2026-05-06T13:00:00.000+0000', IsDeleted: true },
      { Id: 'd', RecurrenceActivityId: '00U5g0000000009EAA', StartDateTime: '2026-05-07T13:00:00.000+0000' },
      { Id: 'e', RecurrenceActivityId: null, StartDateTime: '2026-05-08T13:00:00.000+0000' },
    ];
    expect([...occurrencesBySlot(records, SERIES)]).toEqual([
      ['2026-05-04T13:00:00.000Z', 'a'], ['2026-05-05T13:00:00.000Z', 'b'],
    ]);
  });
});
