import type { Kysely } from 'kysely';
import type { SynclineDatabase } from './database.ts';

/** The mailbox whose copy of a shared meeting is the org's one Event (see migration 0018). */
export interface SharedMeetingOwnerRow {
  readonly meetingKey: string;
  readonly ownerMailboxId: string;
  /** Null until the owner's session has linked its copy to an Event. */
  readonly crmRecordId: string | null;
}

/** The response a mailbox that is not the owner gave in its own copy of a shared meeting. */
export interface SharedMeetingCopyRow {
  readonly meetingKey: string;
  readonly mailboxId: string;
  readonly address: string;
  readonly response: string;
}

/** Ownership of meetings that several synced mailboxes of one org hold copies of. */
export interface SharedMeetingRecords {
  /** Make `mailboxId` the owner of each key without an owner, then return every key's owner. Concurrent claims race on the key. */
  claimSharedMeetings(orgId: string, mailboxId: string, meetingKeys: readonly string[], at: string): Promise<Map<string, SharedMeetingOwnerRow>>;
  /** The owners of these keys, where there is one; writes nothing. */
  findSharedMeetings(orgId: string, meetingKeys: readonly string[]): Promise<Map<string, SharedMeetingOwnerRow>>;
  /** Record the Event of meetings `mailboxId` owns; keys another mailbox owns are left alone. */
  settleSharedMeetings(orgId: string, mailboxId: string, settled: readonly { meetingKey: string; crmRecordId: string }[]): Promise<void>;
  recordSharedMeetingCopies(orgId: string, copies: readonly SharedMeetingCopyRow[], at: string): Promise<void>;
  listSharedMeetingCopies(orgId: string, meetingKeys: readonly string[]): Promise<SharedMeetingCopyRow[]>;
}

type SharedMeetingTables = {
  shared_meetings: { org_id: string; meeting_key: string; owner_mailbox_id: string; crm_record_id: string | null; claimed_at: string };
  shared_meeting_copies: { org_id: string; meeting_key: string; mailbox_id: string; address: string; response: string; updated_at: string };
};

/** Rows per insert, well under SQLite's bound-parameter limit for six columns. */
const ROWS_PER_STATEMENT = 90;
const VALUES_PER_IN_LIST = 500;

function tables(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & SharedMeetingTables> {
  return db.withTables<SharedMeetingTables>();
}

/**
 * Insert a row per key and keep the one already there: on both databases the primary key lets exactly one of two
 * concurrent sessions insert it, and each then reads the winner.
 */
export async function claimSharedMeetings(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string, meetingKeys: readonly string[], at: string): Promise<Map<string, SharedMeetingOwnerRow>> {
  for (const keys of chunks([...new Set(meetingKeys)], ROWS_PER_STATEMENT)) {
    await tables(db)
      .insertInto('shared_meetings')
      .values(keys.map((key) => ({ org_id: orgId, meeting_key: key, owner_mailbox_id: mailboxId, crm_record_id: null, claimed_at: at })))
      .onConflict((conflict) => conflict.columns(['org_id', 'meeting_key']).doNothing())
      .execute();
  }
  return findSharedMeetings(db, orgId, meetingKeys);
}

export async function findSharedMeetings(db: Kysely<SynclineDatabase>, orgId: string, meetingKeys: readonly string[]): Promise<Map<string, SharedMeetingOwnerRow>> {
  const found = new Map<string, SharedMeetingOwnerRow>();
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

export async function recordSharedMeetingCopies(db: Kysely<SynclineDatabase>, orgId: string, copies: readonly SharedMeetingCopyRow[], at: string): Promise<void> {
  for (const rows of chunks(copies, ROWS_PER_STATEMENT)) {
    await tables(db)
      .insertInto('shared_meeting_copies')
      .values(rows.map((copy) => ({ org_id: orgId, meeting_key: copy.meetingKey, mailbox_id: copy.mailboxId, address: copy.address, response: copy.response, updated_at: at })))
      .onConflict((conflict) =>
        conflict.columns(['org_id', 'meeting_key', 'mailbox_id']).doUpdateSet((eb) => ({
          address: eb.ref('excluded.address'),
          response: eb.ref('excluded.response'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

export async function listSharedMeetingCopies(db: Kysely<SynclineDatabase>, orgId: string, meetingKeys: readonly string[]): Promise<SharedMeetingCopyRow[]> {
  const copies: SharedMeetingCopyRow[] = [];
  for (const keys of chunks([...new Set(meetingKeys)], VALUES_PER_IN_LIST)) {
    const rows = await tables(db).selectFrom('shared_meeting_copies').selectAll().where('org_id', '=', orgId).where('meeting_key', 'in', keys).orderBy('mailbox_id').execute();
    copies.push(...rows.map((row) => ({ meetingKey: row.meeting_key, mailboxId: row.mailbox_id, address: row.address, response: row.response })));
  }
  return copies;
}

/** Remove every row (sandbox reset). */
export async function clearSharedMeetings(db: Kysely<SynclineDatabase>): Promise<void> {
  await tables(db).deleteFrom('shared_meeting_copies').execute();
  await tables(db).deleteFrom('shared_meetings').execute();
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += size) {
    result.push(values.slice(start, start + size));
  }
  return result;
}
