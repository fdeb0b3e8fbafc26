import type pg from 'pg';

/** First key of the lock; the second is the hash of the job schema's name. */
const MIGRATION_LOCK_NAMESPACE = 0x5359_4d49;

/**
 * Run `migrate` while holding a PostgreSQL advisory lock for the job schema, so worker processes that start
 * together migrate one after the other. graphile-worker takes no such lock itself. Two processes migrating at once
 * can both apply the same revision, and the NOTIFY of a breaking revision then shuts down every worker that has
 * already started.
 */
export async function migrateOneAtATime(pool: pg.Pool, jobSchema: string, migrate: () => Promise<void>): Promise<void> {
  const client = await pool.connect();
  let locked = false;
  try {
    await client.query('select pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, jobSchema]);
    locked = true;
    await migrate();
  } finally {
    const unlock = () => client.query('select pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, jobSchema]);
    const unlocked = locked ? await unlock().then(() => true, () => false) : true;
    // A connection that could not unlock may still hold the lock: closing it is the only sure way to free it.
    client.release(!unlocked);
  }
}
