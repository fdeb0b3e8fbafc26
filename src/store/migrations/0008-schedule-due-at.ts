import { sql, type Kysely } from 'kysely';

/**
 * `due_at`: when the planner of distributed mode next looks at a mailbox, kept beside the schedule on every save.
 * It is `next_session_at` while the mailbox is active or syncing (the Unix epoch when no time is set, which means
 * at once), `resume_at` while an error suspension waits for its automatic resume, and null while only a person can
 * start sessions again. One index on it lets the planner read the due rows oldest first, with a limit per round,
 * instead of every schedule. It replaces the index on `next_session_at`, which nothing reads any more.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mailbox_schedules').addColumn('due_at', 'text').execute();
  await sql`
    update mailbox_schedules set due_at = case
      when state in ('active', 'syncing') then coalesce(next_session_at, '1970-01-01T00:00:00.000Z')
      when state = 'suspendedByError' then resume_at
      else null
    end
  `.execute(db);
  await db.schema.createIndex('mailbox_schedules_due_at').on('mailbox_schedules').column('due_at').execute();
  await db.schema.dropIndex('mailbox_schedules_next_session_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('mailbox_schedules_next_session_at').on('mailbox_schedules').column('next_session_at').execute();
  await db.schema.dropIndex('mailbox_schedules_due_at').execute();
  await db.schema.alterTable('mailbox_schedules').dropColumn('due_at').execute();
}
