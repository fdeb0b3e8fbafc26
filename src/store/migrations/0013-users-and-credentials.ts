import type { Kysely } from 'kysely';

/**
 * People who sign in (users of an org and their roles), their server-side sign-in sessions, and credentials
 * encrypted at rest. Sessions are kept in the store rather than in the cookie alone, so signing out ends a
 * session even for a copy of its cookie.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('org_id', 'text', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    // Stored in lower case, so the unique index below is case-insensitive on both databases.
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('users_org_email').on('users').columns(['org_id', 'email']).unique().execute();
  // A sign-in that names no org looks the address up across orgs.
  await db.schema.createIndex('users_email').on('users').column('email').execute();

  await db.schema
    .createTable('sign_in_sessions')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (col) => col.notNull())
    .addColumn('method', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('sign_in_sessions_expires_at').on('sign_in_sessions').column('expires_at').execute();
  await db.schema.createIndex('sign_in_sessions_user_id').on('sign_in_sessions').column('user_id').execute();

  await db.schema
    .createTable('credentials')
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('key_id', 'text', (col) => col.notNull())
    .addColumn('ciphertext', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('credentials_pk', ['owner', 'kind'])
    .execute();
  // Key rotation looks for the rows still under an old key.
  await db.schema.createIndex('credentials_key_id').on('credentials').column('key_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('credentials').execute();
  await db.schema.dropTable('sign_in_sessions').execute();
  await db.schema.dropTable('users').execute();
}
