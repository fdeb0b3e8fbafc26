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
  /** When the planner next looks at the mailbox (migration 0008); derived from the state on every save. */
  due_at: string | null;
};

type SchedulesDatabase = {
  mailbox_schedules: MailboxSchedulesTable;
};

/** Schedule queries beyond ScheduleStore: the planner's due rows and the rows added for new mailboxes. */
export interface ScheduleQueries {
  /**
   * Schedules whose session or automatic resume is due at `now` (ISO), oldest due first, at most `limit`. Mailboxes
   * suspended by a person or disconnected are never due.
   */
  listDueSchedules(now: string, limit: number): Promise<MailboxSchedule[]>;
  /** Save each schedule whose mailbox has none yet and leave existing ones as they are; returns the ids added. */
  addMissingSchedules(schedules: readonly MailboxSchedule[]): Promise<string[]>;
}

/** `due_at` of an active mailbox with no time set: due at once, and before every mailbox with a time. */
const DUE_AT_ONCE = '1970-01-01T00:00:00.000Z';

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

export async function listDueSchedules(db: Kysely<SynclineDatabase>, now: string, limit: number): Promise<MailboxSchedule[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a whole number of 1 or more, got ${limit}`);
  }
  const rows = await schedules(db)
    .selectFrom('mailbox_schedules')
    .selectAll()
    .where('due_at', '<=', toSortableTime(now, 'listDueSchedules now'))
    .orderBy('due_at')
    .orderBy('mailbox_id')
    .limit(limit)
    .execute();
  return rows.map(toSchedule);
}

export async function saveSchedule(db: Kysely<SynclineDatabase>, schedule: MailboxSchedule): Promise<void> {
  const row = toRow(schedule);
  await schedules(db)
    .insertInto('mailbox_schedules')
    .values({ mailbox_id: schedule.mailboxId, ...row })
    .onConflict((conflict) => conflict.column('mailbox_id').doUpdateSet(row))
    .execute();
}

export async function addMissingSchedules(db: Kysely<SynclineDatabase>, added: readonly MailboxSchedule[]): Promise<string[]> {
  const ids: string[] = [];
  // A restart adds few rows or none: one read of the stored ids spares a statement per configured mailbox.
  const stored = new Set((await schedules(db).selectFrom('mailbox_schedules').select('mailbox_id').execute()).map((row) => row.mailbox_id));
  // One statement per row: a conflict skips only that row, on both databases, even when two processes add at once.
  for (const schedule of added) {
    if (stored.has(schedule.mailboxId)) {
      continue;
    }
    const inserted = await schedules(db)
      .insertInto('mailbox_schedules')
      .values({ mailbox_id: schedule.mailboxId, ...toRow(schedule) })
      .onConflict((conflict) => conflict.column('mailbox_id').doNothing())
      .returning('mailbox_id')
      .executeTakeFirst();
    if (inserted !== undefined) {
      ids.push(inserted.mailbox_id);
    }
  }
  return ids;
}

export async function clearSchedules(db: Kysely<SynclineDatabase>): Promise<void> {
  await schedules(db).deleteFrom('mailbox_schedules').execute();
}

function toRow(schedule: MailboxSchedule): Omit<MailboxSchedulesTable, 'mailbox_id'> {
  const where = `schedule of mailbox ${schedule.mailboxId}`;
  const time = (value: string | null, field: string) => (value === null ? null : toSortableTime(value, `${where} ${field}`));
  if (!Number.isInteger(schedule.failureCount) || schedule.failureCount < 0) {
    throw new Error(`${where} has failureCount ${schedule.failureCount}; pass a whole number of 0 or more`);
  }

  const state = readState(schedule.state, where);
  const resumeAt = time(schedule.resumeAt, 'resumeAt');
  const nextSessionAt = time(schedule.nextSessionAt, 'nextSessionAt');
  return {
    state,
    reason: schedule.reason,
    resume_at: resumeAt,
    next_session_at: nextSessionAt,
    last_session_at: time(schedule.lastSessionAt, 'lastSessionAt'),
    last_status: schedule.lastStatus,
    failure_count: schedule.failureCount,
    due_at: dueAt(state, nextSessionAt, resumeAt),
  };
}

/** Derive `due_at` by the rule of migration 0008's backfill; the schedulers read a null next session as now. */
function dueAt(state: MailboxState, nextSessionAt: string | null, resumeAt: string | null): string | null {
  switch (state) {
    case 'active':
    case 'syncing':
      return nextSessionAt ?? DUE_AT_ONCE;
    case 'suspendedByError':
      return resumeAt;
    case 'suspendedByUser':
    case 'disconnected':
      return null;
  }
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
