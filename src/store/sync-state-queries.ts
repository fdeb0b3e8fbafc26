import type { Kysely } from 'kysely';
import type { Side } from '../domain/glossary.ts';
import type { Intent, ObjectKind } from '../domain/link.ts';
import type { SyncState } from '../domain/sync-store.ts';
import { inBatches } from './batches.ts';
import type { SynclineDatabase } from './database.ts';
import { loadPlannedBases } from './planned-bases.ts';
import { fromIntentRow, fromLinkRow, fromPendingRow, toIntentRow } from './link-rows.ts';
import { readSide } from './row-values.ts';
import { isUniqueViolation } from './unique-violation.ts';

const INTENT_COLUMNS = 6;

export async function loadSyncState(
  db: Kysely<SynclineDatabase>,
  mailboxId: string,
  objectKind: ObjectKind,
): Promise<SyncState> {
  const [links, cursors, intents, pending] = await Promise.all([
    db.selectFrom('links').selectAll().where('mailbox_id', '=', mailboxId).where('object_kind', '=', objectKind).execute(),
    db
      .selectFrom('cursors')
      .select(['side', 'cursor'])
      .where('mailbox_id', '=', mailboxId)
      .where('object_kind', '=', objectKind)
      .execute(),
    db
      .selectFrom('intents')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .where('object_kind', '=', objectKind)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('pending_items')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .where('object_kind', '=', objectKind)
      .execute(),
  ]);

  const cursorBySide: Record<Side, string | null> = { mailbox: null, crm: null };
  for (const row of cursors) {
    cursorBySide[readSide(row.side, `side of cursors row ${mailboxId}/${objectKind}`)] = row.cursor;
  }

  return {
    links: links.map(fromLinkRow),
    cursors: cursorBySide,
    intents: intents.map(fromIntentRow),
    pending: pending.map(fromPendingRow),
    plannedBases: await loadPlannedBases(db, mailboxId, objectKind),
  };
}

/**
 * Records intents in one transaction. An intent whose source item already has one is skipped, so the first sync
 * id wins and a create repeated after a crash carries the id it was first announced with. The caller reads the
 * kept id back with loadSyncState.
 */
export async function recordIntents(db: Kysely<SynclineDatabase>, intents: readonly Intent[]): Promise<void> {
  if (intents.length === 0) {
    return;
  }

  const createdAt = new Date().toISOString();
  const rows = intents.map((intent) => toIntentRow(intent, createdAt));
  try {
    await db.transaction().execute(async (trx) => {
      for (const batch of inBatches(rows, INTENT_COLUMNS)) {
        await trx
          .insertInto('intents')
          .values(batch)
          .onConflict((conflict) =>
            conflict.columns(['mailbox_id', 'object_kind', 'source_side', 'source_id']).doNothing(),
          )
          .execute();
      }
    });
  } catch (error) {
    if (!isUniqueViolation(error)) {
      throw error;
    }
    throw new Error(
      'recordIntents failed because a sync id in this batch is already recorded for another source item. ' +
        'None of the batch was recorded. Give every create a fresh sync id.',
      { cause: error },
    );
  }
}
