import type { Kysely } from 'kysely';
import type { SeriesRecord } from '../sync/series-mode-types.ts';
import type { SynclineDatabase } from './database.ts';

type SeriesRegistryTables = {
  series_registry: { mailbox_id: string; mailbox_series_id: string; head_sync_id: string; crm_series_id: string | null; member_ids: string | null; created_at: string };
};

function tables(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & SeriesRegistryTables> {
  return db.withTables<SeriesRegistryTables>();
}

export async function recordSeriesIntent(db: Kysely<SynclineDatabase>, record: Omit<SeriesRecord, 'crmSeriesId' | 'memberIds'>): Promise<void> {
  await tables(db)
    .insertInto('series_registry')
    .values({ mailbox_id: record.mailboxId, mailbox_series_id: record.mailboxSeriesId, head_sync_id: record.headSyncId, crm_series_id: null, member_ids: null, created_at: record.createdAt })
    .onConflict((conflict) => conflict.columns(['mailbox_id', 'mailbox_series_id']).doNothing())
    .execute();
}

export async function settleSeries(db: Kysely<SynclineDatabase>, mailboxId: string, mailboxSeriesId: string, crmSeriesId: string): Promise<void> {
  await tables(db)
    .updateTable('series_registry')
    .set({ crm_series_id: crmSeriesId })
    .where('mailbox_id', '=', mailboxId)
    .where('mailbox_series_id', '=', mailboxSeriesId)
    .execute();
}

export async function recordSeriesMembers(db: Kysely<SynclineDatabase>, mailboxId: string, mailboxSeriesId: string, memberIds: readonly string[]): Promise<void> {
  await tables(db)
    .updateTable('series_registry')
    .set({ member_ids: JSON.stringify(memberIds) })
    .where('mailbox_id', '=', mailboxId)
    .where('mailbox_series_id', '=', mailboxSeriesId)
    .where('member_ids', 'is', null)
    .execute();
}

export async function forgetSeries(db: Kysely<SynclineDatabase>, mailboxId: string, mailboxSeriesIds: readonly string[]): Promise<void> {
  if (mailboxSeriesIds.length === 0) {
    return;
  }
  await tables(db).deleteFrom('series_registry').where('mailbox_id', '=', mailboxId).where('mailbox_series_id', 'in', [...mailboxSeriesIds]).execute();
}

export async function listSeries(db: Kysely<SynclineDatabase>, mailboxId: string): Promise<SeriesRecord[]> {
  const rows = await tables(db).selectFrom('series_registry').selectAll().where('mailbox_id', '=', mailboxId).orderBy('created_at').execute();
  return rows.map((row) => ({
    mailboxId: row.mailbox_id,
    mailboxSeriesId: row.mailbox_series_id,
    headSyncId: row.head_sync_id,
    crmSeriesId: row.crm_series_id,
    memberIds: row.member_ids === null ? null : (JSON.parse(row.member_ids) as string[]),
    createdAt: row.created_at,
  }));
}

const VALUES_PER_IN_LIST = 500;

export async function linkedEventItems(db: Kysely<SynclineDatabase>, mailboxId: string, mailboxItemIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(mailboxItemIds)];
  const linked = new Set<string>();
  for (let start = 0; start < unique.length; start += VALUES_PER_IN_LIST) {
    const rows = await db.selectFrom('links').select('mailbox_item_id')
      .where('mailbox_id', '=', mailboxId).where('object_kind', '=', 'event').where('mailbox_item_id', 'in', unique.slice(start, start + VALUES_PER_IN_LIST))
      .execute();
    rows.forEach((row) => linked.add(row.mailbox_item_id));
  }
  return linked;
}

export async function clearSeriesRegistry(db: Kysely<SynclineDatabase>): Promise<void> {
  await tables(db).deleteFrom('series_registry').execute();
}
