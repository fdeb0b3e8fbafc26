import type { Kysely, Selectable } from 'kysely';
import type { CredentialRow } from '../domain/credentials.ts';
import type { SynclineDatabase } from './database.ts';
import { toSortableTime } from './row-values.ts';

type CredentialsTable = {
  owner: string;
  kind: string;
  key_id: string;
  ciphertext: string;
  updated_at: string;
};

type CredentialsDatabase = {
  credentials: CredentialsTable;
};

/** Returns the database typed with the credential table, which is declared here beside its queries (migration 0013). */
function credentials(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & CredentialsDatabase> {
  return db.withTables<CredentialsDatabase>();
}

export async function saveCredentialRow(db: Kysely<SynclineDatabase>, row: CredentialRow): Promise<void> {
  const values = toColumns(row);
  await credentials(db)
    .insertInto('credentials')
    .values(values)
    .onConflict((conflict) => conflict.columns(['owner', 'kind']).doUpdateSet({ key_id: values.key_id, ciphertext: values.ciphertext, updated_at: values.updated_at }))
    .execute();
}

export async function loadCredentialRow(db: Kysely<SynclineDatabase>, owner: string, kind: string): Promise<CredentialRow | null> {
  const row = await credentials(db).selectFrom('credentials').selectAll().where('owner', '=', owner).where('kind', '=', kind).executeTakeFirst();
  return row ? toRow(row) : null;
}

export async function deleteCredentialRow(db: Kysely<SynclineDatabase>, owner: string, kind: string): Promise<void> {
  await credentials(db).deleteFrom('credentials').where('owner', '=', owner).where('kind', '=', kind).execute();
}

export async function listCredentialRowsNotUnder(db: Kysely<SynclineDatabase>, keyId: string, limit: number): Promise<CredentialRow[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`listCredentialRowsNotUnder limit ${limit} is not a whole number of rows: pass 1 or more`);
  }

  const rows = await credentials(db).selectFrom('credentials').selectAll().where('key_id', '!=', keyId).orderBy('owner').orderBy('kind').limit(limit).execute();
  return rows.map(toRow);
}

export async function replaceCredentialRow(db: Kysely<SynclineDatabase>, expectedCiphertext: string, row: CredentialRow): Promise<boolean> {
  const values = toColumns(row);
  const result = await credentials(db)
    .updateTable('credentials')
    .set({ key_id: values.key_id, ciphertext: values.ciphertext, updated_at: values.updated_at })
    .where('owner', '=', row.owner)
    .where('kind', '=', row.kind)
    .where('ciphertext', '=', expectedCiphertext)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function clearCredentials(db: Kysely<SynclineDatabase>): Promise<void> {
  await credentials(db).deleteFrom('credentials').execute();
}

function toColumns(row: CredentialRow): CredentialsTable {
  return {
    owner: row.owner,
    kind: row.kind,
    key_id: row.keyId,
    ciphertext: row.ciphertext,
    updated_at: toSortableTime(row.updatedAt, `credential ${row.owner} ${row.kind} updatedAt`),
  };
}

function toRow(row: Selectable<CredentialsTable>): CredentialRow {
  return { owner: row.owner, kind: row.kind, keyId: row.key_id, ciphertext: row.ciphertext, updatedAt: row.updated_at };
}
