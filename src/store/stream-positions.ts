import type { Kysely } from 'kysely';
import type { SynclineDatabase } from './database.ts';

type StreamPositionsTable = {
  org_id: string;
  channel: string;
  /** Decimal text of the replay id (see migration 0002). */
  replay_id: string;
  updated_at: string;
};

type StreamPositionsDatabase = {
  stream_positions: StreamPositionsTable;
};

/** Returns the database typed with the stream position table, which is declared here beside its queries. */
function positions(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & StreamPositionsDatabase> {
  return db.withTables<StreamPositionsDatabase>();
}

export async function loadReplayId(db: Kysely<SynclineDatabase>, orgId: string, channel: string): Promise<number | null> {
  const row = await positions(db)
    .selectFrom('stream_positions')
    .select('replay_id')
    .where('org_id', '=', orgId)
    .where('channel', '=', channel)
    .executeTakeFirst();
  return row === undefined ? null : Number(row.replay_id);
}

export async function saveReplayId(db: Kysely<SynclineDatabase>, orgId: string, channel: string, replayId: number): Promise<void> {
  if (!Number.isSafeInteger(replayId)) {
    throw new Error(`Replay id ${String(replayId)} for ${channel} is not a whole number: pass the replayId of a received event`);
  }
  const row = { org_id: orgId, channel, replay_id: String(replayId), updated_at: new Date().toISOString() };
  await positions(db)
    .insertInto('stream_positions')
    .values(row)
    .onConflict((conflict) =>
      conflict.columns(['org_id', 'channel']).doUpdateSet({ replay_id: row.replay_id, updated_at: row.updated_at }),
    )
    .execute();
}

/** Deletes every stored position; `truncateAll` runs it before the org rows go. */
export async function clearReplayIds(db: Kysely<SynclineDatabase>): Promise<void> {
  await positions(db).deleteFrom('stream_positions').execute();
}
