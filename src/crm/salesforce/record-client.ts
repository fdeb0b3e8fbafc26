import type { Change, CrmRecord } from '../../domain/connector.ts';
import { isConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { linkedWrites, mapLinkedResults, packLinkedGroups, type LinkedGroup } from './linked-writes.ts';
import { WATERMARK_OVERLAP_MS, mergeChanges } from './pull-queries.ts';
import { runQueries, type SalesforceRecord } from './query-runner.ts';
import { isSalesforceId } from './record-id.ts';
import { responseLost, sendRecordWrites, settleAfterStop } from './record-writes.ts';
import { OutcomeUnknownError, SalesforceRestClient, type RestClientOptions } from './rest-client.ts';
import type { RetryOptions } from './retry-policy.ts';
import { parseDescribeGlobal, parseSObjectDescribe, readOrgFeatures, type OrgFeatures, type SObjectInfo } from './sobject-describe.ts';
import { chunkForInList, soqlDatetime, soqlInList } from './soql.ts';
import { checkRecordValues } from './value-checks.ts';
import { failAll, type RecordWrite, type RecordWriteResult } from './write-batches.ts';

export interface RecordClientOptions {
  readonly rest: SalesforceRestClient;
  readonly logger: Logger;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Changes of one object since a watermark: upserts and deletes, and the watermark to store once they are applied. */
export interface ChangedRecords {
  readonly changes: Change<CrmRecord>[];
  readonly watermark: string;
}

export interface ChangedSinceOptions {
  /** SOQL condition the records must meet besides the watermark, e.g. `OwnerId = '005…'`. */
  readonly where?: string;
  /** Field that carries the sync id, so changes report it. */
  readonly syncIdField?: string;
}

/** Objects the features probe describes, besides the ones it is asked about. */
const FEATURE_OBJECTS = ['Account', 'EventRelation'];
/** Composite takes 25 subrequests; describes are light ones. */
const DESCRIBES_PER_CALL = 25;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A client that reads and writes any sObject. Reads are SOQL by ids or by a field's values, and changes since a
 * SystemModstamp watermark with the deleted records from `queryAll`. Writes are packed into Composite calls of
 * sObject Collections with values fitted to the org's describe, and linked writes take another write's id through
 * Composite references.
 */
export class SalesforceRecordClient {
  private readonly describes = new Map<string, Promise<SObjectInfo>>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RecordClientOptions) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** REST calls sent so far through this client's REST client. */
  get calls(): number {
    return this.options.rest.calls;
  }

  /** Return the object's describe, fetched once per client (so once per org and session). */
  describe(sobject: string): Promise<SObjectInfo> {
    const key = sobject.toLowerCase();
    let cached = this.describes.get(key);
    if (cached === undefined) {
      const rest = this.options.rest;
      cached = rest.request('GET', `${rest.dataPath}/sobjects/${encodeURIComponent(sobject)}/describe`).then((r) => parseSObjectDescribe(r.body));
      this.describes.set(key, cached);
      // A failed describe is not kept, so the next call sends the request again.
      cached.catch(() => this.describes.delete(key));
    }
    return cached;
  }

  /**
   * Learn the org's optional features in two calls: describeGlobal, then one Composite call with the describes of
   * Account, EventRelation and `objects` (kept in the describe cache). An object the org lacks is left out.
   */
  async probeFeatures(objects: readonly string[], syncIdField: string | null): Promise<OrgFeatures> {
    const rest = this.options.rest;
    const global = parseDescribeGlobal((await rest.request('GET', `${rest.dataPath}/sobjects`)).body);
    const wanted = [...new Set([...FEATURE_OBJECTS, ...objects])].filter((name) => global.has(name.toLowerCase()));
    const infos = new Map<string, SObjectInfo>();
    for (let start = 0; start < wanted.length; start += DESCRIBES_PER_CALL) {
      const names = wanted.slice(start, start + DESCRIBES_PER_CALL);
      const compositeRequest = names.map((name, index) => ({ method: 'GET', url: `${rest.dataPath}/sobjects/${name}/describe`, referenceId: `d${index}` }));
      const response = await rest.metadataRequest(`composite describe ${names.join(',')}`, 'POST', `${rest.dataPath}/composite`, { allOrNone: false, compositeRequest });
      const entries = (response.body as { compositeResponse?: { httpStatusCode: number; body: unknown }[] } | null)?.compositeResponse ?? [];
      entries.forEach((entry, index) => {
        if (entry.httpStatusCode !== 200) {
          return;
        }
        const info = parseSObjectDescribe(entry.body);
        infos.set(info.name.toLowerCase(), info);
        this.describes.set(names[index]!.toLowerCase(), Promise.resolve(info));
      });
    }
    return readOrgFeatures(global, infos, syncIdField);
  }

  /**
   * Records by id; an id that no longer exists (or is malformed) is absent from the result. Every query selects Id
   * and SystemModstamp besides `fields`; add LastModifiedDate where the object has it.
   */
  selectByIds(sobject: string, fields: readonly string[], ids: readonly string[]): Promise<SalesforceRecord[]> {
    // A malformed id cannot name a record, and one in the list would make Salesforce reject the whole query.
    return this.selectWhereIn(sobject, fields, 'Id', ids.filter(isSalesforceId));
  }

  /** Records whose `field` is one of `values` (and that meet `where`), in as few calls as the IN lists allow. */
  async selectWhereIn(sobject: string, fields: readonly string[], field: string, values: readonly string[], where?: string): Promise<SalesforceRecord[]> {
    const unique = [...new Set(values)];
    if (unique.length === 0) {
      return [];
    }
    const select = selectList(fields);
    const extra = where === undefined ? '' : ` AND (${where})`;
    const specs = chunkForInList(unique).map((chunk) => ({ soql: `SELECT ${select} FROM ${sobject} WHERE ${field} IN ${soqlInList(chunk)}${extra}` }));
    return (await runQueries(this.options.rest, specs)).records.flat();
  }

  /**
   * List changes since `watermark`, an ISO instant (null lists every record meeting `where`). The changed records
   * query starts a few minutes early, because SystemModstamp is stamped before a transaction commits. Deletions come
   * from `queryAll` in the same Composite call.
   */
  async changedSince(sobject: string, fields: readonly string[], watermark: string | null, options: ChangedSinceOptions = {}): Promise<ChangedRecords> {
    const select = selectList([...fields, ...(options.syncIdField === undefined ? [] : [options.syncIdField])]);
    const condition = options.where === undefined ? '' : `(${options.where})`;
    const order = 'ORDER BY SystemModstamp, Id';
    const syncIdField = options.syncIdField ?? '';

    if (watermark === null) {
      const outcome = await runQueries(this.options.rest, [{ soql: `SELECT ${select} FROM ${sobject}${condition === '' ? '' : ` WHERE ${condition}`} ${order}` }]);
      const merged = mergeChanges(outcome.records[0] ?? [], [], syncIdField);
      const listedAt = Date.parse(outcome.serverTime ?? new Date().toISOString());
      return { changes: merged.changes, watermark: new Date(Math.max(merged.greatestStamp ?? listedAt, listedAt)).toISOString() };
    }

    const from = soqlDatetime(new Date(Date.parse(watermark) - WATERMARK_OVERLAP_MS).toISOString());
    const and = condition === '' ? '' : ` AND ${condition}`;
    const outcome = await runQueries(this.options.rest, [
      { soql: `SELECT ${select} FROM ${sobject} WHERE SystemModstamp >= ${from}${and} ${order}` },
      { soql: `SELECT Id, SystemModstamp FROM ${sobject} WHERE IsDeleted = true AND SystemModstamp >= ${from}${and} ${order}`, includeDeleted: true },
    ]);
    const merged = mergeChanges(outcome.records[0] ?? [], outcome.records[1] ?? [], syncIdField);
    const next = Math.max(Date.parse(watermark), merged.greatestStamp ?? Number.NEGATIVE_INFINITY);
    return { changes: merged.changes, watermark: new Date(next).toISOString() };
  }

  /**
   * Write records of any objects, one result per write in the order given. Values are fitted to describe first
   * (text cut and marked, picklists mapped); an insert missing a required field fails alone without being sent.
   * Throws a `suspend` ConnectorError when a write names a field the org lacks. Inserts whose response was lost fail
   * with `retryLater` instead of being sent twice; look them up before inserting them again.
   */
  async write(writes: readonly RecordWrite[]): Promise<RecordWriteResult[]> {
    const prepared = await this.prepare(writes);
    const local = new Map(prepared.flatMap((entry) => (entry.result === null ? [] : [[entry.write.ref, entry.result] as const])));
    const toSend = prepared.filter((entry) => entry.result === null).map((entry) => entry.write);
    const sent = new Map((toSend.length === 0 ? [] : await sendRecordWrites(toSend, this.deps())).map((result) => [result.ref, result]));
    return writes.map((write) => local.get(write.ref) ?? sent.get(write.ref)!);
  }

  /**
   * Write parents and the children that need their ids in as few Composite calls as the limits allow (25
   * subrequests, five of them collections or queries). Children of a failed parent fail with PARENT_WRITE_FAILED.
   * A call that carries inserts is not sent again after a lost response, and a stop part-way keeps the results of
   * the calls that completed, as `write` does (see `sendRecordWrites`).
   */
  async writeLinked(groups: readonly LinkedGroup[]): Promise<RecordWriteResult[]> {
    const prepared = await Promise.all(groups.map(async (group): Promise<LinkedGroup> => ({
      ...group,
      parent: { ...group.parent, values: await this.fit(group.parent.sobject, group.parent.values) },
      children: await Promise.all(group.children.map(async (child) => ({
        ...child,
        write: { ...child.write, values: await this.fit(child.write.sobject, child.write.values) },
      }))),
    })));

    const rest = this.options.rest;
    const results = new Map<string, RecordWriteResult>();
    const calls = packLinkedGroups(prepared, rest.dataPath);
    for (const call of calls) {
      const writes = linkedWrites(call);
      try {
        const response = await rest.request('POST', `${rest.dataPath}/composite`, call.body, 'json', { idempotent: !writes.some((write) => write.op === 'insert') });
        mapLinkedResults(call, response.body).forEach((result) => results.set(result.ref, result));
      } catch (error) {
        if (error instanceof OutcomeUnknownError) {
          failAll(writes, responseLost(error.failure)).forEach((result) => results.set(result.ref, result));
          continue;
        }
        if (!isConnectorError(error)) {
          throw error;
        }
        return settleAfterStop(calls.flatMap(linkedWrites), results, error);
      }
    }
    return calls.flatMap(linkedWrites).map((write) => results.get(write.ref)!);
  }

  private async prepare(writes: readonly RecordWrite[]): Promise<{ write: RecordWrite; result: RecordWriteResult | null }[]> {
    return Promise.all(writes.map(async (write) => {
      if (write.op === 'delete') {
        return { write, result: null };
      }
      const info = await this.describe(write.sobject);
      const values = checkRecordValues(write.values, info.fields, this.options.logger, info.name);
      const missing = write.op === 'insert' ? info.requiredOnCreate.filter((name) => isEmpty(values, name)) : [];
      if (missing.length === 0) {
        return { write: { ...write, values }, result: null };
      }
      const failure = {
        kind: 'itemError' as const,
        code: 'REQUIRED_FIELD_MISSING',
        message: `The ${info.name} lacks required fields ${missing.join(', ')}: fill them in the mapping or the source item`,
        fields: missing,
      };
      return { write, result: { ref: write.ref, ok: false as const, failure, recordId: null } };
    }));
  }

  private async fit(sobject: string, values: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const info = await this.describe(sobject);
    return checkRecordValues(values, info.fields, this.options.logger, info.name);
  }

  private deps() {
    return { client: this.options.rest, logger: this.options.logger, sleep: this.sleep, retry: this.options.retry };
  }
}

/** Create a record client with its own REST client, for callers that do not share one. */
export function createSalesforceRecordClient(options: Omit<RestClientOptions, 'fetch'> & { fetch?: typeof fetch }): SalesforceRecordClient {
  const logger = options.logger.child({ side: 'crm', connector: 'salesforce' });
  const rest = new SalesforceRestClient({ ...options, logger, fetch: options.fetch ?? globalThis.fetch });
  return new SalesforceRecordClient({
    rest,
    logger,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
}

function selectList(fields: readonly string[]): string {
  const seen = new Set<string>();
  return ['Id', 'SystemModstamp', ...fields]
    .filter((name) => {
      const key = name.toLowerCase();
      if (seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    })
    .join(', ');
}

function isEmpty(values: Readonly<Record<string, unknown>>, name: string): boolean {
  const key = Object.keys(values).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : values[key];
  return value === undefined || value === null || value === '';
}

