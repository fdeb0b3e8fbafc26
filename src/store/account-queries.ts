import type { Kysely, Selectable } from 'kysely';
import { MAILBOX_KINDS, type MailboxKind, type MailboxRecord, type OrgRecord } from '../domain/accounts.ts';
import type { MailboxesTable, SynclineDatabase } from './database.ts';

export async function upsertOrg(db: Kysely<SynclineDatabase>, org: OrgRecord): Promise<void> {
  await db
    .insertInto('orgs')
    .values({ id: org.id, name: org.name })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ name: org.name }))
    .execute();
}

export async function upsertMailbox(db: Kysely<SynclineDatabase>, mailbox: MailboxRecord): Promise<void> {
  const row = {
    id: mailbox.id,
    org_id: mailbox.orgId,
    kind: mailbox.kind,
    address: mailbox.address,
    time_zone: mailbox.timeZone,
  };
  await db
    .insertInto('mailboxes')
    .values(row)
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({
        org_id: row.org_id,
        kind: row.kind,
        address: row.address,
        time_zone: row.time_zone,
      }),
    )
    .execute();
}

export async function listMailboxes(db: Kysely<SynclineDatabase>, orgId?: string): Promise<MailboxRecord[]> {
  let query = db.selectFrom('mailboxes').selectAll().orderBy('address').orderBy('id');
  if (orgId !== undefined) {
    query = query.where('org_id', '=', orgId);
  }
  const rows = await query.execute();
  return rows.map(toMailboxRecord);
}

export async function getMailbox(db: Kysely<SynclineDatabase>, id: string): Promise<MailboxRecord | null> {
  const row = await db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toMailboxRecord(row) : null;
}

function toMailboxRecord(row: Selectable<MailboxesTable>): MailboxRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: readMailboxKind(row),
    address: row.address,
    timeZone: row.time_zone,
  };
}

function readMailboxKind(row: Selectable<MailboxesTable>): MailboxKind {
  if ((MAILBOX_KINDS as readonly string[]).includes(row.kind)) {
    return row.kind as MailboxKind;
  }
  throw new Error(
    `mailboxes.kind of mailbox ${row.id} is "${row.kind}"; expected one of ${MAILBOX_KINDS.join(', ')}: fix the row`,
  );
}
