import type { Kysely, Transaction } from 'kysely';

import type { Side } from '../domain/glossary.ts';
import type { ObjectKind, PlannedBase, PlannedUnsync } from '../domain/link.ts';
import { inBatches } from './batches.ts';
import type { SynclineDatabase } from './database.ts';
import { readMappedValues, readObjectKind } from './row-values.ts';

const PLANNED_BASE_COLUMNS = 4;

/** Record planned bases in their own transaction, replacing an earlier plan for the same pair. */
export async function recordPlannedBases(db: Kysely<SynclineDatabase>, planned: readonly PlannedBase[]): Promise<void> {
  if (planned.length === 0) {
    return;
  }

  await db.transaction().execute(async (trx) => {
    await upsertPlannedBases(trx, planned);
  });
}

/** Write planned bases inside the caller's transaction, replacing an earlier plan for the same pair. */
export async function upsertPlannedBases(trx: Transaction<SynclineDatabase>, planned: readonly PlannedBase[]): Promise<void> {
  const rows = planned.map((entry) => ({
    mailbox_id: entry.mailboxId,
    object_kind: entry.objectKind,
    sync_id: entry.syncId,
    base: JSON.stringify({ base: entry.base, fromBase: entry.fromBase, targets: entry.targets, ...(entry.unsync === undefined ? {} : { unsync: entry.unsync }) }),
  }));
  for (const batch of inBatches(rows, PLANNED_BASE_COLUMNS)) {
    await trx
      .insertInto('planned_bases')
      .values(batch)
      .onConflict((conflict) => conflict.columns(['mailbox_id', 'object_kind', 'sync_id']).doUpdateSet((eb) => ({ base: eb.ref('excluded.base') })))
      .execute();
  }
}

export async function loadPlannedBases(db: Kysely<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind): Promise<PlannedBase[]> {
  const rows = await db.selectFrom('planned_bases').selectAll().where('mailbox_id', '=', mailboxId).where('object_kind', '=', objectKind).execute();
  return rows.map((row) => {
    const where = `planned_bases row ${row.mailbox_id}/${row.object_kind}/${row.sync_id}`;
    const plan = JSON.parse(row.base) as { base: unknown; fromBase: unknown; targets: Record<string, Side[]>; unsync?: StoredUnsync };
    return {
      mailboxId: row.mailbox_id,
      objectKind: readObjectKind(row.object_kind, where),
      syncId: row.sync_id,
      base: readMappedValues(JSON.stringify(plan.base), `base of ${where}`),
      fromBase: readMappedValues(JSON.stringify(plan.fromBase), `fromBase of ${where}`),
      targets: plan.targets,
      ...(plan.unsync === undefined ? {} : { unsync: readUnsync(plan.unsync, where) }),
    };
  });
}

interface StoredUnsync {
  readonly rule: unknown;
  readonly mailboxItemId: unknown;
  readonly crmRecordId: unknown;
  readonly origin: unknown;
  readonly deletedValues: unknown;
}

function readUnsync(stored: StoredUnsync, where: string): PlannedUnsync {
  const { rule, mailboxItemId, crmRecordId, origin } = stored;
  if (typeof rule !== 'string' || typeof mailboxItemId !== 'string' || typeof crmRecordId !== 'string' || (origin !== 'mailbox' && origin !== 'crm')) {
    throw new Error(`The un-sync in ${where} is invalid: its rule, item ids or origin are missing. Fix or delete the row`);
  }
  return { rule, mailboxItemId, crmRecordId, origin, deletedValues: readMappedValues(JSON.stringify(stored.deletedValues), `deletedValues of ${where}`) };
}

/** A committed session stored the true state of every pair, so the plans made before its writes are done with. */
export async function clearPlannedBases(trx: Transaction<SynclineDatabase>, mailboxId: string, objectKind: ObjectKind): Promise<void> {
  await trx.deleteFrom('planned_bases').where('mailbox_id', '=', mailboxId).where('object_kind', '=', objectKind).execute();
}
