import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../../domain/errors.ts';
import { checkedDate, checkedInstant, dateOfMidnight, versionOf } from './item-values.ts';

describe('dateOfMidnight', () => {
  const cases: [string, { dateTime: string; timeZone: string }, string, string][] = [
    ['documented To Do due date', { dateTime: '2020-08-25T04:00:00.0000000', timeZone: 'UTC' }, 'Europe/Berlin', '2020-08-25'],
    ['midnight in its own zone', { dateTime: '2020-08-25T00:00:00', timeZone: 'Tokyo Standard Time' }, 'America/New_York', '2020-08-25'],
    ['Berlin midnight in UTC', { dateTime: '2026-06-11T22:00:00.0000000', timeZone: 'UTC' }, 'Europe/Berlin', '2026-06-12'],
    ['Tokyo midnight read in Tokyo', { dateTime: '2026-06-11T15:00:00.0000000', timeZone: 'UTC' }, 'Asia/Tokyo', '2026-06-12'],
    ['Outlook mid-day birthday', { dateTime: '1974-07-22T11:59:00Z', timeZone: 'UTC' }, 'Europe/Berlin', '1974-07-22'],
    ['birthday as UTC midnight', { dateTime: '1974-07-22T00:00:00Z', timeZone: 'UTC' }, 'America/Los_Angeles', '1974-07-22'],
    ['date without time', { dateTime: '1974-07-22', timeZone: 'UTC' }, 'Pacific/Auckland', '1974-07-22'],
    ['Los Angeles midnight read in Berlin', { dateTime: '2026-01-10T08:00:00.0000000', timeZone: 'UTC' }, 'Europe/Berlin', '2026-01-10'],
  ];

  for (const [name, value, zone, expected] of cases) {
    it(name, () => {
      expect(dateOfMidnight(value, zone)).toBe(expected);
    });
  }

  it('rejects a malformed date-time', () => {
    expect(() => dateOfMidnight({ dateTime: 'tomorrow', timeZone: 'UTC' }, 'UTC')).toThrow(/tomorrow/);
  });
});

describe('item value checks', () => {
  it('checkedDate rejects impossible dates', () => {
    expect(checkedDate('2026-02-28', 'dueDate')).toBe('2026-02-28');

    for (const bad of ['2026-02-30', '2026-2-3', '03/02/2026']) {
      let failure: unknown;
      try {
        checkedDate(bad, 'dueDate');
      } catch (error) {
        failure = error;
      }
      expect(isConnectorError(failure, 'itemError'), bad).toBe(true);
    }
  });

  it('checkedInstant needs a zone', () => {
    expect(checkedInstant('2026-05-04T15:00:00+02:00', 'reminderAt')).toBe('2026-05-04T13:00:00.000Z');
    expect(() => checkedInstant('2026-05-04T15:00:00', 'reminderAt')).toThrow(/reminderAt/);
  });

  it('versionOf unwraps a weak ETag', () => {
    expect(versionOf({ '@odata.etag': 'W/"s8/ERWT3WEeFpBGD0bDgAA+TWq9g=="' })).toBe('s8/ERWT3WEeFpBGD0bDgAA+TWq9g==');
    expect(versionOf({ changeKey: 'EQAAABYA', '@odata.etag': 'W/"other"' })).toBe('EQAAABYA');
  });
});
