import { newOpaqueToken } from './ids.ts';

/** Google's access tokens live one hour; the token response gives 3599 seconds. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

export interface AccessGrant {
  readonly email: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  /** The service account or OAuth client that obtained the token. */
  readonly clientId: string;
}

/**
 * Access tokens the token endpoint issued. They are kept in memory only: after a restart every client gets 401
 * and fetches a new one, as after a real token expiry.
 */
export class AccessTokens {
  private readonly grants = new Map<string, AccessGrant>();

  constructor(private readonly lifetimeSeconds: number) {}

  get lifetime(): number {
    return this.lifetimeSeconds;
  }

  issue(email: string, scopes: readonly string[], clientId: string): string {
    const token = newOpaqueToken('ya29.');
    this.grants.set(token, { email, scopes, clientId, expiresAt: Date.now() + this.lifetimeSeconds * 1000 });
    return token;
  }

  find(token: string): AccessGrant | null {
    const grant = this.grants.get(token);
    if (!grant) {
      return null;
    }
    if (grant.expiresAt <= Date.now()) {
      this.grants.delete(token);
      return null;
    }
    return grant;
  }

  /** Revoke every token of a user, or every token when no user is named. */
  revoke(email?: string): number {
    let count = 0;
    for (const [token, grant] of this.grants) {
      if (email === undefined || grant.email === email) {
        this.grants.delete(token);
        count += 1;
      }
    }
    return count;
  }
}
