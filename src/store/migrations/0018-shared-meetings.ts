import type { Kysely } from 'kysely';

/**
 * Meetings that several synced mailboxes of one org hold copies of. The first table gives each meeting (by org and a
 * hash of its iCalendar UID) exactly one owning mailbox, whose copy alone becomes the Salesforce Event: its primary
 * key is what two sessions racing on other workers contend for. The second keeps each other copy's own response, so
 * the owner's writes of the invitees do not overwrite it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shared_meetings')
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('meeting_key', 'text', (col) => col.notNull())
    .addColumn('owner_mailbox_id', 'text', (col) => col.notNull())
    // Null until the owner's session has linked its copy to an Event.
    .addColumn('crm_record_id', 'text')
    .addColumn('claimed_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('shared_meetings_pk', ['org_id', 'meeting_key'])
    .execute();

  await db.schema
    .createTable('shared_meeting_copies')
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('meeting_key', 'text', (col) => col.notNull())
    .addColumn('mailbox_id', 'text', (col) => col.notNull())
    .addColumn('address', 'text', (col) => col.notNull())
    .addColumn('response', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('shared_meeting_copies_pk', ['org_id', 'meeting_key', 'mailbox_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shared_meeting_copies').execute();
  await db.schema.dropTable('shared_meetings').execute();
}
