import type { Kysely } from 'kysely';

/**
 * The base each pair will have once a session's writes land, recorded before the writes. After a crash between
 * the writes and the commit, the next session tells the engine's own landed writes from people's edits with it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('planned_bases')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('sync_id', 'text', (col) => col.notNull())
    // JSON of the planned base, the base it was planned against and the sides each field is written to.
    .addColumn('base', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('planned_bases_pk', ['mailbox_id', 'object_kind', 'sync_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('planned_bases').execute();
}
