import type { UserRecord, UserStore } from '../domain/users.ts';
import { passwordNeedsRehash, rehashPassword, verifyAgainstDecoy, verifyPassword } from './passwords.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export interface PasswordSignInRequest {
  readonly email: string;
  readonly password: string;
  /** Needed only when the address has users in several orgs whose password is this one. */
  readonly orgId?: string;
}

export type PasswordSignInResult =
  | { readonly outcome: 'signedIn'; readonly user: UserRecord }
  /** Unknown address, wrong password, or a user without a password: one result for all, so a caller cannot distinguish them. */
  | { readonly outcome: 'rejected' }
  | { readonly outcome: 'throttled'; readonly retryAfterSeconds: number }
  /** The password is right for users in several orgs; the caller must name one. */
  | { readonly outcome: 'orgRequired'; readonly orgIds: readonly string[] };

/**
 * Check an address and password. Candidates are the address's users (of the named org only, when one is named);
 * the password is checked against each, so whether the address exists shows only to someone who has its password.
 */
export async function signInWithPassword(store: UserStore, throttle: SignInThrottle, request: PasswordSignInRequest): Promise<PasswordSignInResult> {
  const decision = throttle.check(request.email);
  if (!decision.allowed) {
    return { outcome: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
  }

  const candidates = (await store.findUsersByEmail(request.email)).filter((user) => user.passwordHash !== null && (request.orgId === undefined || user.orgId === request.orgId));
  if (candidates.length === 0) {
    await verifyAgainstDecoy(request.password);
    throttle.recordFailure(request.email);
    return { outcome: 'rejected' };
  }

  const matches: UserRecord[] = [];
  for (const user of candidates) {
    if (await verifyPassword(user.passwordHash ?? '', request.password)) {
      matches.push(user);
    }
  }

  const [only, ...others] = matches;
  if (only === undefined) {
    throttle.recordFailure(request.email);
    return { outcome: 'rejected' };
  }
  if (others.length > 0) {
    return { outcome: 'orgRequired', orgIds: matches.map((user) => user.orgId) };
  }

  throttle.recordSuccess(request.email);
  if (passwordNeedsRehash(only.passwordHash ?? '')) {
    await store.updatePasswordHash(only.id, await rehashPassword(request.password));
  }
  return { outcome: 'signedIn', user: only };
}
