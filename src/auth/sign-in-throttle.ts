/**
 * Password-guessing limit: after `maxFailures` failed sign-ins for one address within `windowMs`, further tries
 * for that address are rejected until the oldest failure leaves the window. The counts live in memory, so each
 * process counts on its own and a restart forgets them. Counting per address, not per client IP, means a botnet
 * gains nothing. The cost is that a stranger can lock an address out of password sign-in for one window; OIDC
 * sign-in is not affected.
 */
export interface ThrottleOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  /** Addresses tracked at once; the oldest is forgotten beyond this, so a flood of addresses cannot fill memory. */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

export interface ThrottleDecision {
  readonly allowed: boolean;
  /** Whole seconds until the next try is allowed; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxTracked = options.maxTracked ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  check(address: string): ThrottleDecision {
    const recent = this.recentFailures(address);
    if (recent.length < this.maxFailures) {
      return { allowed: true, retryAfterSeconds: 0 };
    }

    const oldest = recent[recent.length - this.maxFailures] ?? this.now();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000)) };
  }

  recordFailure(address: string): void {
    const key = address.trim().toLowerCase();
    const recent = this.recentFailures(key);
    recent.push(this.now());
    // Re-inserting moves the key to the end, so the first key in the map is the least recently failed.
    this.failures.delete(key);
    this.failures.set(key, recent.slice(-this.maxFailures));
    if (this.failures.size > this.maxTracked) {
      const oldestKey = this.failures.keys().next().value;
      if (oldestKey !== undefined) {
        this.failures.delete(oldestKey);
      }
    }
  }

  recordSuccess(address: string): void {
    this.failures.delete(address.trim().toLowerCase());
  }

  private recentFailures(address: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(address.trim().toLowerCase()) ?? []).filter((at) => at > since);
  }
}
