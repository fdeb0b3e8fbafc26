import type { Change, CrmRecord, ItemSnapshot, SyncWindow } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { SalesforceRecord } from './query-runner.ts';
import { parseSalesforceDatetime, soqlDatetime, soqlString } from './soql.ts';

/**
 * How far before the watermark an incremental pull starts reading. SystemModstamp is stamped when a transaction
 * starts writing, so a row that commits late can carry a stamp earlier than rows another pull already saw.
 */
export const WATERMARK_OVERLAP_MS = 5 * 60_000;

/**
 * Deleted records stay in the Recycle Bin, where `queryAll` finds them, for 15 days. A watermark older than that
 * could miss deletions, so the pull falls back to a full listing, reconciled against the links.
 */
export const MAX_CURSOR_AGE_MS = 14 * 24 * 60 * 60_000;

export interface PullCursor {
  /** ISO instant: every change stamped before it (minus the overlap) was already reported. */
  readonly watermark: string;
}

export function formatCursor(cursor: PullCursor): string {
  return JSON.stringify({ watermark: cursor.watermark });
}

/** Read a stored cursor; a cursor that is unreadable or too old is expired, so the core lists everything again. */
export function parseCursor(cursor: string, now: number = Date.now()): PullCursor {
  let watermark: unknown;
  try {
    watermark = (JSON.parse(cursor) as { watermark?: unknown } | null)?.watermark;
  } catch {
    watermark = undefined;
  }

  const ms = typeof watermark === 'string' ? parseSalesforceDatetime(watermark) : undefined;
  if (ms === undefined) {
    throw new ConnectorError({
      kind: 'cursorExpired',
      code: 'INVALID_CURSOR',
      message: 'Stored Salesforce cursor is not a {"watermark": "<ISO instant>"} value; listing all records again',
    });
  }
  if (now - ms > MAX_CURSOR_AGE_MS) {
    throw new ConnectorError({
      kind: 'cursorExpired',
      code: 'CURSOR_TOO_OLD',
      message: 'Stored Salesforce cursor is older than the Recycle Bin keeps deleted records; listing all records again',
    });
  }
  return { watermark: new Date(ms).toISOString() };
}

export interface RecordQueryContext {
  readonly sobject: string;
  /** Fields to select, Id, SystemModstamp, LastModifiedDate and the sync id field included. */
  readonly selectFields: readonly string[];
  readonly ownerId: string;
  /** SOQL conditions of the kind's scope besides the owner, e.g. `IsRecurrence = false`. */
  readonly scope: readonly string[];
  /** Fields that place a record in the sync window (Event: StartDateTime, EndDateTime); null: no window. */
  readonly windowFields: { readonly start: string; readonly end: string } | null;
}

function scopeClause(context: RecordQueryContext): string {
  return [`OwnerId = ${soqlString(context.ownerId)}`, ...context.scope].join(' AND ');
}

/** Build the query for every record of the owner in scope (and in the window, for an object placed in time). */
export function fullListingSoql(context: RecordQueryContext, window: SyncWindow): string {
  const windowed = context.windowFields === null ? [] : [`AND ${context.windowFields.end} >= ${soqlDatetime(window.start)} AND ${context.windowFields.start} <= ${soqlDatetime(window.end)}`];
  return [`SELECT ${context.selectFields.join(', ')} FROM ${context.sobject}`, `WHERE ${scopeClause(context)}`, ...windowed, 'ORDER BY SystemModstamp, Id'].join(' ');
}

export function changedSinceSoql(context: RecordQueryContext, cursor: PullCursor): string {
  return [
    `SELECT ${context.selectFields.join(', ')} FROM ${context.sobject}`,
    `WHERE ${scopeClause(context)} AND SystemModstamp >= ${readFrom(cursor)}`,
    'ORDER BY SystemModstamp, Id',
  ].join(' ');
}

/**
 * For `queryAll`: the owner's records deleted since the cursor. The scope's other conditions are left out: a deleted
 * record that was out of scope matches no link, and the planner ignores it.
 */
export function deletedSinceSoql(context: RecordQueryContext, cursor: PullCursor): string {
  return [
    `SELECT Id, SystemModstamp FROM ${context.sobject}`,
    `WHERE OwnerId = ${soqlString(context.ownerId)} AND IsDeleted = true AND SystemModstamp >= ${readFrom(cursor)}`,
    'ORDER BY SystemModstamp, Id',
  ].join(' ');
}

function readFrom(cursor: PullCursor): string {
  return soqlDatetime(new Date(Date.parse(cursor.watermark) - WATERMARK_OVERLAP_MS).toISOString());
}

/** A queried record as a snapshot: version is SystemModstamp, the item is the record without `attributes`. */
export function toSnapshot(record: SalesforceRecord, syncIdField: string): ItemSnapshot<CrmRecord> {
  const id = String(record.Id);
  const version = typeof record.SystemModstamp === 'string' ? record.SystemModstamp : '';
  const modified = typeof record.LastModifiedDate === 'string' ? parseSalesforceDatetime(record.LastModifiedDate) : undefined;
  const syncId = readField(record, syncIdField);
  return {
    id,
    version,
    modifiedAt: modified === undefined ? '' : new Date(modified).toISOString(),
    syncId: typeof syncId === 'string' && syncId !== '' ? syncId : null,
    item: stripAttributes(record),
  };
}

/** Read a field by name without regard to case, because Salesforce returns the stored name, not the configured one. */
function readField(record: SalesforceRecord, name: string): unknown {
  if (name in record) {
    return record[name];
  }
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

function stripAttributes(record: SalesforceRecord): CrmRecord {
  const item: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes') {
      continue;
    }
    // Parent relationship values (Who.Name) are nested records with their own `attributes`.
    const nested = value !== null && typeof value === 'object' && !Array.isArray(value) && 'attributes' in value;
    item[name] = nested ? stripAttributes(value as SalesforceRecord) : value;
  }
  return item;
}

export interface PullMerge {
  readonly changes: Change<CrmRecord>[];
  /** Greatest SystemModstamp among the records, as milliseconds, or undefined when there were none. */
  readonly greatestStamp: number | undefined;
}

/** Changes from changed and deleted records of one pull: one change per id, and a delete wins over an upsert. */
export function mergeChanges(changed: readonly SalesforceRecord[], deleted: readonly SalesforceRecord[], syncIdField: string): PullMerge {
  let greatestStamp: number | undefined;
  const noteStamp = (record: SalesforceRecord) => {
    const ms = typeof record.SystemModstamp === 'string' ? parseSalesforceDatetime(record.SystemModstamp) : undefined;
    if (ms !== undefined && (greatestStamp === undefined || ms > greatestStamp)) {
      greatestStamp = ms;
    }
  };

  const deletedIds = new Set<string>();
  for (const record of deleted) {
    noteStamp(record);
    deletedIds.add(String(record.Id));
  }

  const upserts = new Map<string, Change<CrmRecord>>();
  for (const record of changed) {
    noteStamp(record);
    const snapshot = toSnapshot(record, syncIdField);
    if (!deletedIds.has(snapshot.id)) {
      upserts.set(snapshot.id, { kind: 'upsert', ...snapshot });
    }
  }

  const deletes = [...deletedIds].map((id): Change<CrmRecord> => ({ kind: 'delete', id, mayStillExist: false }));
  return { changes: [...upserts.values(), ...deletes], greatestStamp };
}
