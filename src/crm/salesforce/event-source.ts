import type { CrmEventSource, CrmRecord, ItemSnapshot, PullResult, SyncWindow, Write, WriteResult } from '../../domain/connector.ts';
import { ConnectorError, isConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { OrgApiBudget } from './api-budget.ts';
import type { SalesforceAuth } from './auth.ts';
import { applyBulkWhereCheaper, type BulkOptions } from './bulk/bulk-writer.ts';
import { pullEventChanges } from './pull-changes.ts';
import { toSnapshot, type EventQueryContext } from './pull-queries.ts';
import { runQueries, type SalesforceRecord } from './query-runner.ts';
import { isSalesforceId } from './record-id.ts';
import { sendRecordWrites, type WriteDeps } from './record-writes.ts';
import { SalesforceRestClient } from './rest-client.ts';
import type { RetryOptions } from './retry-policy.ts';
import { chunkForInList, soqlInList, soqlString } from './soql.ts';
import { assertSyncIdField } from './sync-id-field.ts';
import { assertFieldsExist, checkRecordValues, indexDescribe, type FieldIndex } from './value-checks.ts';
import { eventRecordWrites, toWriteResult, type PackContext } from './write-batches.ts';

export interface SalesforceConnectorOptions {
  /** e.g. https://login.salesforce.com or the emulator origin; the token comes from {loginUrl}/services/oauth2/token. */
  loginUrl: string;
  auth: SalesforceAuth;
  /** e.g. '62.0' */
  apiVersion: string;
  /** The mailbox owner's Salesforce User, looked up by Email (active users only) when only the address is known. */
  owner: { id: string } | { email: string };
  /** External ID field on Event that carries the sync id, e.g. 'Syncline_Sync_Id__c'. */
  syncIdField: string;
  /** Event fields the mapping reads and writes; Id, SystemModstamp, LastModifiedDate and the sync id field are added. */
  fields: readonly string[];
  logger: Logger;
  fetch?: typeof fetch;
  /** Backoff tuning; tests shrink the delays. */
  retry?: RetryOptions;
  sleep?: (ms: number) => Promise<void>;
  /** The org's API budget, shared by every connector of the org in this process. */
  apiBudget?: OrgApiBudget;
  /** When and how large back-fills go through Bulk API 2.0 jobs instead of Composite (see bulk/break-even.ts). */
  bulk?: BulkOptions;
}

export type SalesforceEventSource = CrmEventSource & {
  /** URL that opens a record in Salesforce Lightning, for item errors a person must fix. */
  recordUrl(id: string): string;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSalesforceEventSource(options: SalesforceConnectorOptions): SalesforceEventSource {
  const logger = options.logger.child({ side: 'crm', connector: 'salesforce' });
  const sleep = options.sleep ?? defaultSleep;
  const client = new SalesforceRestClient({
    loginUrl: options.loginUrl,
    auth: options.auth,
    apiVersion: options.apiVersion,
    logger,
    fetch: options.fetch ?? globalThis.fetch,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    sleep,
    ...(options.apiBudget === undefined ? {} : { budget: options.apiBudget }),
  });
  const selectFields = uniqueFields(['Id', 'SystemModstamp', 'LastModifiedDate', options.syncIdField, ...options.fields]);
  const describe = once(() => loadDescribe(client, selectFields, options.syncIdField));
  const owner = once(() => resolveOwner(client, options.owner));

  async function ready(): Promise<{ index: FieldIndex; context: EventQueryContext }> {
    const [index, ownerId] = await Promise.all([describe(), owner()]);
    return { index, context: { selectFields, ownerId } };
  }

  async function selectWhere(field: string, values: readonly string[]): Promise<SalesforceRecord[]> {
    const unique = [...new Set(values)];
    if (unique.length === 0) {
      return [];
    }
    await ready();
    const specs = chunkForInList(unique).map((chunk) => ({
      soql: `SELECT ${selectFields.join(', ')} FROM Event WHERE ${field} IN ${soqlInList(chunk)}`,
    }));
    const outcome = await runQueries(client, specs);
    return outcome.records.flat();
  }

  return {
    get calls() {
      return client.calls;
    },

    recordUrl(id: string): string {
      return `${client.instanceUrl ?? options.loginUrl.replace(/\/+$/, '')}/lightning/r/Event/${encodeURIComponent(id)}/view`;
    },

    async pullChanges(cursor: string | null, window: SyncWindow): Promise<PullResult<CrmRecord>> {
      const { context } = await ready();
      const result = await pullEventChanges(client, { ...context, syncIdField: options.syncIdField }, cursor, window);
      logger.debug({ changes: result.changes.length, isFullListing: result.isFullListing }, 'Pulled Salesforce event changes');
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
        syncIdField: options.syncIdField,
        ownerId: context.ownerId,
        prepare: (values) => checkRecordValues(values, index, logger),
      };
      const bulk = await applyBulkWhereCheaper(writes, { ...packContext, client, logger, sleep, sobject: 'Event', options: options.bulk });
      if (bulk.stop !== null) {
        return settleAfterStop(writes, bulk.results, bulk.stop);
      }
      if (bulk.remaining.length === 0) {
        return bulk.results;
      }
      try {
        return [...bulk.results, ...(await applyWithRetries(bulk.remaining, packContext, { client, logger, sleep, retry: options.retry }))];
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
 * Send the writes (see `sendRecordWrites`): the collections upsert by sync id and update or delete by record id, so
 * a repeat of a record that failed for a temporary reason cannot double it. A stop part-way keeps the results of
 * the calls that completed and fails the rest with the stop's failure.
 */
async function applyWithRetries(writes: readonly Write<CrmRecord>[], context: PackContext, deps: WriteDeps): Promise<WriteResult[]> {
  return (await sendRecordWrites(eventRecordWrites(writes, context), deps)).map(toWriteResult);
}

async function loadDescribe(client: SalesforceRestClient, selectFields: readonly string[], syncIdField: string): Promise<FieldIndex> {
  const response = await client.request('GET', `${client.dataPath}/sobjects/Event/describe`);
  const index = indexDescribe(response.body);
  assertSyncIdField(index, syncIdField, 'Event');
  assertFieldsExist(index, selectFields);
  return index;
}

async function resolveOwner(client: SalesforceRestClient, owner: SalesforceConnectorOptions['owner']): Promise<string> {
  if ('id' in owner) {
    return owner.id;
  }

  const soql = `SELECT Id FROM User WHERE Email = ${soqlString(owner.email)} AND IsActive = true`;
  const users = (await runQueries(client, [{ soql }])).records[0] ?? [];
  if (users.length !== 1) {
    throw new ConnectorError({
      kind: 'suspend',
      code: users.length === 0 ? 'OWNER_NOT_FOUND' : 'OWNER_AMBIGUOUS',
      message:
        users.length === 0
          ? `No active Salesforce User has the email ${owner.email}: activate that User, or name the mailbox's User in mailboxes[].salesforceUser (its id, or the email it has in Salesforce)`
          : `${users.length} active Salesforce Users have the email ${owner.email}: name the mailbox's User by id in mailboxes[].salesforceUser`,
    });
  }
  return String(users[0]!.Id);
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

/** Run `load` once and share its result; a failure is not kept, so the next call tries again. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    if (pending === null) {
      const current = load();
      pending = current;
      current.catch(() => {
        if (pending === current) {
          pending = null;
        }
      });
    }
    return pending;
  };
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
