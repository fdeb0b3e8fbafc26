import type { Kysely } from 'kysely';

/**
 * One row per scheduled mailbox: its state (active, syncing, suspended…), why it is suspended, and when its next
 * session or automatic resume is due, so a restarted process continues the schedule where it stopped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mailbox_schedules')
    .addColumn('mailbox_id', 'text', (col) => col.primaryKey().references('mailboxes.id').onDelete('cascade'))
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('resume_at', 'text')
    .addColumn('next_session_at', 'text')
    .addColumn('last_session_at', 'text')
    .addColumn('last_status', 'text')
    .addColumn('failure_count', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // Workers look for due sessions by time.
  await db.schema.createIndex('mailbox_schedules_next_session_at').on('mailbox_schedules').column('next_session_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mailbox_schedules').execute();
}
