import { describe, expect, it } from 'vitest';
import type { CrmRecord, Write } from '../../../domain/connector.ts';
import { bulkCallsFor, bulkSavesCalls, compositeCallsFor, pollDelayMs, DEFAULT_POLL_SCHEDULE } from './break-even.ts';
import { formatCsv, parseCsv } from './csv.ts';
import { buildJobRows, mapJobResults, parseRecordError } from './job-rows.ts';

const context = { syncIdField: 'Sync__c', ownerId: '005000000000001AAA', prepare: (values: Readonly<Record<string, unknown>>) => ({ ...values }) };

describe('bulk csv', () => {
  it('round-trips commas, quotes, line breaks and empty fields', () => {
    const rows = [['Id', 'Text', 'Empty'], ['1', 'a, "b"\nc', ''], ['2', 'plain', '#N/A']];
    expect(parseCsv(formatCsv(rows))).toEqual(rows);
  });

  it('reads bare fields and CRLF line endings', () => {
    expect(parseCsv('"sf__Id","sf__Created",Subject\r\n001,true,Plan\r\n')).toEqual([['sf__Id', 'sf__Created', 'Subject'], ['001', 'true', 'Plan']]);
  });
});

describe('bulk break-even', () => {
  it('composite costs one call per 1,000 records', () => {
    expect([compositeCallsFor(1), compositeCallsFor(1000), compositeCallsFor(1001)]).toEqual([1, 1, 2]);
  });

  it('poll waits double up to the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6].map((poll) => pollDelayMs(poll, DEFAULT_POLL_SCHEDULE))).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('bulk is chosen above 17,000 records with the default schedule', () => {
    expect(bulkCallsFor(9000)).toBe(8);
    expect(bulkCallsFor(17_001)).toBe(9);
    expect(bulkSavesCalls(10_000)).toBe(false);
    expect(bulkSavesCalls(17_000)).toBe(false);
    expect(bulkSavesCalls(17_001)).toBe(true);
    expect(bulkCallsFor(50_000)).toBeLessThan(compositeCallsFor(50_000) / 3);
  });

  it('a fixed threshold replaces the estimate', () => {
    expect(bulkSavesCalls(10, DEFAULT_POLL_SCHEDULE, 10)).toBe(true);
    expect(bulkSavesCalls(0, DEFAULT_POLL_SCHEDULE, 0)).toBe(false);
  });
});

describe('bulk job rows', () => {
  const writes: Write<CrmRecord>[] = [
    { op: 'create', ref: 'a', syncId: 'S-1', item: { Subject: 'Plan', Location: null, Id: 'ignored', Sync__c: 'ignored' } },
    { op: 'create', ref: 'b', syncId: 'S-2', item: { Subject: '', IsPrivate: true, DurationInMinutes: 30 } },
  ];

  it('upsert rows key on the sync id and mark nulls', () => {
    const rows = buildJobRows('upsert', writes, context);
    expect(rows.header).toEqual(['Sync__c', 'OwnerId', 'Subject', 'Location', 'IsPrivate', 'DurationInMinutes']);
    expect(rows.rows).toEqual([
      ['S-1', context.ownerId, 'Plan', '#N/A', '', ''],
      ['S-2', context.ownerId, '#N/A', '', 'true', '30'],
    ]);
  });

  it('maps results back by key whatever their order', () => {
    const rows = buildJobRows('upsert', writes, context);
    const successful = [['sf__Id', 'sf__Created', 'Sync__c', 'Subject'], ['00U2', 'true', 'S-2', '']];
    const failed = [['sf__Id', 'sf__Error', 'Sync__c', 'Subject'], ['', 'REQUIRED_FIELD_MISSING:Required fields are missing: [EndDateTime]:EndDateTime --', 'S-1', 'Plan']];
    expect(mapJobResults(rows, successful, failed)).toEqual([
      { ref: 'b', ok: true, id: '00U2', version: null },
      { ref: 'a', ok: false, failure: expect.objectContaining({ kind: 'itemError', code: 'REQUIRED_FIELD_MISSING', fields: ['EndDateTime'] }) },
    ]);
  });

  it('reads sf__Error values with and without fields', () => {
    expect(parseRecordError('UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--')).toMatchObject({ kind: 'retryLater', code: 'UNABLE_TO_LOCK_ROW' });
    const tooLong = parseRecordError('STRING_TOO_LONG:Subject: data value too large: private words (max length=255):Subject --');
    expect(tooLong).toMatchObject({ kind: 'itemError', code: 'STRING_TOO_LONG', fields: ['Subject'] });
    // The record's value stays out of the failure: the message is Syncline's own sentence naming the field.
    expect(tooLong.message).toBe('The value of Subject is longer than the field allows: shorten it in the source item, or lengthen the field in Salesforce');
  });
});
