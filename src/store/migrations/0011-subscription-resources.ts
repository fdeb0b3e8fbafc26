import { sql, type Kysely } from 'kysely';

/**
 * A mailbox gets one change notification subscription per watched resource (its calendar, its Inbox, its Sent
 * Items) instead of one in all. The primary key becomes mailbox and resource; rows of 0005 watched the calendar.
 * SQLite cannot change a primary key in place, so the rows move through a holding table on both databases.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table mailbox_subscriptions_0011 as select mailbox_id, subscription_id, client_state, change_types, expires_at, updated_at from mailbox_subscriptions`.execute(db);
  await db.schema.dropTable('mailbox_subscriptions').execute();

  await db.schema
    .createTable('mailbox_subscriptions')
    .addColumn('mailbox_id', 'text', (col) => col.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('resource', 'text', (col) => col.notNull())
    .addColumn('subscription_id', 'text', (col) => col.notNull())
    .addColumn('client_state', 'text', (col) => col.notNull())
    .addColumn('change_types', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('mailbox_subscriptions_resource_pk', ['mailbox_id', 'resource'])
    .addUniqueConstraint('mailbox_subscriptions_id_unique', ['subscription_id'])
    .execute();

  await sql`insert into mailbox_subscriptions (mailbox_id, resource, subscription_id, client_state, change_types, expires_at, updated_at)
    select mailbox_id, 'events', subscription_id, client_state, change_types, expires_at, updated_at from mailbox_subscriptions_0011`.execute(db);
  await db.schema.dropTable('mailbox_subscriptions_0011').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create table mailbox_subscriptions_0011 as select mailbox_id, subscription_id, client_state, change_types, expires_at, updated_at from mailbox_subscriptions where resource = 'events'`.execute(db);
  await db.schema.dropTable('mailbox_subscriptions').execute();

  await db.schema
    .createTable('mailbox_subscriptions')
    .addColumn('mailbox_id', 'text', (col) => col.primaryKey().references('mailboxes.id').onDelete('cascade'))
    .addColumn('subscription_id', 'text', (col) => col.notNull().unique())
    .addColumn('client_state', 'text', (col) => col.notNull())
    .addColumn('change_types', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await sql`insert into mailbox_subscriptions select * from mailbox_subscriptions_0011`.execute(db);
  await db.schema.dropTable('mailbox_subscriptions_0011').execute();
}
