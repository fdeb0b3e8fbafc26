import type { Kysely, Selectable } from 'kysely';
import {
  EMAIL_RECORD_OBJECTS,
  type EmailRecordObject,
  type EmailSaveCommit,
  type EmailSaveState,
  type SavedEmail,
  type SavedEmailEntry,
  type SavedThreads,
} from '../domain/email-saves.ts';
import type { SynclineDatabase } from './database.ts';

type EmailSavesTable = {
  org_id: string;
  message_key: string;
  message_id_hash: string | null;
  fingerprint: string;
  conversation_id: string | null;
  message_date: string | null;
  sobject: string;
  record_id: string;
  add_in_email: number;
  saved_at: string;
};

type EmailTables = {
  email_saves: EmailSavesTable;
  email_mailbox_saves: { org_id: string; message_key: string; mailbox_id: string; mailbox_item_id: string; saved_at: string };
  email_save_claims: { org_id: string; message_key: string; holder: string; expires_at: string };
  email_cursors: { mailbox_id: string; cursor: string; updated_at: string };
  email_retries: { mailbox_id: string; mailbox_item_id: string; code: string; message: string; attempts: number };
  email_compose_marks: { mailbox_id: string; message_id_hash: string; marked_at: string };
};

type EmailDb = Kysely<SynclineDatabase & EmailTables>;

/** Rows per statement, well under SQLite's bound-parameter limit for the widest table (10 columns). */
const ROWS_PER_STATEMENT = 90;
/** Values per IN list. */
const VALUES_PER_IN_LIST = 500;

/** Returns the database typed with the email tables, which are declared here beside their queries (migration 0010). */
function emailTables(db: Kysely<SynclineDatabase>): EmailDb {
  return db.withTables<EmailTables>();
}

export async function loadEmailSaveState(db: Kysely<SynclineDatabase>, mailboxId: string): Promise<EmailSaveState> {
  const tables = emailTables(db);
  const cursor = await tables.selectFrom('email_cursors').select('cursor').where('mailbox_id', '=', mailboxId).executeTakeFirst();
  const retries = await tables.selectFrom('email_retries').selectAll().where('mailbox_id', '=', mailboxId).orderBy('mailbox_item_id').execute();
  return {
    cursor: cursor?.cursor ?? null,
    retries: retries.map((row) => ({ mailboxItemId: row.mailbox_item_id, code: row.code, message: row.message, attempts: Number(row.attempts) })),
  };
}

export async function findSavedEmails(db: Kysely<SynclineDatabase>, orgId: string, messageKeys: readonly string[]): Promise<Map<string, SavedEmailEntry>> {
  const tables = emailTables(db);
  const found = new Map<string, SavedEmailEntry>();
  for (const keys of chunks([...new Set(messageKeys)], VALUES_PER_IN_LIST)) {
    const rows = await tables.selectFrom('email_saves').selectAll().where('org_id', '=', orgId).where('message_key', 'in', keys).execute();
    const mailboxes = await mailboxesOf(tables, orgId, keys);
    for (const row of rows) {
      found.set(row.message_key, { save: toSavedEmail(row), mailboxIds: mailboxes.get(row.message_key) ?? [] });
    }
  }
  return found;
}

export async function findSavedEmailByRecordId(db: Kysely<SynclineDatabase>, orgId: string, recordId: string): Promise<SavedEmailEntry | null> {
  const tables = emailTables(db);
  const row = await tables.selectFrom('email_saves').selectAll().where('org_id', '=', orgId).where('record_id', '=', recordId).executeTakeFirst();
  if (row === undefined) {
    return null;
  }
  const mailboxes = await mailboxesOf(tables, orgId, [row.message_key]);
  return { save: toSavedEmail(row), mailboxIds: mailboxes.get(row.message_key) ?? [] };
}

export async function findSavedThreads(
  db: Kysely<SynclineDatabase>,
  orgId: string,
  query: { readonly messageIdHashes: readonly string[]; readonly conversationIds: readonly string[] },
): Promise<SavedThreads> {
  const tables = emailTables(db);
  const messageIdHashes = new Set<string>();
  for (const hashes of chunks([...new Set(query.messageIdHashes)], VALUES_PER_IN_LIST)) {
    const rows = await tables.selectFrom('email_saves').select('message_id_hash').where('org_id', '=', orgId).where('message_id_hash', 'in', hashes).execute();
    rows.forEach((row) => row.message_id_hash !== null && messageIdHashes.add(row.message_id_hash));
  }

  const conversations = new Map<string, string | null>();
  for (const ids of chunks([...new Set(query.conversationIds)], VALUES_PER_IN_LIST)) {
    const rows = await tables.selectFrom('email_saves').select(['conversation_id', 'message_date']).where('org_id', '=', orgId).where('conversation_id', 'in', ids).execute();
    for (const row of rows) {
      const id = row.conversation_id!;
      const earlier = conversations.get(id);
      // The earliest date wins; a saved email without a date makes every email of the conversation count as newer.
      if (!conversations.has(id) || (earlier !== null && (row.message_date === null || row.message_date < earlier!))) {
        conversations.set(id, row.message_date);
      }
    }
  }
  return { messageIdHashes, conversations };
}

export async function findComposeMarks(db: Kysely<SynclineDatabase>, mailboxId: string, messageIdHashes: readonly string[]): Promise<Set<string>> {
  const tables = emailTables(db);
  const found = new Set<string>();
  for (const hashes of chunks([...new Set(messageIdHashes)], VALUES_PER_IN_LIST)) {
    const rows = await tables.selectFrom('email_compose_marks').select('message_id_hash').where('mailbox_id', '=', mailboxId).where('message_id_hash', 'in', hashes).execute();
    rows.forEach((row) => found.add(row.message_id_hash));
  }
  return found;
}

/**
 * Take the keys in one statement per chunk: a key is inserted, or taken over when its claim belongs to `holder` or
 * has expired. Concurrent claimers race on the primary key, so each key ends with exactly one holder.
 */
export async function claimEmailKeys(db: Kysely<SynclineDatabase>, orgId: string, holder: string, messageKeys: readonly string[], ttlMs: number): Promise<string[]> {
  const tables = emailTables(db);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  const taken: string[] = [];
  for (const keys of chunks([...new Set(messageKeys)], ROWS_PER_STATEMENT)) {
    await tables
      .insertInto('email_save_claims')
      .values(keys.map((key) => ({ org_id: orgId, message_key: key, holder, expires_at: expiresAt })))
      .onConflict((conflict) =>
        conflict
          .columns(['org_id', 'message_key'])
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where((eb) => eb.or([eb('email_save_claims.holder', '=', holder), eb('email_save_claims.expires_at', '<=', now.toISOString())])),
      )
      .execute();
    const rows = await tables.selectFrom('email_save_claims').select('message_key').where('org_id', '=', orgId).where('holder', '=', holder).where('message_key', 'in', keys).execute();
    taken.push(...rows.map((row) => row.message_key));
  }
  return taken;
}

export async function releaseEmailKeys(db: Kysely<SynclineDatabase>, orgId: string, holder: string, messageKeys: readonly string[]): Promise<void> {
  const tables = emailTables(db);
  for (const keys of chunks([...new Set(messageKeys)], VALUES_PER_IN_LIST)) {
    await tables.deleteFrom('email_save_claims').where('org_id', '=', orgId).where('holder', '=', holder).where('message_key', 'in', keys).execute();
  }
}

/** Store the cursor, registry rows, retries and compose marks of one run together, or none of them. */
export async function commitEmailSaves(db: Kysely<SynclineDatabase>, commit: EmailSaveCommit): Promise<void> {
  await emailTables(db).transaction().execute(async (trx) => {
    if (commit.cursor !== undefined) {
      await trx
        .insertInto('email_cursors')
        .values({ mailbox_id: commit.mailboxId, cursor: commit.cursor, updated_at: commit.at })
        .onConflict((conflict) => conflict.column('mailbox_id').doUpdateSet({ cursor: commit.cursor!, updated_at: commit.at }))
        .execute();
    }

    for (const saves of chunks(commit.saves, ROWS_PER_STATEMENT)) {
      // The first registration of an email wins: a second one for the same key names the same record.
      await trx.insertInto('email_saves').values(saves.map(toRow)).onConflict((conflict) => conflict.columns(['org_id', 'message_key']).doNothing()).execute();
    }
    for (const saves of chunks(commit.mailboxSaves, ROWS_PER_STATEMENT)) {
      await trx
        .insertInto('email_mailbox_saves')
        .values(saves.map((save) => ({ org_id: commit.orgId, message_key: save.messageKey, mailbox_id: save.mailboxId, mailbox_item_id: save.mailboxItemId, saved_at: commit.at })))
        .onConflict((conflict) => conflict.columns(['org_id', 'message_key', 'mailbox_id']).doNothing())
        .execute();
    }

    const retryIds = [...commit.retries.remove, ...commit.retries.put.map((retry) => retry.mailboxItemId)];
    for (const ids of chunks(retryIds, VALUES_PER_IN_LIST)) {
      await trx.deleteFrom('email_retries').where('mailbox_id', '=', commit.mailboxId).where('mailbox_item_id', 'in', ids).execute();
    }
    for (const retries of chunks(commit.retries.put, ROWS_PER_STATEMENT)) {
      await trx
        .insertInto('email_retries')
        .values(retries.map((retry) => ({ mailbox_id: commit.mailboxId, mailbox_item_id: retry.mailboxItemId, code: retry.code, message: retry.message, attempts: retry.attempts })))
        .execute();
    }

    for (const hashes of chunks(commit.composeMarks.remove, VALUES_PER_IN_LIST)) {
      await trx.deleteFrom('email_compose_marks').where('mailbox_id', '=', commit.mailboxId).where('message_id_hash', 'in', hashes).execute();
    }
    for (const hashes of chunks([...new Set(commit.composeMarks.add)], ROWS_PER_STATEMENT)) {
      await trx
        .insertInto('email_compose_marks')
        .values(hashes.map((hash) => ({ mailbox_id: commit.mailboxId, message_id_hash: hash, marked_at: commit.at })))
        .onConflict((conflict) => conflict.columns(['mailbox_id', 'message_id_hash']).doNothing())
        .execute();
    }
  });
}

/** Remove every email row (sandbox reset); children first. */
export async function clearEmailSaves(db: Kysely<SynclineDatabase>): Promise<void> {
  const tables = emailTables(db);
  for (const table of ['email_compose_marks', 'email_retries', 'email_cursors', 'email_save_claims', 'email_mailbox_saves', 'email_saves'] as const) {
    await tables.deleteFrom(table).execute();
  }
}

async function mailboxesOf(tables: EmailDb, orgId: string, keys: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await tables.selectFrom('email_mailbox_saves').select(['message_key', 'mailbox_id']).where('org_id', '=', orgId).where('message_key', 'in', keys).orderBy('mailbox_id').execute();
  const byKey = new Map<string, string[]>();
  for (const row of rows) {
    byKey.set(row.message_key, [...(byKey.get(row.message_key) ?? []), row.mailbox_id]);
  }
  return byKey;
}

function toSavedEmail(row: Selectable<EmailSavesTable>): SavedEmail {
  if (!(EMAIL_RECORD_OBJECTS as readonly string[]).includes(row.sobject)) {
    throw new Error(`Invalid object '${row.sobject}' in the email registry for message key ${row.message_key}: expected EmailMessage or Task. Fix or delete that row`);
  }
  return {
    orgId: row.org_id,
    messageKey: row.message_key,
    messageIdHash: row.message_id_hash,
    fingerprint: row.fingerprint,
    conversationId: row.conversation_id,
    messageDate: row.message_date,
    sobject: row.sobject as EmailRecordObject,
    recordId: row.record_id,
    addInEmail: Number(row.add_in_email) === 1,
    savedAt: row.saved_at,
  };
}

function toRow(save: SavedEmail): EmailSavesTable {
  return {
    org_id: save.orgId,
    message_key: save.messageKey,
    message_id_hash: save.messageIdHash,
    fingerprint: save.fingerprint,
    conversation_id: save.conversationId,
    message_date: save.messageDate,
    sobject: save.sobject,
    record_id: save.recordId,
    add_in_email: save.addInEmail ? 1 : 0,
    saved_at: save.savedAt,
  };
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += size) {
    result.push(values.slice(start, start + size));
  }
  return result;
}
