/** A token is renewed this long before its `expires_in` runs out, so no request leaves with a dying token. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * One cached access token and the request that renews it. Concurrent callers share one renewal instead of each
 * asking the token endpoint.
 */
export class TokenCache {
  private cached: { readonly value: string; readonly renewAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  get(renew: () => Promise<{ readonly accessToken: string; readonly expiresInSeconds: number }>): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) {
      return Promise.resolve(this.cached.value);
    }

    this.pending ??= renew()
      .then((token) => {
        const lifetimeMs = token.expiresInSeconds * 1000;
        const margin = Math.min(RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 10);
        this.cached = { value: token.accessToken, renewAt: this.now() + lifetimeMs - margin };
        return token.accessToken;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.cached?.value === token) {
      this.cached = null;
    }
  }

  clear(): void {
    this.cached = null;
  }
}
