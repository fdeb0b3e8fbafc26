/**
 * People who sign in to Syncline's API and dashboard. A user belongs to one org. An `admin` can read and act on
 * every mailbox of that org. A `user` can do so only for the mailboxes whose address is the user's own email.
 */
export const USER_ROLES = ['admin', 'user'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Method a sign-in session was opened with. */
export const SIGN_IN_METHODS = ['password', 'oidc'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export interface UserRecord {
  readonly id: string;
  readonly orgId: string;
  /** Lower-case address; unique within the org. */
  readonly email: string;
  readonly role: UserRole;
  /** Argon2id hash in PHC string form; null for a user who signs in through the org's OIDC provider only. */
  readonly passwordHash: string | null;
  readonly createdAt: string;
}

/** A signed-in browser. Only a hash of the cookie's token is stored, so reading the table opens no session. */
export interface SignInSession {
  /** SHA-256 of the session token, hex. */
  readonly tokenHash: string;
  readonly userId: string;
  readonly orgId: string;
  readonly method: SignInMethod;
  readonly createdAt: string;
  /** ISO instant after which the session no longer signs anyone in. */
  readonly expiresAt: string;
}

/** The part of the store that keeps users and their sign-in sessions (migration 0013). */
export interface UserStore {
  /** Insert a new user; rejects with a unique violation when the org already has a user with that email. */
  createUser(user: UserRecord): Promise<void>;
  getUser(userId: string): Promise<UserRecord | null>;
  /** The users with this email in every org, for a sign-in that names no org. */
  findUsersByEmail(email: string): Promise<UserRecord[]>;
  /** Replace the stored hash, after a sign-in found it made with weaker parameters than today's. */
  updatePasswordHash(userId: string, passwordHash: string): Promise<void>;

  createSignInSession(session: SignInSession): Promise<void>;
  loadSignInSession(tokenHash: string): Promise<SignInSession | null>;
  deleteSignInSession(tokenHash: string): Promise<void>;
  /** Delete sessions that expired before `now`; returns how many. */
  deleteExpiredSignInSessions(now: string): Promise<number>;
}
