import type { Kysely } from 'kysely';

/**
 * Replay ids of change streams, one row per org and channel. The replay id is text: Salesforce defines it as a
 * 64-bit number, which PostgreSQL's `integer` cannot hold and its `bigint` would hand back as a string anyway.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stream_positions')
    .addColumn('org_id', 'text', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('replay_id', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('stream_positions_pk', ['org_id', 'channel'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stream_positions').execute();
}
