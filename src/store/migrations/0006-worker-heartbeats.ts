import type { Kysely } from 'kysely';

/**
 * One row per running worker process of distributed mode, refreshed every few seconds. A row that stops being
 * refreshed belongs to a process that died, and a live worker then frees the jobs that process held.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('worker_heartbeats')
    .addColumn('worker_id', 'text', (col) => col.primaryKey())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('beat_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('worker_heartbeats').execute();
}
