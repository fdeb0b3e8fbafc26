import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ObjectKind } from '../domain/link.ts';
import type { HeldDeletion, QuarantineEntry } from '../domain/sync-store.ts';
import { inBatches } from './batches.ts';
import type { HeldDeletionsTable, QuarantineTable, SynclineDatabase } from './database.ts';
import { readMappedValues, readObjectKind, readSide } from './row-values.ts';

const QUARANTINE_COLUMNS = 13;
const HELD_COLUMNS = 7;

/** Adds entries for items a session deleted; call it inside the commit's transaction. */
export async function insertQuarantine(db: Kysely<SynclineDatabase>, entries: readonly QuarantineEntry[]): Promise<void> {
  const rows = entries.map((entry) => ({
    id: entry.id,
    mailbox_id: entry.mailboxId,
    object_kind: entry.objectKind,
    side: entry.side,
    item_id: entry.itemId,
    other_item_id: entry.otherItemId,
    sync_id: entry.syncId,
    item_values: JSON.stringify(entry.values),
    origin: entry.origin,
    reason: entry.reason,
    deleted_at: entry.deletedAt,
    restore_requested_at: entry.restoreRequestedAt,
    restored_at: entry.restoredAt,
  }));
  for (const batch of inBatches(rows, QUARANTINE_COLUMNS)) {
    await db.insertInto('quarantine').values(batch).execute();
  }
}

/** List the quarantine of one mailbox, newest deletion first. */
export async function listQuarantine(db: Kysely<SynclineDatabase>, mailboxId: string): Promise<QuarantineEntry[]> {
  const rows = await db.selectFrom('quarantine').selectAll().where('mailbox_id', '=', mailboxId).orderBy('deleted_at', 'desc').orderBy('id').execute();
  return rows.map(fromQuarantineRow);
}

export async function getQuarantineEntry(db: Kysely<SynclineDatabase>, id: string): Promise<QuarantineEntry | null> {
  const row = await db.selectFrom('quarantine').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? null : fromQuarantineRow(row);
}

/** Asks the next session to make the item again; false when the entry is gone, restored or asked for already. */
export async function requestQuarantineRestore(db: Kysely<SynclineDatabase>, id: string, at: string): Promise<boolean> {
  const updated = await db
    .updateTable('quarantine')
    .set({ restore_requested_at: at })
    .where('id', '=', id)
    .where('restore_requested_at', 'is', null)
    .where('restored_at', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** Entries of one mailbox and kind whose restore was asked for and not made yet. */
export async function loadRequestedRestores(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind): Promise<QuarantineEntry[]> {
  const rows = await db
    .selectFrom('quarantine')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .where('restore_requested_at', 'is not', null)
    .where('restored_at', 'is', null)
    .orderBy('restore_requested_at')
    .execute();
  return rows.map(fromQuarantineRow);
}

/** Marks entries restored; call it inside the commit's transaction. */
export async function markRestored(db: Kysely<SynclineDatabase>, ids: readonly string[], at: string): Promise<void> {
  for (const batch of inBatches(ids, 2)) {
    await db.updateTable('quarantine').set({ restored_at: at }).where('id', 'in', batch).execute();
  }
}

/**
 * Removes the entries of one mailbox and kind deleted before `before`. Only the committing kind's entries go: the
 * session's later kinds have not read their restore requests yet. An entry whose restore was requested and not made
 * stays however old it is, because the request was accepted and the next session of its kind must carry it out.
 */
export async function purgeQuarantine(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind, before: string): Promise<void> {
  await db
    .deleteFrom('quarantine')
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .where('deleted_at', '<', before)
    .where((eb) => eb.or([eb('restore_requested_at', 'is', null), eb('restored_at', 'is not', null)]))
    .execute();
}

/**
 * Replaces the held deletions of one mailbox and kind; call it inside the commit's transaction. A deletion held again
 * keeps a decision stored for it meanwhile, because an admin may decide while the session runs. A session never
 * holds back a deletion that was already decided when it planned.
 */
export async function replaceHeldDeletions(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind, held: readonly HeldDeletion[]): Promise<void> {
  const decided = await db
    .selectFrom('held_deletions')
    .select(['sync_id', 'decision'])
    .where('mailbox_id', '=', mailboxId)
    .where('object_kind', '=', objectKind)
    .where('decision', 'is not', null)
    .execute();
  const decisions = new Map(decided.map((row) => [row.sync_id, row.decision]));
  await db.deleteFrom('held_deletions').where('mailbox_id', '=', mailboxId).where('object_kind', '=', objectKind).execute();
  const rows = held.map((entry) => ({
    mailbox_id: entry.mailboxId,
    object_kind: entry.objectKind,
    sync_id: entry.syncId,
    side: entry.side,
    item_id: entry.itemId,
    held_at: entry.heldAt,
    decision: entry.decision ?? decisions.get(entry.syncId) ?? null,
  }));
  for (const batch of inBatches(rows, HELD_COLUMNS)) {
    await db.insertInto('held_deletions').values(batch).execute();
  }
}

/** List the held deletions of a mailbox, of every kind or of one. */
export async function listHeldDeletions(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind?: ObjectKind): Promise<HeldDeletion[]> {
  let query = db.selectFrom('held_deletions').selectAll().where('mailbox_id', '=', mailboxId);
  if (objectKind !== undefined) {
    query = query.where('object_kind', '=', objectKind);
  }
  const rows = await query.orderBy('object_kind').orderBy('sync_id').execute();
  return rows.map(fromHeldRow);
}

/** Records the admin's decision on every held deletion of a mailbox; returns how many there were. */
export async function decideHeldDeletions(db: Kysely<SynclineDatabase>, mailboxId: string, decision: 'confirm' | 'reject'): Promise<number> {
  const updated = await db.updateTable('held_deletions').set({ decision }).where('mailbox_id', '=', mailboxId).executeTakeFirst();
  return Number(updated.numUpdatedRows);
}

/** Return the API's id of a held deletion: its kind and the sync id of its pair, unique within a mailbox. */
export function heldDeletionId(held: Pick<HeldDeletion, 'objectKind' | 'syncId'>): string {
  return `${held.objectKind}/${held.syncId}`;
}

/**
 * Compute a short digest of a mailbox's set of held deletions, which a person sends back with a decision. A digest
 * rather than the ids, because a mass deletion can list more ids than an API body accepts. The same pairs keep it.
 */
export function heldDeletionsVersion(held: readonly Pick<HeldDeletion, 'objectKind' | 'syncId'>[]): string {
  const ids = held.map(heldDeletionId).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32);
}

/** The outcome of deciding the held deletions a person saw: decided, or refused because the held set changed. */
export type SeenHeldDecision = { readonly kind: 'decided'; readonly count: number } | { readonly kind: 'changed'; readonly held: number; readonly version: string };

class HeldSetChanged extends Error {
  constructor(readonly held: number, readonly version: string) {
    super('the held deletions changed');
  }
}

/**
 * Records the decision on every held deletion of a mailbox, but only while the held set still has the `version` the
 * person saw, so one decision never covers a deletion a session held after the list was read. The update runs first
 * so that on SQLite the transaction takes the write lock before it reads; a changed set rolls it back.
 */
export async function decideSeenHeldDeletions(db: Kysely<SynclineDatabase>, mailboxId: string, decision: 'confirm' | 'reject', version: string): Promise<SeenHeldDecision> {
  try {
    return await db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('held_deletions').set({ decision }).where('mailbox_id', '=', mailboxId).executeTakeFirst();
      const rows = await trx.selectFrom('held_deletions').select(['object_kind', 'sync_id']).where('mailbox_id', '=', mailboxId).execute();
      const current = heldDeletionsVersion(rows.map((row) => ({ objectKind: row.object_kind as ObjectKind, syncId: row.sync_id })));
      if (current !== version) {
        throw new HeldSetChanged(rows.length, current);
      }
      return { kind: 'decided', count: Number(updated.numUpdatedRows) } as const;
    });
  } catch (error) {
    if (error instanceof HeldSetChanged) {
      return { kind: 'changed', held: error.held, version: error.version };
    }
    throw error;
  }
}

function fromQuarantineRow(row: Selectable<QuarantineTable>): QuarantineEntry {
  const where = `quarantine row ${row.id}`;
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    objectKind: readObjectKind(row.object_kind, where),
    side: readSide(row.side, `side of ${where}`),
    itemId: row.item_id,
    otherItemId: row.other_item_id,
    syncId: row.sync_id,
    values: readMappedValues(row.item_values, `item_values of ${where}`),
    origin: readSide(row.origin, `origin of ${where}`),
    reason: row.reason,
    deletedAt: row.deleted_at,
    restoreRequestedAt: row.restore_requested_at,
    restoredAt: row.restored_at,
  };
}

function fromHeldRow(row: Selectable<HeldDeletionsTable>): HeldDeletion {
  const where = `held_deletions row ${row.mailbox_id}/${row.object_kind}/${row.sync_id}`;
  if (row.decision !== null && row.decision !== 'confirm' && row.decision !== 'reject') {
    throw new Error(`${where} has invalid decision "${row.decision}"; expected confirm, reject or null: fix or delete the row`);
  }
  return {
    mailboxId: row.mailbox_id,
    objectKind: readObjectKind(row.object_kind, where),
    syncId: row.sync_id,
    side: readSide(row.side, `side of ${where}`),
    itemId: row.item_id,
    heldAt: row.held_at,
    decision: row.decision,
  };
}
