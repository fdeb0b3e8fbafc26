import type { Kysely } from 'kysely';

/**
 * The linking engine's tables: why each Salesforce record was linked to activities or created (for `syncline
 * explain`), and the claims that keep two workers from creating one new person or Account twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('link_explanations')
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('record_id', 'text', (col) => col.notNull())
    .addColumn('object', 'text', (col) => col.notNull())
    // who, what, relation or created.
    .addColumn('use', 'text', (col) => col.notNull())
    .addColumn('rule', 'text', (col) => col.notNull())
    .addColumn('activity', 'text', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('first_at', 'text', (col) => col.notNull())
    .addColumn('last_at', 'text', (col) => col.notNull())
    .addColumn('times', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('link_explanations_pk', ['org_id', 'record_id', 'use', 'rule', 'activity'])
    .execute();

  await db.schema
    .createTable('linking_claims')
    .addColumn('org_id', 'text', (col) => col.notNull())
    // `person:<mailbox key>` or `account:<domain>`.
    .addColumn('claim_key', 'text', (col) => col.notNull())
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    // The record the holder created or found; null while the holder works.
    .addColumn('record_id', 'text')
    .addPrimaryKeyConstraint('linking_claims_pk', ['org_id', 'claim_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('linking_claims').execute();
  await db.schema.dropTable('link_explanations').execute();
}
