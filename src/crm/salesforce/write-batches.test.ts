import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CrmRecord, Write } from '../../domain/connector.ts';
import { mapCompositeResults, mapRecordResult, packWrites, type PackContext } from './write-batches.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = (name: string): { compositeResponse: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(path.resolve(repoRoot, '..', 'shared', 'corpus', 'api', name), 'utf8')) as {
    compositeResponse: Record<string, unknown>[];
  };

const context: PackContext = {
  dataPath: '/services/data/v62.0',
  syncIdField: 'Sync__c',
  ownerId: '005000000000001AAA',
  prepare: (values) => ({ ...values }),
};

const creates = (count: number): Write<CrmRecord>[] =>
  Array.from({ length: count }, (_, index) => ({ op: 'create', ref: `c${index}`, syncId: `S-${index}`, item: { Subject: `Meeting ${index}` } }));

describe('packWrites', () => {
  it('packs 1,000 creates into one composite call of five collections', () => {
    const calls = packWrites(creates(1000), context);
    expect(calls).toHaveLength(1);
    const requests = calls[0]!.body.compositeRequest;
    expect(requests).toHaveLength(5);
    expect(requests.every((request) => request.body?.records.length === 200)).toBe(true);
    expect(requests[0]).toMatchObject({ method: 'PATCH', url: '/services/data/v62.0/composite/sobjects/Event/Sync__c' });
    expect(calls[0]!.body.allOrNone).toBe(false);
    expect(requests[0]!.body?.allOrNone).toBe(false);
  });

  it('needs a second call for write 1,001', () => {
    const calls = packWrites(creates(1001), context);
    expect(calls.map((call) => call.batches.length)).toEqual([5, 1]);
    expect(calls[1]!.batches[0]!.writes.map((write) => write.ref)).toEqual(['c1000']);
  });

  it('builds upsert, update and delete collections', () => {
    const writes: Write<CrmRecord>[] = [
      { op: 'create', ref: 'a', syncId: 'S-a', item: { Subject: 'New', Sync__c: 'stale', Id: 'x', attributes: { type: 'Event' } } },
      { op: 'update', ref: 'b', id: '00U000000000002AAA', patch: { Subject: 'Moved', SystemModstamp: 'x' }, expectedVersion: null },
      { op: 'delete', ref: 'c', id: '00U000000000003AAA' },
      { op: 'delete', ref: 'd', id: '00U000000000004AAA' },
    ];
    const [call] = packWrites(writes, context);
    expect(call!.body.compositeRequest).toEqual([
      {
        method: 'PATCH',
        url: '/services/data/v62.0/composite/sobjects/Event/Sync__c',
        referenceId: 'upsert0',
        body: {
          allOrNone: false,
          records: [{ attributes: { type: 'Event' }, Sync__c: 'S-a', OwnerId: '005000000000001AAA', Subject: 'New' }],
        },
      },
      {
        method: 'PATCH',
        url: '/services/data/v62.0/composite/sobjects',
        referenceId: 'update1',
        body: { allOrNone: false, records: [{ attributes: { type: 'Event' }, Id: '00U000000000002AAA', Subject: 'Moved' }] },
      },
      {
        method: 'DELETE',
        url: '/services/data/v62.0/composite/sobjects?ids=00U000000000003AAA,00U000000000004AAA&allOrNone=false',
        referenceId: 'delete2',
      },
    ]);
  });
});

describe('mapCompositeResults', () => {
  const writes: Write<CrmRecord>[] = [
    { op: 'create', ref: 'ok', syncId: 'S-1', item: { Subject: 'a' } },
    { op: 'create', ref: 'invalid', syncId: 'S-2', item: { Subject: 'b' } },
    { op: 'delete', ref: 'gone', id: '00U000000000009AAA' },
    { op: 'delete', ref: 'locked', id: '00U000000000008AAA' },
  ];

  it('maps per-record results to refs', () => {
    const [call] = packWrites(writes, context);
    // The envelope is the documented Composite response, and the bodies are sObject Collections results.
    const response = corpus('sf-composite-success.json');
    const [first, second] = response.compositeResponse;
    const body = {
      compositeResponse: [
        {
          ...first,
          referenceId: 'upsert0',
          httpStatusCode: 200,
          body: [
            { id: '00U000000000001AAA', success: true, errors: [], created: true },
            { success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Subject needs a prefix', fields: ['Subject'] }] },
          ],
        },
        {
          ...second,
          referenceId: 'delete1',
          httpStatusCode: 200,
          body: [
            { id: '00U000000000009AAA', success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] },
            { id: '00U000000000008AAA', success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }] },
          ],
        },
      ],
    };

    const results = new Map(mapCompositeResults(call!, body).map((result) => [result.ref, result]));
    expect(results.get('ok')).toEqual({ ref: 'ok', ok: true, id: '00U000000000001AAA', version: null });
    expect(results.get('invalid')).toMatchObject({
      ok: false,
      failure: { kind: 'itemError', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: ['Subject'] },
    });
    expect(results.get('gone')).toEqual({ ref: 'gone', ok: true, id: '00U000000000009AAA', version: null });
    expect(results.get('locked')).toMatchObject({ ok: false, failure: { kind: 'retryLater', code: 'UNABLE_TO_LOCK_ROW' } });
  });

  it('fails every record of a refused subrequest', () => {
    const [call] = packWrites(writes, context);
    const response = corpus('sf-composite-allornone-failure.json');
    const referenceIds = ['upsert0', 'delete1'];
    const body = { compositeResponse: response.compositeResponse.map((entry, index) => ({ ...entry, referenceId: referenceIds[index] })) };

    const results = mapCompositeResults(call!, body);
    expect(results).toHaveLength(4);
    expect(results.slice(0, 2).map((result) => !result.ok && result.failure.kind)).toEqual(['retryLater', 'retryLater']);
    expect(results.slice(2).map((result) => !result.ok && result.failure.code)).toEqual(['INVALID_FIELD', 'INVALID_FIELD']);
  });

  it('reports a missing subresponse as a bug', () => {
    const [call] = packWrites(writes, context);
    const results = mapCompositeResults(call!, { compositeResponse: [] });
    expect(results.every((result) => !result.ok && result.failure.kind === 'bug')).toBe(true);
  });

  it('duplicate value temporary for upsert', () => {
    const duplicate = { success: false, errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'duplicate value found', fields: [] }] };
    const upsert = mapRecordResult({ op: 'upsert', ref: 'u', sobject: 'Event', externalIdField: 'Sync__c', values: { Sync__c: 's-1' } }, duplicate);
    const insert = mapRecordResult({ op: 'insert', ref: 'i', sobject: 'Contact', values: { LastName: 'x' } }, duplicate);
    expect(upsert).toMatchObject({ ok: false, failure: { kind: 'retryLater', code: 'DUPLICATE_VALUE' } });
    expect(insert).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'DUPLICATE_VALUE' } });
  });
});
