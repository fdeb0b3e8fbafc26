import { describe, expect, it } from 'vitest';
import { entityOfChannel, madeByClient, readChangeEventData, toChangeNotice, type ChangeEventData } from './change-notices.ts';

function event(header: Record<string, unknown>, fields: Record<string, unknown> = {}): ChangeEventData {
  return { payload: { ChangeEventHeader: header, ...fields }, event: { replayId: 7 } };
}

const CREATE = {
  entityName: 'Event', recordIds: ['00U5g00000AbCdEEAV'], changeType: 'CREATE', changeOrigin: 'com/salesforce/api/rest/62.0;client=Syncline',
  transactionKey: '0002343d-9d90-e395-ed20-cf416ba652ad', sequenceNumber: 1, commitTimestamp: 1_777_900_000_000,
  commitNumber: 10, commitUser: '0055g00000DeFgHAAV', changedFields: [],
};

describe('change notices', () => {
  it('entityOfChannel reads standard, custom and all-changes channels', () => {
    expect(entityOfChannel('/data/EventChangeEvent')).toBe('Event');
    expect(entityOfChannel('/data/Invoice__ChangeEvent')).toBe('Invoice__c');
    expect(entityOfChannel('/data/ChangeEvents')).toBe('*');
  });

  it('toChangeNotice maps a create with its owner and commit time', () => {
    expect(toChangeNotice(event(CREATE, { OwnerId: '0055g00000DeFgHAAV', Subject: 'x' }), 'Syncline')).toEqual({
      kind: 'change', entityName: 'Event', changeType: 'CREATE', recordIds: ['00U5g00000AbCdEEAV'], changedFields: [],
      committedAt: new Date(1_777_900_000_000).toISOString(), commitUser: '0055g00000DeFgHAAV', echo: true, ownerId: '0055g00000DeFgHAAV',
    });
  });

  it('toChangeNotice marks echoes only for this client name', () => {
    expect(toChangeNotice(event(CREATE), 'OtherApp')).toMatchObject({ echo: false });
    expect(toChangeNotice(event({ ...CREATE, changeOrigin: 'com/salesforce/api/rest/62.0' }), 'Syncline')).toMatchObject({ echo: false });
    expect(toChangeNotice(event({ ...CREATE, changeOrigin: '' }), 'Syncline')).toMatchObject({ echo: false });
  });

  it('toChangeNotice keeps the changed fields of an update', () => {
    const update = { ...CREATE, changeType: 'UPDATE', changedFields: ['Subject', 'LastModifiedDate'] };
    expect(toChangeNotice(event(update), 'Syncline')).toMatchObject({ changeType: 'UPDATE', changedFields: ['Subject', 'LastModifiedDate'], ownerId: null });
  });

  it('toChangeNotice turns gap events into re-reads of the named records', () => {
    const gap = { ...CREATE, changeType: 'GAP_UPDATE', recordIds: ['a', 'b'] };
    expect(toChangeNotice(event(gap), 'Syncline')).toEqual({ kind: 'reread', entityName: 'Event', recordIds: ['a', 'b'], reason: 'gap' });
  });

  it('toChangeNotice turns an overflow into a re-read of the whole object', () => {
    const overflow = { ...CREATE, changeType: 'GAP_OVERFLOW', recordIds: [] };
    expect(toChangeNotice(event(overflow), 'Syncline')).toEqual({ kind: 'reread', entityName: 'Event', recordIds: null, reason: 'overflow' });
  });

  it('madeByClient matches the client part exactly', () => {
    expect(madeByClient('com/salesforce/api/soap/49.0;client=Syncline', 'Syncline')).toBe(true);
    expect(madeByClient('com/salesforce/api/soap/49.0;client=SynclineBeta', 'Syncline')).toBe(false);
    expect(madeByClient(undefined, 'Syncline')).toBe(false);
  });

  it('readChangeEventData rejects messages without payload or replay id', () => {
    expect(readChangeEventData({ payload: {}, event: { replayId: 3 } })).toEqual({ payload: {}, event: { replayId: 3 } });
    expect(readChangeEventData({ payload: {} })).toBeNull();
    expect(readChangeEventData('text')).toBeNull();
  });
});
