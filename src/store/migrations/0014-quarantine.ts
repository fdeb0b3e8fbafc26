import type { Kysely } from 'kysely';

/**
 * Admin review of what sessions delete and decide: the quarantine of items the engine deleted, the deletions the
 * mass-delete breaker held back with the admin's decision, and requests to undo a conflict decision. The ledger
 * gains a column that ties an undo to the decision it reverses.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('quarantine')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('side', 'text', (col) => col.notNull())
    .addColumn('item_id', 'text', (col) => col.notNull())
    .addColumn('other_item_id', 'text')
    .addColumn('sync_id', 'text', (col) => col.notNull())
    // JSON of the pair's last mapped values.
    .addColumn('item_values', 'text', (col) => col.notNull())
    .addColumn('origin', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('deleted_at', 'text', (col) => col.notNull())
    .addColumn('restore_requested_at', 'text')
    .addColumn('restored_at', 'text')
    .execute();
  // Listing and purging go by mailbox and age.
  await db.schema.createIndex('quarantine_mailbox_deleted_at').on('quarantine').columns(['mailbox_id', 'deleted_at']).execute();

  await db.schema
    .createTable('held_deletions')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('sync_id', 'text', (col) => col.notNull())
    .addColumn('side', 'text', (col) => col.notNull())
    .addColumn('item_id', 'text', (col) => col.notNull())
    .addColumn('held_at', 'text', (col) => col.notNull())
    .addColumn('decision', 'text')
    .addPrimaryKeyConstraint('held_deletions_pk', ['mailbox_id', 'object_kind', 'sync_id'])
    .execute();

  await db.schema
    .createTable('conflict_undos')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('sync_id', 'text', (col) => col.notNull())
    .addColumn('field', 'text', (col) => col.notNull())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('side', 'text', (col) => col.notNull())
    .addColumn('requested_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('conflict_undos_pk', ['mailbox_id', 'object_kind', 'seq'])
    .execute();

  await db.schema.alterTable('conflicts').addColumn('undoes', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conflicts').dropColumn('undoes').execute();
  await db.schema.dropTable('conflict_undos').execute();
  await db.schema.dropTable('held_deletions').execute();
  await db.schema.dropTable('quarantine').execute();
}
