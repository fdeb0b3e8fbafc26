import type { Kysely } from 'kysely';
import type { MeetingCopyResponse, MeetingHolderState, MeetingOwner } from '../sync/shared-meetings.ts';
import type { SynclineDatabase } from './database.ts';

type SharedMeetingTables = {
  shared_meetings: { org_id: string; meeting_key: string; owner_mailbox_id: string; crm_record_id: string | null; claimed_at: string };
  shared_meeting_copies: {
    org_id: string; meeting_key: string; mailbox_id: string; address: string; response: string; updated_at: string; mailbox_item_id: string | null; deferred_at: string | null;
  };
  shared_meeting_sessions: { org_id: string; mailbox_id: string; started_at: string; ended_at: string };
  mailbox_schedules: { mailbox_id: string; state: string };
};

/** Rows per insert, well under SQLite's bound-parameter limit for eight columns. */
const ROWS_PER_STATEMENT = 90;
const VALUES_PER_IN_LIST = 500;

function tables(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & SharedMeetingTables> {
  return db.withTables<SharedMeetingTables>();
}

/**
 * Insert a row per key and keep the one already there. On both databases the primary key lets exactly one of two
 * concurrent sessions insert it, and each then reads the winner. The keys go in sorted, so that concurrent sessions
 * lock them in one order: in two different orders, PostgreSQL can find a deadlock and fail one of the inserts.
 */
export async function claimSharedMeetings(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string, meetingKeys: readonly string[], at: string): Promise<Map<string, MeetingOwner>> {
  for (const keys of chunks([...new Set(meetingKeys)].sort(), ROWS_PER_STATEMENT)) {
    await tables(db)
      .insertInto('shared_meetings')
      .values(keys.map((key) => ({ org_id: orgId, meeting_key: key, owner_mailbox_id: mailboxId, crm_record_id: null, claimed_at: at })))
      .onConflict((conflict) => conflict.columns(['org_id', 'meeting_key']).doNothing())
      .execute();
  }
  return findSharedMeetings(db, orgId, meetingKeys);
}

export async function findSharedMeetings(db: Kysely<SynclineDatabase>, orgId: string, meetingKeys: readonly string[]): Promise<Map<string, MeetingOwner>> {
  const found = new Map<string, MeetingOwner>();
  for (const keys of chunks([...new Set(meetingKeys)], VALUES_PER_IN_LIST)) {
    const rows = await tables(db).selectFrom('shared_meetings').selectAll().where('org_id', '=', orgId).where('meeting_key', 'in', keys).execute();
    for (const row of rows) {
      found.set(row.meeting_key, { meetingKey: row.meeting_key, ownerMailboxId: row.owner_mailbox_id, crmRecordId: row.crm_record_id });
    }
  }
  return found;
}

export async function settleSharedMeetings(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string, settled: readonly { meetingKey: string; crmRecordId: string }[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const { meetingKey, crmRecordId } of settled) {
      await tables(trx)
        .updateTable('shared_meetings')
        .set({ crm_record_id: crmRecordId })
        .where('org_id', '=', orgId)
        .where('meeting_key', '=', meetingKey)
        .where('owner_mailbox_id', '=', mailboxId)
        .execute();
    }
  });
}

export async function recordSharedMeetingCopies(db: Kysely<SynclineDatabase>, orgId: string, copies: readonly MeetingCopyResponse[], at: string): Promise<void> {
  for (const rows of chunks(copies, ROWS_PER_STATEMENT)) {
    await tables(db)
      .insertInto('shared_meeting_copies')
      .values(rows.map((copy) => ({
        org_id: orgId, meeting_key: copy.meetingKey, mailbox_id: copy.mailboxId, address: copy.address, response: copy.response, updated_at: at,
        mailbox_item_id: copy.mailboxItemId ?? null, deferred_at: copy.deferredAt ?? null,
      })))
      .onConflict((conflict) =>
        conflict.columns(['org_id', 'meeting_key', 'mailbox_id']).doUpdateSet((eb) => ({
          address: eb.ref('excluded.address'),
          response: eb.ref('excluded.response'),
          updated_at: eb.ref('excluded.updated_at'),
          mailbox_item_id: eb.ref('excluded.mailbox_item_id'),
          // Only the first wait counts, because an organizer's session after it shows the organizer did not write the meeting.
          deferred_at: eb.fn.coalesce('shared_meeting_copies.deferred_at', 'excluded.deferred_at'),
        })),
      )
      .execute();
  }
}

export async function listSharedMeetingCopies(db: Kysely<SynclineDatabase>, orgId: string, meetingKeys: readonly string[]): Promise<MeetingCopyResponse[]> {
  const copies: MeetingCopyResponse[] = [];
  for (const keys of chunks([...new Set(meetingKeys)], VALUES_PER_IN_LIST)) {
    const rows = await tables(db).selectFrom('shared_meeting_copies').selectAll().where('org_id', '=', orgId).where('meeting_key', 'in', keys).orderBy('mailbox_id').execute();
    copies.push(...rows.map((row) => ({
      meetingKey: row.meeting_key, mailboxId: row.mailbox_id, address: row.address, response: row.response, mailboxItemId: row.mailbox_item_id, deferredAt: row.deferred_at,
    })));
  }
  return copies;
}

export async function listUnownedMeetingCopies(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string): Promise<{ meetingKey: string; mailboxItemId: string }[]> {
  const rows = await tables(db)
    .selectFrom('shared_meeting_copies as copy')
    .select(['copy.meeting_key', 'copy.mailbox_item_id'])
    .where('copy.org_id', '=', orgId)
    .where('copy.mailbox_id', '=', mailboxId)
    .where('copy.mailbox_item_id', 'is not', null)
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('shared_meetings as owner').select('owner.meeting_key').whereRef('owner.org_id', '=', 'copy.org_id').whereRef('owner.meeting_key', '=', 'copy.meeting_key'),
    )))
    .orderBy('copy.meeting_key')
    .execute();
  return rows.flatMap((row) => (row.mailbox_item_id === null ? [] : [{ meetingKey: row.meeting_key, mailboxItemId: row.mailbox_item_id }]));
}

export async function forgetMeetingCopyItems(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string, mailboxItemIds: readonly string[]): Promise<void> {
  for (const ids of chunks([...new Set(mailboxItemIds)], VALUES_PER_IN_LIST)) {
    await tables(db).updateTable('shared_meeting_copies').set({ mailbox_item_id: null }).where('org_id', '=', orgId).where('mailbox_id', '=', mailboxId).where('mailbox_item_id', 'in', ids).execute();
  }
}

export async function releaseSharedMeetings(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string, crmRecordIds: readonly string[]): Promise<number> {
  let released = 0;
  for (const ids of chunks([...new Set(crmRecordIds)], VALUES_PER_IN_LIST)) {
    const result = await tables(db).deleteFrom('shared_meetings').where('org_id', '=', orgId).where('owner_mailbox_id', '=', mailboxId).where('crm_record_id', 'in', ids).executeTakeFirst();
    released += Number(result.numDeletedRows);
  }
  return released;
}

export async function recordSharedMeetingSession(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string, startedAt: string, endedAt: string): Promise<void> {
  await tables(db)
    .insertInto('shared_meeting_sessions')
    .values({ org_id: orgId, mailbox_id: mailboxId, started_at: startedAt, ended_at: endedAt })
    .onConflict((conflict) => conflict.columns(['org_id', 'mailbox_id']).doUpdateSet((eb) => ({ started_at: eb.ref('excluded.started_at'), ended_at: eb.ref('excluded.ended_at') })))
    .execute();
}

export async function sharedMeetingHolderStates(db: Kysely<SynclineDatabase>, orgId: string, mailboxIds: readonly string[]): Promise<Map<string, MeetingHolderState>> {
  const found = new Map<string, MeetingHolderState>();
  for (const ids of chunks([...new Set(mailboxIds)], VALUES_PER_IN_LIST)) {
    const schedules = await tables(db).selectFrom('mailbox_schedules').select(['mailbox_id', 'state']).where('mailbox_id', 'in', ids).execute();
    const sessions = await tables(db).selectFrom('shared_meeting_sessions').select(['mailbox_id', 'started_at']).where('org_id', '=', orgId).where('mailbox_id', 'in', ids).execute();
    const states = new Map(schedules.map((row) => [row.mailbox_id, row.state]));
    const started = new Map(sessions.map((row) => [row.mailbox_id, row.started_at]));
    for (const id of ids) {
      found.set(id, { state: states.get(id) ?? null, lastSessionStartedAt: started.get(id) ?? null });
    }
  }
  return found;
}

/** Remove every row (sandbox reset). */
export async function clearSharedMeetings(db: Kysely<SynclineDatabase>): Promise<void> {
  await tables(db).deleteFrom('shared_meeting_copies').execute();
  await tables(db).deleteFrom('shared_meetings').execute();
  await tables(db).deleteFrom('shared_meeting_sessions').execute();
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += size) {
    result.push(values.slice(start, start + size));
  }
  return result;
}
