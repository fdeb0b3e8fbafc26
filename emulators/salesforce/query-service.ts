import { randomBytes } from 'node:crypto';
import { SfError } from './sf-error.ts';
import { parseSoql } from './soql/parse-soql.ts';
import { runQuery } from './soql/evaluate.ts';
import type { OrgState } from './org-state.ts';
import type { SfRecord } from './record-table.ts';

export const DEFAULT_BATCH_SIZE = 2000;
const MIN_BATCH_SIZE = 200;
/** Salesforce drops a query cursor after 15 minutes without use; the emulator keeps a bounded number too. */
const CURSOR_IDLE_MS = 15 * 60_000;
const MAX_CURSORS = 200;

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SfRecord[];
}

interface Cursor {
  records: SfRecord[];
  batchSize: number;
  resource: 'query' | 'queryAll';
  apiVersion: string;
  touched: number;
}

/**
 * The query and queryAll resources: parses SOQL, snapshots the result (as a Salesforce cursor does) and hands
 * it out in batches, with `nextRecordsUrl` = `/services/data/vXX.X/query/<locator>-<offset>` for the rest.
 */
export class QueryService {
  private readonly org: OrgState;
  private readonly cursors = new Map<string, Cursor>();

  constructor(org: OrgState) {
    this.org = org;
  }

  run(soql: string, resource: 'query' | 'queryAll', apiVersion: string, batchSize: number): QueryPage {
    const query = parseSoql(soql, (name) => this.org.table(name)?.def);
    const table = this.org.table(query.object.name);
    if (!table) throw new SfError(400, 'INVALID_TYPE', `sObject type '${query.object.name}' is not supported.`);
    const matches = runQuery(query, table, resource === 'queryAll');
    if (query.fields === 'count') return { totalSize: matches.length, done: true, records: [] };

    const fields = query.fields;
    const records = matches.map((r) => project(r, fields.map((f) => f.name), query.object.name, apiVersion));
    const cursor: Cursor = { records, batchSize: clampBatch(batchSize), resource, apiVersion, touched: Date.now() };
    return this.page(cursor, 0);
  }

  /** Returns the batch at `<locator>-<offset>` of an earlier result. */
  more(locatorAndOffset: string): QueryPage {
    this.expire();
    const dash = locatorAndOffset.lastIndexOf('-');
    const locator = dash === -1 ? locatorAndOffset : locatorAndOffset.slice(0, dash);
    const offset = dash === -1 ? 0 : Number(locatorAndOffset.slice(dash + 1));
    const cursor = this.cursors.get(locator);
    if (!cursor || !Number.isInteger(offset) || offset < 0 || offset > cursor.records.length) {
      throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.touched = Date.now();
    return this.page(cursor, offset, locator);
  }

  clear(): void {
    this.cursors.clear();
  }

  private page(cursor: Cursor, offset: number, existing?: string): QueryPage {
    const end = offset + cursor.batchSize;
    const records = cursor.records.slice(offset, end);
    const totalSize = cursor.records.length;
    if (end >= totalSize) {
      if (existing) this.cursors.delete(existing);
      return { totalSize, done: true, records };
    }
    const locator = existing ?? this.open(cursor);
    const nextRecordsUrl = `/services/data/v${cursor.apiVersion}/${cursor.resource}/${locator}-${end}`;
    return { totalSize, done: false, nextRecordsUrl, records };
  }

  private open(cursor: Cursor): string {
    this.expire();
    if (this.cursors.size >= MAX_CURSORS) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
    const locator = `01g${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}`;
    this.cursors.set(locator, cursor);
    return locator;
  }

  private expire(): void {
    const now = Date.now();
    for (const [locator, cursor] of this.cursors) {
      if (now - cursor.touched > CURSOR_IDLE_MS) this.cursors.delete(locator);
    }
  }
}

/** Shapes a record as query results show it: `attributes` first, then the selected fields in select order. */
export function project(record: SfRecord, fields: string[], type: string, apiVersion: string): SfRecord {
  const out: SfRecord = { attributes: { type, url: `/services/data/v${apiVersion}/sobjects/${type}/${String(record.Id)}` } };
  for (const name of fields) out[name] = record[name] ?? null;
  return out;
}

/** Salesforce treats the batch size as a hint between 200 and 2,000. */
function clampBatch(size: number): number {
  if (!Number.isFinite(size)) return DEFAULT_BATCH_SIZE;
  return Math.min(DEFAULT_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Math.floor(size)));
}

/** Reads `batchSize=N` from a `Sforce-Query-Options` header. */
export function batchSizeFrom(header: string | undefined): number {
  const match = header ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
  return match ? Number(match[1]) : DEFAULT_BATCH_SIZE;
}
