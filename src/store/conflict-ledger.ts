import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ConflictDecision, ObjectKind } from '../domain/link.ts';
import type { ConflictUndo } from '../domain/sync-store.ts';
import { inBatches } from './batches.ts';
import type { ConflictsTable, SynclineDatabase } from './database.ts';
import { readMappedValue, readObjectKind, readSide, writeMappedValue } from './row-values.ts';

/** A conflict decision as the ledger keeps it: append-only, stamped with the time of its commit. */
export interface RecordedConflict extends ConflictDecision {
  /** The decision's number within its mailbox and kind, in commit order. */
  readonly seq: number;
  /** `MAILBOX-ID/KIND/SEQ`, the id `syncline conflicts undo` takes. */
  readonly id: string;
  readonly createdAt: string;
}

const CONFLICT_COLUMNS = 12;
const UNDO_COLUMNS = 8;

/** Return the id of a ledger decision, unique across the store. */
export function conflictId(mailboxId: string, objectKind: ObjectKind, seq: number): string {
  return `${mailboxId}/${objectKind}/${seq}`;
}

/** Reads an id made by conflictId; null when the text is not one. The mailbox id may itself hold slashes. */
export function parseConflictId(id: string): { mailboxId: string; objectKind: string; seq: number } | null {
  const match = /^(.+)\/([a-z]+)\/(\d+)$/.exec(id.trim());
  if (match === null) {
    return null;
  }
  return { mailboxId: match[1] as string, objectKind: match[2] as string, seq: Number(match[3]) };
}

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

/** Return one decision of the ledger, or null when there is none with that number. */
export async function getConflict(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind, seq: number): Promise<RecordedConflict | null> {
  const row = await db
    .selectFrom('conflicts')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row === undefined ? null : fromConflictRow(row);
}

/** Return the ledger number of the undo of decision `seq`, or null when it was never undone. */
export async function findUndoOf(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind, seq: number): Promise<number | null> {
  const row = await db
    .selectFrom('conflicts')
    .select('seq')
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .where('undoes', '=', seq)
    .executeTakeFirst();
  return row === undefined ? null : Number(row.seq);
}

/** Records a request to undo a decision; false when one is waiting for that decision already. */
export async function requestConflictUndo(db: Kysely<SynclineDatabase>, undo: ConflictUndo): Promise<boolean> {
  const where = `undo of conflict ${conflictId(undo.mailboxId, undo.objectKind, undo.seq)}`;
  const inserted = await db
    .insertInto('conflict_undos')
    .values({
      mailbox_id: undo.mailboxId,
      object_kind: undo.objectKind,
      seq: undo.seq,
      sync_id: undo.syncId,
      field: undo.field,
      value: writeMappedValue(undo.value, `value of ${where}`),
      side: undo.side,
      requested_at: undo.requestedAt,
    })
    .onConflict((conflict) => conflict.columns(['mailbox_id', 'object_kind', 'seq']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** List the undo requests of one mailbox and kind, oldest decision first. */
export async function loadConflictUndos(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind): Promise<ConflictUndo[]> {
  const rows = await db
    .selectFrom('conflict_undos')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .orderBy('seq')
    .execute();
  return rows.map((row) => {
    const where = `conflict_undos row ${row.mailbox_id}/${row.object_kind}/${row.seq}`;
    return {
      mailboxId: row.mailbox_id,
      objectKind: readObjectKind(row.object_kind, where),
      seq: Number(row.seq),
      syncId: row.sync_id,
      field: row.field,
      value: readMappedValue(row.value, `value of ${where}`),
      side: readSide(row.side, `side of ${where}`),
      requestedAt: row.requested_at,
    };
  });
}

/** Removes settled undo requests; call it inside the commit's transaction. */
export async function deleteConflictUndos(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind, seqs: readonly number[]): Promise<void> {
  for (const batch of inBatches(seqs, UNDO_COLUMNS)) {
    await db.deleteFrom('conflict_undos').where('mailbox_id', '=', mailboxId).where('object_kind', '=', objectKind).where('seq', 'in', batch).execute();
  }
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
    undoes: conflict.undoes ?? null,
  };
}

function fromConflictRow(row: Selectable<ConflictsTable>): RecordedConflict {
  const where = `conflicts row ${row.mailbox_id}/${row.object_kind}/${row.seq}`;
  const objectKind = readObjectKind(row.object_kind, where);
  const seq = Number(row.seq);
  return {
    seq,
    id: conflictId(row.mailbox_id, objectKind, seq),
    mailboxId: row.mailbox_id,
    objectKind,
    syncId: row.sync_id,
    field: row.field,
    baseValue: readMappedValue(row.base_value, `base_value of ${where}`),
    mailboxValue: readMappedValue(row.mailbox_value, `mailbox_value of ${where}`),
    crmValue: readMappedValue(row.crm_value, `crm_value of ${where}`),
    winner: readSide(row.winner, `winner of ${where}`),
    reason: row.reason,
    ...(row.undoes === null ? {} : { undoes: Number(row.undoes) }),
    createdAt: row.created_at,
  };
}
