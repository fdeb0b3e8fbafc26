import type { CrmEventSource, CrmRecord, ItemSnapshot, PullResult, SyncWindow, Write, WriteResult } from '../../domain/connector.ts';
import { ConnectorError, isConnectorError } from '../../domain/errors.ts';
import { applyBulkWhereCheaper, type BulkOptions } from './bulk/bulk-writer.ts';
import type { SalesforceConnection } from './connection.ts';
import { assertRequirements, type FieldRequirement } from './field-requirements.ts';
import { pullRecordChanges } from './pull-changes.ts';
import { toSnapshot, type RecordQueryContext } from './pull-queries.ts';
import { runQueries, type SalesforceRecord } from './query-runner.ts';
import { isSalesforceId } from './record-id.ts';
import { scopeConditions, type RecordScope } from './record-scope.ts';
import { sendRecordWrites, type WriteDeps } from './record-writes.ts';
import { parseSObjectDescribe } from './sobject-describe.ts';
import { chunkForInList, soqlInList } from './soql.ts';
import { assertSyncIdField } from './sync-id-field.ts';
import { assertFieldsExist, checkRecordValues, indexDescribe, type FieldIndex } from './value-checks.ts';
import { coreRecordWrites, toWriteResult, type PackContext } from './write-batches.ts';

export interface RecordSourceOptions {
  readonly connection: SalesforceConnection;
  /** The object the kind is mirrored with: Event, Task, Contact or a custom object. */
  readonly sobject: string;
  readonly scope: RecordScope;
  /** External ID field that carries the sync id; the same name on every object. */
  readonly syncIdField: string;
  /** Fields the mapping reads and writes; Id, SystemModstamp, LastModifiedDate and the sync id field are added. */
  readonly fields: readonly string[];
  /** The mapping's needs of each field, checked against describe before the first read. */
  readonly requirements?: readonly FieldRequirement[];
  /** True when the kind creates records of the object, so the fields Salesforce requires on create must be written. */
  readonly createsRecords?: boolean;
  /** When and how large back-fills go through Bulk API 2.0 jobs instead of Composite (see bulk/break-even.ts). */
  readonly bulk?: BulkOptions;
}

export type SalesforceRecordSource = CrmEventSource & {
  /** URL that opens a record in Salesforce Lightning, for item errors a person must fix. */
  recordUrl(id: string): string;
};

/**
 * Create a sync-core source over any sObject. It reads the owner's records in the kind's scope, and changes since a
 * SystemModstamp watermark with deletions from `queryAll`. It packs writes into Composite calls (or Bulk API jobs
 * where cheaper) and sends creates as upserts by the sync id. The object's describe is checked before the first
 * request that needs it.
 */
export function createSalesforceRecordSource(options: RecordSourceOptions): SalesforceRecordSource {
  const { connection, sobject } = options;
  const { client, logger, sleep } = connection;
  const selectFields = uniqueFields(['Id', 'SystemModstamp', 'LastModifiedDate', options.syncIdField, ...options.fields]);
  let describeLoad: Promise<FieldIndex> | null = null;
  const describe = () => {
    if (describeLoad === null) {
      const current = loadDescribe(connection, options, selectFields);
      describeLoad = current;
      current.catch(() => {
        if (describeLoad === current) {
          describeLoad = null;
        }
      });
    }
    return describeLoad;
  };

  async function ready(): Promise<{ index: FieldIndex; context: RecordQueryContext }> {
    const [index, ownerId] = await Promise.all([describe(), connection.ownerId()]);
    const scope = scopeConditions(options.scope, index, options.syncIdField);
    const windowFields = options.scope.window ?? null;
    return { index, context: { sobject, selectFields, ownerId, scope, windowFields } };
  }

  async function selectWhere(field: string, values: readonly string[]): Promise<SalesforceRecord[]> {
    const unique = [...new Set(values)];
    if (unique.length === 0) {
      return [];
    }
    await ready();
    const specs = chunkForInList(unique).map((chunk) => ({
      soql: `SELECT ${selectFields.join(', ')} FROM ${sobject} WHERE ${field} IN ${soqlInList(chunk)}`,
    }));
    const outcome = await runQueries(client, specs);
    return outcome.records.flat();
  }

  return {
    get calls() {
      return client.calls;
    },

    recordUrl(id: string): string {
      return `${client.instanceUrl ?? connection.loginUrl.replace(/\/+$/, '')}/lightning/r/${encodeURIComponent(sobject)}/${encodeURIComponent(id)}/view`;
    },

    async pullChanges(cursor: string | null, window: SyncWindow): Promise<PullResult<CrmRecord>> {
      const { context } = await ready();
      const result = await pullRecordChanges(client, { ...context, syncIdField: options.syncIdField }, cursor, window);
      logger.debug({ sobject, changes: result.changes.length, isFullListing: result.isFullListing }, 'Pulled Salesforce record changes');
      return result;
    },

    async readItems(ids: readonly string[]): Promise<Map<string, ItemSnapshot<CrmRecord>>> {
      // A malformed id cannot name a record, and one in the list would make Salesforce reject the whole query.
      const records = await selectWhere('Id', ids.filter(isSalesforceId));
      return new Map(records.map((record) => [String(record.Id), toSnapshot(record, options.syncIdField)]));
    },

    async findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<CrmRecord>>> {
      const records = await selectWhere(options.syncIdField, syncIds);
      const found = new Map<string, ItemSnapshot<CrmRecord>>();
      for (const record of records) {
        const snapshot = toSnapshot(record, options.syncIdField);
        if (snapshot.syncId !== null && !found.has(snapshot.syncId)) {
          found.set(snapshot.syncId, snapshot);
        }
      }
      return found;
    },

    async applyWrites(writes: readonly Write<CrmRecord>[]): Promise<WriteResult[]> {
      if (writes.length === 0) {
        return [];
      }
      const { index, context } = await ready();
      const packContext: PackContext = {
        dataPath: client.dataPath,
        sobject,
        syncIdField: options.syncIdField,
        ownerId: context.ownerId,
        prepare: (values) => checkRecordValues(values, index, logger, sobject),
      };
      const bulk = await applyBulkWhereCheaper(writes, { ...packContext, client, logger, sleep, sobject, options: options.bulk });
      if (bulk.stop !== null) {
        return settleAfterStop(writes, bulk.results, bulk.stop);
      }
      if (bulk.remaining.length === 0) {
        return bulk.results;
      }
      try {
        const deps: WriteDeps = { client, logger, sleep, retry: connection.retry };
        return [...bulk.results, ...(await sendRecordWrites(coreRecordWrites(bulk.remaining, packContext), deps)).map(toWriteResult)];
      } catch (error) {
        if (!isConnectorError(error)) {
          throw error;
        }
        return settleAfterStop(writes, bulk.results, error);
      }
    },
  };
}

/**
 * Read the object's describe and check it: the sync id field can carry upserts, the object has an owner, and the
 * mapping's fields exist and fit (see field-requirements.ts).
 */
async function loadDescribe(connection: SalesforceConnection, options: RecordSourceOptions, selectFields: readonly string[]): Promise<FieldIndex> {
  const { client } = connection;
  const response = await client.request('GET', `${client.dataPath}/sobjects/${encodeURIComponent(options.sobject)}/describe`);
  const index = indexDescribe(response.body);
  assertSyncIdField(index, options.syncIdField, options.sobject);
  if (!index.has('ownerid')) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'OBJECT_WITHOUT_OWNER',
      message: `The Salesforce ${options.sobject} object has no OwnerId, which Syncline needs to read and create each mailbox owner's records: mirror the kind with an object that has an owner, or set the mapping's crmObject back to the standard one`,
      fields: ['OwnerId'],
    });
  }
  assertRequirements(index, {
    sobject: options.sobject,
    requirements: options.requirements ?? [],
    createsRecords: options.createsRecords ?? false,
    requiredOnCreate: parseSObjectDescribe(response.body).requiredOnCreate,
    filledByConnector: ['OwnerId', options.syncIdField],
  });
  assertFieldsExist(index, selectFields, options.sobject);
  return index;
}

/**
 * Return the results settled before `stop`, and the stop's failure for every other write. Throw `stop` when nothing
 * was settled, because then the whole batch failed and the session ends with that failure (a suspend stops the mailbox).
 */
function settleAfterStop(writes: readonly Write<CrmRecord>[], settled: readonly WriteResult[], stop: ConnectorError): WriteResult[] {
  if (settled.length === 0) {
    throw stop;
  }
  const done = new Set(settled.map((result) => result.ref));
  const unsent = writes.filter((write) => !done.has(write.ref)).map((write): WriteResult => ({ ref: write.ref, ok: false, failure: stop.failure }));
  return [...settled, ...unsent];
}

function uniqueFields(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
