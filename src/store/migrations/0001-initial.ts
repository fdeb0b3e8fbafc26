import type { Kysely } from 'kysely';

/**
 * The first schema. Only portable column types are used (text, integer) so one migration serves SQLite and
 * PostgreSQL; this is also why the conflict ledger numbers its rows itself instead of using an auto-increment
 * column, which the two dialects spell differently.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createAccountTables(db);
  await createLinkTables(db);
  await createLedgerTables(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sessions', 'conflicts', 'pending_items', 'intents', 'cursors', 'links', 'mailboxes', 'orgs']) {
    await db.schema.dropTable(table).execute();
  }
}

async function createAccountTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('mailboxes')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('org_id', 'text', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('address', 'text', (col) => col.notNull())
    .addColumn('time_zone', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('mailboxes_org_id').on('mailboxes').column('org_id').execute();
}

async function createLinkTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('links')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('sync_id', 'text', (col) => col.notNull())
    .addColumn('mailbox_item_id', 'text', (col) => col.notNull())
    .addColumn('crm_record_id', 'text', (col) => col.notNull())
    .addColumn('mailbox_version', 'text')
    .addColumn('crm_version', 'text')
    .addColumn('base', 'text', (col) => col.notNull())
    .addColumn('base_hash', 'text', (col) => col.notNull())
    .addColumn('origin', 'text', (col) => col.notNull())
    .addColumn('tombstone', 'text')
    .addPrimaryKeyConstraint('links_pk', ['mailbox_id', 'object_kind', 'sync_id'])
    .execute();
  await db.schema
    .createIndex('links_mailbox_item')
    .on('links')
    .columns(['mailbox_id', 'object_kind', 'mailbox_item_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('links_crm_record')
    .on('links')
    .columns(['mailbox_id', 'object_kind', 'crm_record_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('cursors')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('side', 'text', (col) => col.notNull())
    .addColumn('cursor', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('cursors_pk', ['mailbox_id', 'object_kind', 'side'])
    .execute();

  await db.schema
    .createTable('intents')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('sync_id', 'text', (col) => col.notNull())
    .addColumn('source_side', 'text', (col) => col.notNull())
    .addColumn('source_id', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('intents_pk', ['mailbox_id', 'object_kind', 'sync_id'])
    .execute();
  await db.schema
    .createIndex('intents_source')
    .on('intents')
    .columns(['mailbox_id', 'object_kind', 'source_side', 'source_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('pending_items')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('side', 'text', (col) => col.notNull())
    .addColumn('item_id', 'text', (col) => col.notNull())
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('message', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('pending_items_pk', ['mailbox_id', 'object_kind', 'side', 'item_id'])
    .execute();
}

/**
 * Item errors stay inside the session's report JSON rather than in a table of their own: a report is written
 * once and always read whole, and the errors that still need work are tracked per item in pending_items.
 */
async function createLedgerTables(db: Kysely<unknown>): Promise<void> {
  // seq numbers one mailbox's decisions in commit order; the primary key makes two commits that claim the same
  // number (two sessions of one mailbox at once, which the scheduler forbids) fail instead of interleaving.
  await db.schema
    .createTable('conflicts')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('sync_id', 'text', (col) => col.notNull())
    .addColumn('field', 'text', (col) => col.notNull())
    .addColumn('base_value', 'text', (col) => col.notNull())
    .addColumn('mailbox_value', 'text', (col) => col.notNull())
    .addColumn('crm_value', 'text', (col) => col.notNull())
    .addColumn('winner', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('conflicts_pk', ['mailbox_id', 'object_kind', 'seq'])
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('ended_at', 'text', (col) => col.notNull())
    .addColumn('report', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('sessions_mailbox_started').on('sessions').columns(['mailbox_id', 'started_at']).execute();
}
