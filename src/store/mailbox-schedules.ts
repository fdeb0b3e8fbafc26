import type { Kysely, Selectable } from 'kysely';
import { MAILBOX_STATES, type MailboxSchedule, type MailboxState } from '../domain/mailbox-state.ts';
import type { SynclineDatabase } from './database.ts';
import { toSortableTime } from './row-values.ts';

type MailboxSchedulesTable = {
  mailbox_id: string;
  state: string;
  reason: string | null;
  resume_at: string | null;
  next_session_at: string | null;
  last_session_at: string | null;
  last_status: string | null;
  failure_count: number;
};

type SchedulesDatabase = {
  mailbox_schedules: MailboxSchedulesTable;
};

/** Returns the database typed with the schedule table, which is declared here beside its queries (migration 0004). */
function schedules(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & SchedulesDatabase> {
  return db.withTables<SchedulesDatabase>();
}

export async function loadSchedule(db: Kysely<SynclineDatabase>, mailboxId: string): Promise<MailboxSchedule | null> {
  const row = await schedules(db).selectFrom('mailbox_schedules').selectAll().where('mailbox_id', '=', mailboxId).executeTakeFirst();
  return row ? toSchedule(row) : null;
}

export async function listSchedules(db: Kysely<SynclineDatabase>, orgId?: string): Promise<MailboxSchedule[]> {
  let query = schedules(db).selectFrom('mailbox_schedules').innerJoin('mailboxes', 'mailboxes.id', 'mailbox_schedules.mailbox_id').selectAll('mailbox_schedules').orderBy('mailbox_schedules.mailbox_id');
  if (orgId !== undefined) {
    query = query.where('mailboxes.org_id', '=', orgId);
  }
  const rows = await query.execute();
  return rows.map(toSchedule);
}

export async function saveSchedule(db: Kysely<SynclineDatabase>, schedule: MailboxSchedule): Promise<void> {
  const where = `schedule of mailbox ${schedule.mailboxId}`;
  const time = (value: string | null, field: string) => (value === null ? null : toSortableTime(value, `${where} ${field}`));
  if (!Number.isInteger(schedule.failureCount) || schedule.failureCount < 0) {
    throw new Error(`${where} has failureCount ${schedule.failureCount}; pass a whole number of 0 or more`);
  }

  const row = {
    state: readState(schedule.state, where),
    reason: schedule.reason,
    resume_at: time(schedule.resumeAt, 'resumeAt'),
    next_session_at: time(schedule.nextSessionAt, 'nextSessionAt'),
    last_session_at: time(schedule.lastSessionAt, 'lastSessionAt'),
    last_status: schedule.lastStatus,
    failure_count: schedule.failureCount,
  };
  await schedules(db)
    .insertInto('mailbox_schedules')
    .values({ mailbox_id: schedule.mailboxId, ...row })
    .onConflict((conflict) => conflict.column('mailbox_id').doUpdateSet(row))
    .execute();
}

export async function clearSchedules(db: Kysely<SynclineDatabase>): Promise<void> {
  await schedules(db).deleteFrom('mailbox_schedules').execute();
}

function toSchedule(row: Selectable<MailboxSchedulesTable>): MailboxSchedule {
  return {
    mailboxId: row.mailbox_id,
    state: readState(row.state, `mailbox_schedules.state of mailbox ${row.mailbox_id}`),
    reason: row.reason,
    resumeAt: row.resume_at,
    nextSessionAt: row.next_session_at,
    lastSessionAt: row.last_session_at,
    lastStatus: row.last_status,
    // PostgreSQL's driver may hand integers back as numbers or text depending on the column type; normalise.
    failureCount: Number(row.failure_count),
  };
}

function readState(value: string, where: string): MailboxState {
  if ((MAILBOX_STATES as readonly string[]).includes(value)) {
    return value as MailboxState;
  }
  throw new Error(`${where} is "${value}"; expected one of ${MAILBOX_STATES.join(', ')}: fix the row`);
}
