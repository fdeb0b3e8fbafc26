import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../domain/errors.ts';
import {
  changedSinceSoql,
  deletedSinceSoql,
  formatCursor,
  fullListingSoql,
  MAX_CURSOR_AGE_MS,
  mergeChanges,
  parseCursor,
  toSnapshot,
} from './pull-queries.ts';

const context = {
  sobject: 'Event',
  selectFields: ['Id', 'SystemModstamp', 'LastModifiedDate', 'Sync__c', 'Subject'],
  ownerId: "005x'",
  scope: ['IsRecurrence = false'],
  windowFields: { start: 'StartDateTime', end: 'EndDateTime' },
};
const now = Date.parse('2026-05-04T13:00:00Z');

const record = (id: string, stamp: string, extra: Record<string, unknown> = {}) => ({
  attributes: { type: 'Event', url: `/services/data/v62.0/sobjects/Event/${id}` },
  Id: id,
  SystemModstamp: stamp,
  LastModifiedDate: stamp,
  ...extra,
});

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('pull cursor', () => {
  it('round-trips the watermark', () => {
    const cursor = formatCursor({ watermark: '2026-05-04T12:00:00.000Z' });
    expect(parseCursor(cursor, now)).toEqual({ watermark: '2026-05-04T12:00:00.000Z' });
  });

  it('expires an unreadable cursor', () => {
    for (const cursor of ['not json', '{"watermark": 5}', 'null']) {
      expect(isConnectorError(thrownBy(() => parseCursor(cursor, now)), 'cursorExpired')).toBe(true);
    }
  });

  it('expires a cursor older than the Recycle Bin keeps deletions', () => {
    const old = formatCursor({ watermark: new Date(now - MAX_CURSOR_AGE_MS - 1000).toISOString() });
    expect(() => parseCursor(old, now)).toThrow(/Recycle Bin/);
  });
});

describe('pull SOQL', () => {
  it('lists the owner events in the window', () => {
    const soql = fullListingSoql(context, { start: '2026-05-01T00:00:00Z', end: '2026-06-01T00:00:00.000Z' });
    expect(soql).toBe(
      "SELECT Id, SystemModstamp, LastModifiedDate, Sync__c, Subject FROM Event WHERE OwnerId = '005x\\'' AND IsRecurrence = false " +
        'AND EndDateTime >= 2026-05-01T00:00:00Z AND StartDateTime <= 2026-06-01T00:00:00Z ORDER BY SystemModstamp, Id',
    );
  });

  it('lists a task scope without a window', () => {
    const taskContext = { ...context, sobject: 'Task', scope: ["TaskSubtype != 'Email'"], windowFields: null };
    expect(fullListingSoql(taskContext, { start: '2026-05-01T00:00:00Z', end: '2026-06-01T00:00:00Z' })).toBe(
      "SELECT Id, SystemModstamp, LastModifiedDate, Sync__c, Subject FROM Task WHERE OwnerId = '005x\\'' AND TaskSubtype != 'Email' ORDER BY SystemModstamp, Id",
    );
  });

  it('reads changes from five minutes before the watermark', () => {
    const cursor = { watermark: '2026-05-04T12:00:00.000Z' };
    expect(changedSinceSoql(context, cursor)).toContain('SystemModstamp >= 2026-05-04T11:55:00Z');
    expect(deletedSinceSoql(context, cursor)).toBe(
      "SELECT Id, SystemModstamp FROM Event WHERE OwnerId = '005x\\'' AND IsDeleted = true AND SystemModstamp >= 2026-05-04T11:55:00Z ORDER BY SystemModstamp, Id",
    );
  });
});

describe('mergeChanges', () => {
  it('lets a delete win over a change of the same record', () => {
    const merged = mergeChanges(
      [record('00U1', '2026-05-04T12:01:00.000+0000'), record('00U2', '2026-05-04T12:02:00.000+0000')],
      [{ attributes: { type: 'Event' }, Id: '00U2', SystemModstamp: '2026-05-04T12:03:00.000+0000' }],
      'Sync__c',
    );
    expect(merged.changes.map((change) => [change.kind, change.id])).toEqual([
      ['upsert', '00U1'],
      ['delete', '00U2'],
    ]);
    expect(merged.changes[1]).toEqual({ kind: 'delete', id: '00U2', mayStillExist: false });
    expect(merged.greatestStamp).toBe(Date.parse('2026-05-04T12:03:00Z'));
  });

  it('reports nothing and no stamp for empty results', () => {
    expect(mergeChanges([], [], 'Sync__c')).toEqual({ changes: [], greatestStamp: undefined });
  });
});

describe('toSnapshot', () => {
  it('maps a record to id, version, modifiedAt, sync id and item', () => {
    const snapshot = toSnapshot(
      record('00U1', '2026-05-04T12:01:00.000+0000', {
        LastModifiedDate: '2026-05-04T12:00:59.000+0000',
        sync__c: 'S-1',
        StartDateTime: '2026-05-04T13:00:00.000+0000',
        Who: { attributes: { type: 'Contact' }, Name: 'Ada' },
      }),
      'Sync__c',
    );
    expect(snapshot).toEqual({
      id: '00U1',
      version: '2026-05-04T12:01:00.000+0000',
      modifiedAt: '2026-05-04T12:00:59.000Z',
      syncId: 'S-1',
      item: {
        Id: '00U1',
        SystemModstamp: '2026-05-04T12:01:00.000+0000',
        LastModifiedDate: '2026-05-04T12:00:59.000+0000',
        sync__c: 'S-1',
        StartDateTime: '2026-05-04T13:00:00.000+0000',
        Who: { Name: 'Ada' },
      },
    });
  });
});
