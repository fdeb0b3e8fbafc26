import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../domain/errors.ts';
import { createSilentLogger } from '../../observability/logger.ts';
import { checkRecordValues, cutText, indexDescribe } from './value-checks.ts';

const describeBody = {
  name: 'Event',
  fields: [
    { name: 'Id', type: 'id', length: 18 },
    { name: 'Subject', type: 'combobox', length: 255, restrictedPicklist: false, picklistValues: [{ value: 'Call', active: true }] },
    { name: 'Location', type: 'string', length: 10 },
    { name: 'Description', type: 'textarea', length: 32000 },
    {
      name: 'ShowAs',
      type: 'picklist',
      length: 255,
      restrictedPicklist: true,
      picklistValues: [
        { value: 'Busy', active: true, defaultValue: true },
        { value: 'Free', active: true, defaultValue: false },
        { value: 'Retired', active: false, defaultValue: false },
      ],
    },
    {
      name: 'Topics__c',
      type: 'multipicklist',
      length: 4099,
      restrictedPicklist: true,
      picklistValues: [
        { value: 'Sales', active: true, defaultValue: false },
        { value: 'Support', active: true, defaultValue: false },
      ],
    },
    { name: 'DurationInMinutes', type: 'int', length: 0 },
  ],
};

const index = indexDescribe(describeBody);
const logger = createSilentLogger();

describe('checkRecordValues', () => {
  it('cuts text at the field length and marks the cut', () => {
    const checked = checkRecordValues({ Location: 'Conference room 4' }, index, logger);
    expect(checked.Location).toBe('Conferenc…');
    expect((checked.Location as string).length).toBe(10);
  });

  it('keeps text that fits', () => {
    expect(checkRecordValues({ Location: 'Room 4' }, index, logger)).toEqual({ Location: 'Room 4' });
  });

  it('replaces a value outside a restricted picklist with the default', () => {
    expect(checkRecordValues({ ShowAs: 'OutOfOffice' }, index, logger)).toEqual({ ShowAs: 'Busy' });
    expect(checkRecordValues({ ShowAs: 'Retired' }, index, logger)).toEqual({ ShowAs: 'Busy' });
  });

  it('keeps an allowed picklist value in its stored case', () => {
    expect(checkRecordValues({ ShowAs: 'free' }, index, logger)).toEqual({ ShowAs: 'Free' });
  });

  it('drops unknown parts of a restricted multi-select picklist', () => {
    expect(checkRecordValues({ Topics__c: 'Sales;Golf;Support' }, index, logger)).toEqual({ Topics__c: 'Sales;Support' });
    expect(checkRecordValues({ Topics__c: 'Golf' }, index, logger)).toEqual({});
  });

  it('leaves an unrestricted combobox alone', () => {
    expect(checkRecordValues({ Subject: 'Lunch' }, index, logger)).toEqual({ Subject: 'Lunch' });
  });

  it('passes numbers and nulls through', () => {
    expect(checkRecordValues({ DurationInMinutes: 30, Location: null }, index, logger)).toEqual({ DurationInMinutes: 30, Location: null });
  });

  it('refuses a field the org lacks with advice', () => {
    let thrown: unknown;
    try {
      checkRecordValues({ Subject: 'x', Mood__c: 'happy' }, index, logger);
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, 'suspend')).toBe(true);
    expect((thrown as Error).message).toMatch(/no field Mood__c: create the field/);
  });

  it('matches field names without regard to case', () => {
    expect(checkRecordValues({ location: 'Conference room 4' }, index, logger)).toEqual({ location: 'Conferenc…' });
  });
});

describe('cutText', () => {
  it('never splits a surrogate pair', () => {
    const cut = cutText('ab😀cdef', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});
