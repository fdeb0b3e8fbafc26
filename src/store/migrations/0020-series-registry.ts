import type { Kysely } from 'kysely';

/**
 * The Salesforce event series that series mode wrote, one row per mailbox series. A row is recorded before the series
 * insert and names the insert's sync id, so that a session after a crash finds the series by that sync id and pairs
 * Salesforce's generated occurrences with the mailbox's instead of writing them again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('series_registry')
    .addColumn('mailbox_id', 'text', (col) => col.notNull())
    .addColumn('mailbox_series_id', 'text', (col) => col.notNull())
    .addColumn('head_sync_id', 'text', (col) => col.notNull())
    // Null until the insert's result is known; a later session fills it from the head Event, or drops the row.
    .addColumn('crm_series_id', 'text')
    // JSON array of the generated occurrence Event ids, null until a session reads them.
    .addColumn('member_ids', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('series_registry_pk', ['mailbox_id', 'mailbox_series_id'])
    .execute();
  // A pulled Event names its series by Salesforce id.
  await db.schema.createIndex('series_registry_crm').on('series_registry').columns(['mailbox_id', 'crm_series_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('series_registry_crm').execute();
  await db.schema.dropTable('series_registry').execute();
}
