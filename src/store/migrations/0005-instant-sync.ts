import type { Kysely } from 'kysely';

/**
 * What instant sync keeps. One row per mailbox with a change notification subscription: Graph's subscription id,
 * the secret clientState Graph echoes in each notification, the change types it covers and when it expires, so a
 * restarted process renews the subscription it has instead of creating another and still recognises Graph's calls.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mailbox_subscriptions')
    .addColumn('mailbox_id', 'text', (col) => col.primaryKey().references('mailboxes.id').onDelete('cascade'))
    .addColumn('subscription_id', 'text', (col) => col.notNull().unique())
    .addColumn('client_state', 'text', (col) => col.notNull())
    .addColumn('change_types', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  // A change stream names Salesforce records without their mailbox; this finds the mailboxes that link them.
  await db.schema.createIndex('links_crm_record_id').on('links').column('crm_record_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('links_crm_record_id').execute();
  await db.schema.dropTable('mailbox_subscriptions').execute();
}
