import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SignInMethod, SignInSession, UserRecord, UserStore } from '../domain/users.ts';

/**
 * Server-side sign-in sessions. The browser keeps a random token in a cookie, and the store keeps only its SHA-256,
 * so a copy of the table opens no session, and deleting the row ends the session for every copy of the cookie.
 */

/** How long a session signs its browser in, from sign-in; there is no sliding renewal. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60_000;

/** 32 random bytes in base64url, the only form a session token takes. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CSRF_CONTEXT = 'syncline csrf token v1';

/** The signed-in person behind a request. */
export interface Caller {
  readonly userId: string;
  readonly orgId: string;
  readonly email: string;
  readonly role: UserRecord['role'];
  readonly method: SignInMethod;
  readonly expiresAt: string;
  /** Identifies the session in logs and for sign-out; the token itself never leaves the cookie. */
  readonly sessionTokenHash: string;
}

export interface OpenedSession {
  /** The cookie value. */
  readonly token: string;
  /** Token the browser sends back in the `x-csrf-token` header of every state-changing request. */
  readonly csrfToken: string;
  readonly caller: Caller;
}

export interface SignInSessions {
  open(user: UserRecord, method: SignInMethod): Promise<OpenedSession>;
  /** The caller of a token, or null for a malformed, unknown, expired or signed-out token. */
  resolve(token: string): Promise<Caller | null>;
  /** Sign out: the token opens nothing afterwards. */
  revoke(token: string): Promise<void>;
}

export interface SignInSessionOptions {
  readonly store: UserStore;
  readonly now?: () => Date;
  readonly lifetimeMs?: number;
}

export function createSignInSessions(options: SignInSessionOptions): SignInSessions {
  const now = options.now ?? (() => new Date());
  const lifetimeMs = options.lifetimeMs ?? SESSION_LIFETIME_MS;
  const { store } = options;

  return {
    async open(user, method) {
      const token = randomBytes(32).toString('base64url');
      const createdAt = now();
      const session: SignInSession = {
        tokenHash: hashToken(token),
        userId: user.id,
        orgId: user.orgId,
        method,
        createdAt: createdAt.toISOString(),
        expiresAt: new Date(createdAt.getTime() + lifetimeMs).toISOString(),
      };
      // Expired rows would otherwise stay forever; a sign-in is a rare enough moment to clear them.
      await store.deleteExpiredSignInSessions(session.createdAt);
      await store.createSignInSession(session);
      return { token, csrfToken: csrfTokenFor(token), caller: toCaller(user, session) };
    },

    async resolve(token) {
      if (!TOKEN_PATTERN.test(token)) {
        return null;
      }

      const session = await store.loadSignInSession(hashToken(token));
      if (session === null) {
        return null;
      }
      if (Date.parse(session.expiresAt) <= now().getTime()) {
        await store.deleteSignInSession(session.tokenHash);
        return null;
      }

      // Read the user each time, so a changed role applies at once.
      const user = await store.getUser(session.userId);
      if (user === null || user.orgId !== session.orgId) {
        return null;
      }
      return toCaller(user, session);
    },

    async revoke(token) {
      if (TOKEN_PATTERN.test(token)) {
        await store.deleteSignInSession(hashToken(token));
      }
    },
  };
}

/**
 * Derive the CSRF token of a session: an HMAC of a fixed context under the session token. Only someone who has the
 * cookie can compute it, and a cross-site page can read neither the cookie nor the API's responses.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(CSRF_CONTEXT).digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string): boolean {
  const expected = Buffer.from(csrfTokenFor(sessionToken), 'utf8');
  const received = Buffer.from(presented, 'utf8');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toCaller(user: UserRecord, session: SignInSession): Caller {
  return {
    userId: user.id,
    orgId: user.orgId,
    email: user.email,
    role: user.role,
    method: session.method,
    expiresAt: session.expiresAt,
    sessionTokenHash: session.tokenHash,
  };
}
