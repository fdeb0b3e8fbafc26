import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ConflictDecision, ObjectKind } from '../domain/link.ts';
import { inBatches } from './batches.ts';
import type { ConflictsTable, SynclineDatabase } from './database.ts';
import { readMappedValue, readObjectKind, readSide, writeMappedValue } from './row-values.ts';

/** A conflict decision as the ledger keeps it: append-only, stamped with the time of its commit. */
export interface RecordedConflict extends ConflictDecision {
  readonly createdAt: string;
}

const CONFLICT_COLUMNS = 11;

/**
 * Appends decisions, all of one mailbox and kind (commitSession checks), after the newest one recorded. Call it
 * inside the commit's transaction, so the number read here and the rows written after it stand or fall together.
 */
export async function appendConflicts(
  db: Kysely<SynclineDatabase>,
  conflicts: readonly ConflictDecision[],
  createdAt: string,
): Promise<void> {
  const first = conflicts[0];
  if (first === undefined) {
    return;
  }

  const newest = await db
    .selectFrom('conflicts')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('mailbox_id', '=', first.mailboxId)
    .where('object_kind', '=', first.objectKind)
    .executeTakeFirst();
  const lastSeq = Number(newest?.seq ?? 0);

  const rows = conflicts.map((conflict, index) => toConflictRow(conflict, createdAt, lastSeq + index + 1));
  for (const batch of inBatches(rows, CONFLICT_COLUMNS)) {
    await db.insertInto('conflicts').values(batch).execute();
  }
}

/** Newest first, in the reverse of the order the decisions were committed. */
export async function listConflicts(
  db: Kysely<SynclineDatabase>,
  mailboxId: string,
  objectKind: ObjectKind,
  limit: number,
): Promise<RecordedConflict[]> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(`listConflicts limit ${limit} is not a whole number of decisions: pass 0 or more`);
  }

  const rows = await db
    .selectFrom('conflicts')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map(fromConflictRow);
}

function toConflictRow(conflict: ConflictDecision, createdAt: string, seq: number): Insertable<ConflictsTable> {
  const where = `conflict on field "${conflict.field}" of link ${conflict.syncId}`;
  return {
    mailbox_id: conflict.mailboxId,
    object_kind: conflict.objectKind,
    seq,
    sync_id: conflict.syncId,
    field: conflict.field,
    base_value: writeMappedValue(conflict.baseValue, `baseValue of ${where}`),
    mailbox_value: writeMappedValue(conflict.mailboxValue, `mailboxValue of ${where}`),
    crm_value: writeMappedValue(conflict.crmValue, `crmValue of ${where}`),
    winner: conflict.winner,
    reason: conflict.reason,
    created_at: createdAt,
  };
}

function fromConflictRow(row: Selectable<ConflictsTable>): RecordedConflict {
  const where = `conflicts row ${row.mailbox_id}/${row.object_kind}/${row.seq}`;
  return {
    mailboxId: row.mailbox_id,
    objectKind: readObjectKind(row.object_kind, where),
    syncId: row.sync_id,
    field: row.field,
    baseValue: readMappedValue(row.base_value, `base_value of ${where}`),
    mailboxValue: readMappedValue(row.mailbox_value, `mailbox_value of ${where}`),
    crmValue: readMappedValue(row.crm_value, `crm_value of ${where}`),
    winner: readSide(row.winner, `winner of ${where}`),
    reason: row.reason,
    createdAt: row.created_at,
  };
}
