import type { Kysely } from 'kysely';
import type { SessionReport } from '../domain/session-report.ts';
import type { SynclineDatabase } from './database.ts';
import { toSortableTime } from './row-values.ts';

/** Records a session's report; recording the same session id again replaces the earlier report. */
export async function recordSession(db: Kysely<SynclineDatabase>, report: SessionReport): Promise<void> {
  const row = {
    id: report.sessionId,
    mailbox_id: report.mailboxId,
    status: report.status,
    started_at: toSortableTime(report.startedAt, `session ${report.sessionId} startedAt`),
    ended_at: toSortableTime(report.endedAt, `session ${report.sessionId} endedAt`),
    report: JSON.stringify(report),
  };
  await db
    .insertInto('sessions')
    .values(row)
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({
        status: row.status,
        started_at: row.started_at,
        ended_at: row.ended_at,
        report: row.report,
      }),
    )
    .execute();
}

/** Newest first by start time; sessions that started in the same millisecond follow their ids, descending. */
export async function listSessions(
  db: Kysely<SynclineDatabase>,
  mailboxId: string,
  limit: number,
): Promise<SessionReport[]> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(`listSessions limit ${limit} is not a whole number of sessions: pass 0 or more`);
  }

  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'report'])
    .where('mailbox_id', '=', mailboxId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => parseReport(row.id, row.report));
}

function parseReport(id: string, json: string): SessionReport {
  try {
    return JSON.parse(json) as SessionReport;
  } catch (error) {
    throw new Error(`sessions.report of session ${id} is not valid JSON: fix or delete the row`, { cause: error });
  }
}
