import type { Kysely, Selectable } from 'kysely';
import { SIGN_IN_METHODS, USER_ROLES, type SignInMethod, type SignInSession, type UserRecord, type UserRole } from '../domain/users.ts';
import type { SynclineDatabase } from './database.ts';
import { toSortableTime } from './row-values.ts';

type UsersTable = {
  id: string;
  org_id: string;
  email: string;
  role: string;
  password_hash: string | null;
  created_at: string;
};

type SignInSessionsTable = {
  token_hash: string;
  user_id: string;
  org_id: string;
  method: string;
  created_at: string;
  expires_at: string;
};

type UsersDatabase = {
  users: UsersTable;
  sign_in_sessions: SignInSessionsTable;
};

/** Returns the database typed with the user tables, which are declared here beside their queries (migration 0013). */
function users(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & UsersDatabase> {
  return db.withTables<UsersDatabase>();
}

export async function createUser(db: Kysely<SynclineDatabase>, user: UserRecord): Promise<void> {
  await users(db)
    .insertInto('users')
    .values({
      id: user.id,
      org_id: user.orgId,
      email: user.email.trim().toLowerCase(),
      role: readRole(user.role, `user ${user.id}`),
      password_hash: user.passwordHash,
      created_at: toSortableTime(user.createdAt, `user ${user.id} createdAt`),
    })
    .execute();
}

export async function getUser(db: Kysely<SynclineDatabase>, userId: string): Promise<UserRecord | null> {
  const row = await users(db).selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUsersByEmail(db: Kysely<SynclineDatabase>, email: string): Promise<UserRecord[]> {
  const rows = await users(db).selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).orderBy('org_id').execute();
  return rows.map(toUser);
}

export async function updatePasswordHash(db: Kysely<SynclineDatabase>, userId: string, passwordHash: string): Promise<void> {
  await users(db).updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function createSignInSession(db: Kysely<SynclineDatabase>, session: SignInSession): Promise<void> {
  const where = `sign-in session of user ${session.userId}`;
  await users(db)
    .insertInto('sign_in_sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      org_id: session.orgId,
      method: readMethod(session.method, where),
      created_at: toSortableTime(session.createdAt, `${where} createdAt`),
      expires_at: toSortableTime(session.expiresAt, `${where} expiresAt`),
    })
    .execute();
}

export async function loadSignInSession(db: Kysely<SynclineDatabase>, tokenHash: string): Promise<SignInSession | null> {
  const row = await users(db).selectFrom('sign_in_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row ? toSession(row) : null;
}

export async function deleteSignInSession(db: Kysely<SynclineDatabase>, tokenHash: string): Promise<void> {
  await users(db).deleteFrom('sign_in_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSignInSessions(db: Kysely<SynclineDatabase>, now: string): Promise<number> {
  const result = await users(db)
    .deleteFrom('sign_in_sessions')
    .where('expires_at', '<=', toSortableTime(now, 'deleteExpiredSignInSessions now'))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Children first, for a sandbox reset. */
export async function clearUsers(db: Kysely<SynclineDatabase>): Promise<void> {
  await users(db).deleteFrom('sign_in_sessions').execute();
  await users(db).deleteFrom('users').execute();
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: readRole(row.role, `users.role of user ${row.id}`),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

function toSession(row: Selectable<SignInSessionsTable>): SignInSession {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    orgId: row.org_id,
    method: readMethod(row.method, `sign_in_sessions.method of user ${row.user_id}`),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

function readRole(value: string, where: string): UserRole {
  if ((USER_ROLES as readonly string[]).includes(value)) {
    return value as UserRole;
  }
  throw new Error(`${where} has role "${value}"; expected one of ${USER_ROLES.join(', ')}: fix the row`);
}

function readMethod(value: string, where: string): SignInMethod {
  if ((SIGN_IN_METHODS as readonly string[]).includes(value)) {
    return value as SignInMethod;
  }
  throw new Error(`${where} is "${value}"; expected one of ${SIGN_IN_METHODS.join(', ')}: fix the row`);
}
