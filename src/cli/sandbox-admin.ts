import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/passwords.ts';
import type { UserStore } from '../domain/users.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';

/** The sandbox's sign-in account for the dashboard; an admin of the sandbox org. */
export const SANDBOX_ADMIN_EMAIL = 'admin@sandbox.example.com';

export interface SandboxAdmin {
  readonly email: string;
  /** The new password when the account was made by this call; null when it existed already (only its hash is kept). */
  readonly password: string | null;
}

/**
 * Make the sandbox's admin account on the first start of a sandbox store, with a random password returned once and
 * stored only as a hash, like an account of `syncline users add`. The sandbox serves the dashboard on loopback only,
 * and a known password would still let any local program sign in, so the password is never fixed.
 */
export async function ensureSandboxAdmin(store: UserStore, orgId: string, now: Date = new Date()): Promise<SandboxAdmin> {
  const existing = await store.findUsersByEmail(SANDBOX_ADMIN_EMAIL);
  if (existing.some((user) => user.orgId === orgId)) {
    return { email: SANDBOX_ADMIN_EMAIL, password: null };
  }

  // 18 random bytes make 24 URL-safe characters, well over the 12-character minimum and easy to copy.
  const password = randomBytes(18).toString('base64url');
  try {
    await store.createUser({ id: randomUUID(), orgId, email: SANDBOX_ADMIN_EMAIL, role: 'admin', passwordHash: await hashPassword(password), createdAt: now.toISOString() });
  } catch (error) {
    // A second process on the same store made it first; its start printed the password.
    if (isUniqueViolation(error)) {
      return { email: SANDBOX_ADMIN_EMAIL, password: null };
    }
    throw error;
  }
  return { email: SANDBOX_ADMIN_EMAIL, password };
}
