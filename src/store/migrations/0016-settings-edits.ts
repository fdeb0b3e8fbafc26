import type { Kysely } from 'kysely';

/**
 * Settings edited in the admin console and the dashboard. The configuration file stays the base; a row holds the
 * sections a person changed, in the file's own shape, and overrides those sections only. `mailbox_id` is the empty
 * text for the org's own edit, because a primary key column cannot be null on PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('settings_edits')
    .addColumn('org_id', 'text', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('mailbox_id', 'text', (col) => col.notNull())
    // JSON object of the edited sections.
    .addColumn('sections', 'text', (col) => col.notNull())
    .addColumn('changed_by', 'text', (col) => col.notNull())
    .addColumn('changed_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('settings_edits_pk', ['org_id', 'mailbox_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('settings_edits').execute();
}
