import argon2 from 'argon2';

/**
 * Argon2id with 64 MiB of memory, 3 passes and 4 lanes: the second recommended option of RFC 9106, section 4.
 * A hash takes about 0.2 s on one core of a 2-core test machine (measured with the argon2 0.45 package).
 */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const;

/**
 * Minimum password length in code points. NIST SP 800-63B revision 3 (2017) requires at least 8 characters, and
 * revision 4 (2025) requires 15 for a password that is the only factor.
 * NOTE: password sign-in here is single-factor, so 12 is below the revision 4 minimum.
 */
export const MIN_PASSWORD_LENGTH = 12;
/** Maximum password length. Argon2 takes any length, but a megabyte "password" would spend the server's memory. */
export const MAX_PASSWORD_LENGTH = 1024;

/** A password that does not meet the rules; the message names the rule and the fix. */
export class PasswordRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordRuleError';
  }
}

/** Check the length rules, in characters as a person counts them (code points, not UTF-16 units). */
export function checkPasswordRules(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new PasswordRuleError(`the password has ${length} characters; use at least ${MIN_PASSWORD_LENGTH} (a passphrase of several words works well)`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new PasswordRuleError(`the password has ${length} characters; use at most ${MAX_PASSWORD_LENGTH}`);
  }
}

/** Hash a password for storage, after checking the rules; returns the PHC string that carries salt and parameters. */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordRules(password);
  return argon2.hash(password, HASH_OPTIONS);
}

/** Hash a password that already signed in, with today's parameters; the length rules of today do not apply to it. */
export async function rehashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

/** Compare a password with a stored hash in constant time; false for a hash this package cannot read. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH * 2) {
    return false;
  }

  try {
    return await argon2.verify(passwordHash, password);
  } catch {
    // A malformed stored hash matches no password; the caller responds as for a wrong password.
    return false;
  }
}

/** True when the stored hash was made with other parameters than today's, so a sign-in should store a new one. */
export function passwordNeedsRehash(passwordHash: string): boolean {
  try {
    return argon2.needsRehash(passwordHash, HASH_OPTIONS);
  } catch {
    return true;
  }
}

let decoyHash: Promise<string> | null = null;

/**
 * Spend the time of one verification when there is no user to verify against, so the response time does not
 * reveal whether the address is unknown or the password wrong.
 */
export async function verifyAgainstDecoy(password: string): Promise<void> {
  decoyHash ??= argon2.hash('syncline decoy password', HASH_OPTIONS);
  await verifyPassword(await decoyHash, password);
}
