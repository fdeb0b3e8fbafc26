import type { Kysely } from 'kysely';

/**
 * Lets a meeting's Event change hands instead of being lost. Each copy left out of the plan keeps the id of its item,
 * so its mailbox reads it again while the meeting has no owner, and the instant it first waited for a synced
 * organizer. The third table keeps when each mailbox last finished a calendar session, so an attendee can tell an
 * organizer who read the meeting and did not write it from one who has not run yet.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shared_meeting_copies').addColumn('mailbox_item_id', 'text').execute();
  await db.schema.alterTable('shared_meeting_copies').addColumn('deferred_at', 'text').execute();
  // Every calendar session lists its own copies of meetings nobody owns.
  await db.schema.createIndex('shared_meeting_copies_mailbox').on('shared_meeting_copies').columns(['org_id', 'mailbox_id']).execute();

  await db.schema
    .createTable('shared_meeting_sessions')
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('mailbox_id', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('ended_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('shared_meeting_sessions_pk', ['org_id', 'mailbox_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shared_meeting_sessions').execute();
  await db.schema.dropIndex('shared_meeting_copies_mailbox').execute();
  await db.schema.alterTable('shared_meeting_copies').dropColumn('deferred_at').execute();
  await db.schema.alterTable('shared_meeting_copies').dropColumn('mailbox_item_id').execute();
}
