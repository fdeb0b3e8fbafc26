import type { Kysely } from 'kysely';

/** One row per mailbox whose session is running: the lease that keeps a second session of it from starting. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session_leases')
    .addColumn('mailbox_id', 'text', (col) => col.primaryKey().references('mailboxes.id').onDelete('cascade'))
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_leases').execute();
}
