import { sql, type Kysely } from 'kysely';

/**
 * A session that applied everything is now reported as `ok`, the word the API, the CLI's JSON and the docs use; it
 * was `success`. Sessions already recorded are renamed too, so history reads the same as new sessions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await rename(db, 'success', 'ok');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rename(db, 'ok', 'success');
}

async function rename(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  // The stored report is the session's JSON; its status fields are written without spaces.
  const fromJson = `"status":"${from}"`;
  const toJson = `"status":"${to}"`;
  await sql`update sessions set status = ${to}, report = replace(report, ${fromJson}, ${toJson}) where status = ${from}`.execute(db);
  await sql`update mailbox_schedules set last_status = ${to} where last_status = ${from}`.execute(db);
}
