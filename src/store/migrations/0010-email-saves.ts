import type { Kysely } from 'kysely';

/**
 * The registry of saved emails and the email pipeline's own state. `email_saves` has one row per email an org saved
 * (keyed by the message key its Salesforce record carries), `email_mailbox_saves` one row per mailbox whose copy was
 * saved. `email_save_claims` are short leases that let one session at a time write an email. The cursor, retry list
 * and compose marks belong to each mailbox and are kept apart from the mirroring cursors.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_saves')
    .addColumn('org_id', 'text', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('message_key', 'text', (col) => col.notNull())
    .addColumn('message_id_hash', 'text')
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('message_date', 'text')
    .addColumn('sobject', 'text', (col) => col.notNull())
    .addColumn('record_id', 'text', (col) => col.notNull())
    // 0 or 1, the same on SQLite and PostgreSQL.
    .addColumn('add_in_email', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('saved_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('email_saves_pk', ['org_id', 'message_key'])
    .execute();
  // Replies find their saved thread by Message-ID or conversation; edits find the email by its record.
  await db.schema.createIndex('email_saves_message_id_hash').on('email_saves').columns(['org_id', 'message_id_hash']).execute();
  await db.schema.createIndex('email_saves_conversation_id').on('email_saves').columns(['org_id', 'conversation_id']).execute();
  await db.schema.createIndex('email_saves_record_id').on('email_saves').columns(['org_id', 'record_id']).execute();

  await db.schema
    .createTable('email_mailbox_saves')
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('message_key', 'text', (col) => col.notNull())
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('mailbox_item_id', 'text', (col) => col.notNull())
    .addColumn('saved_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('email_mailbox_saves_pk', ['org_id', 'message_key', 'mailbox_id'])
    .addForeignKeyConstraint('email_mailbox_saves_save_fk', ['org_id', 'message_key'], 'email_saves', ['org_id', 'message_key'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('email_save_claims')
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('message_key', 'text', (col) => col.notNull())
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('email_save_claims_pk', ['org_id', 'message_key'])
    .execute();

  await db.schema
    .createTable('email_cursors')
    .addColumn('mailbox_id', 'text', (col) => col.primaryKey().references('mailboxes.id').onDelete('cascade'))
    .addColumn('cursor', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('email_retries')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('mailbox_item_id', 'text', (col) => col.notNull())
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('message', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('email_retries_pk', ['mailbox_id', 'mailbox_item_id'])
    .execute();

  await db.schema
    .createTable('email_compose_marks')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('message_id_hash', 'text', (col) => col.notNull())
    .addColumn('marked_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('email_compose_marks_pk', ['mailbox_id', 'message_id_hash'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['email_compose_marks', 'email_retries', 'email_cursors', 'email_save_claims', 'email_mailbox_saves', 'email_saves']) {
    await db.schema.dropTable(table).execute();
  }
}
