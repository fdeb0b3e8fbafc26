import type { Kysely } from 'kysely';
import type { SynclineDatabase } from './database.ts';

/** The live worker processes of distributed mode, as far as their heartbeats tell. */
export interface WorkerHeartbeats {
  /** Record that `workerId` is alive at `at` (ISO); the first beat also records when it started. */
  beatWorker(workerId: string, at: string): Promise<void>;
  /** Ids of the workers whose last beat is older than `before` (ISO). */
  listStaleWorkers(before: string): Promise<string[]>;
  /** Ids of the workers that beat at `since` (ISO) or later. */
  listLiveWorkers(since: string): Promise<string[]>;
  /** Remove the heartbeat rows of these workers: stopped cleanly, or found dead and cleaned up after. */
  forgetWorkers(workerIds: readonly string[]): Promise<void>;
}

type HeartbeatsDatabase = {
  worker_heartbeats: { worker_id: string; started_at: string; beat_at: string };
};

/** Type the database with the heartbeat table, declared here beside its queries (migration 0006). */
function heartbeats(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & HeartbeatsDatabase> {
  return db.withTables<HeartbeatsDatabase>();
}

export async function beatWorker(db: Kysely<SynclineDatabase>, workerId: string, at: string): Promise<void> {
  await heartbeats(db)
    .insertInto('worker_heartbeats')
    .values({ worker_id: workerId, started_at: at, beat_at: at })
    .onConflict((conflict) => conflict.column('worker_id').doUpdateSet({ beat_at: at }))
    .execute();
}

export async function listStaleWorkers(db: Kysely<SynclineDatabase>, before: string): Promise<string[]> {
  const rows = await heartbeats(db).selectFrom('worker_heartbeats').select('worker_id').where('beat_at', '<', before).orderBy('worker_id').execute();
  return rows.map((row) => row.worker_id);
}

export async function listLiveWorkers(db: Kysely<SynclineDatabase>, since: string): Promise<string[]> {
  const rows = await heartbeats(db).selectFrom('worker_heartbeats').select('worker_id').where('beat_at', '>=', since).orderBy('worker_id').execute();
  return rows.map((row) => row.worker_id);
}

export async function forgetWorkers(db: Kysely<SynclineDatabase>, workerIds: readonly string[]): Promise<void> {
  if (workerIds.length === 0) {
    return;
  }
  await heartbeats(db).deleteFrom('worker_heartbeats').where('worker_id', 'in', [...workerIds]).execute();
}

export async function clearWorkerHeartbeats(db: Kysely<SynclineDatabase>): Promise<void> {
  await heartbeats(db).deleteFrom('worker_heartbeats').execute();
}
