import { z } from 'zod';
import { GoogleApiError } from './google-error.ts';

export const GOOGLE_APIS = ['calendar', 'gmail', 'people', 'tasks'] as const;
export type GoogleApi = (typeof GOOGLE_APIS)[number];

/** Faults a test injects through `POST /_admin/faults`; each applies to API requests, batch parts included. */
export const faultSchema = z.discriminatedUnion('type', [
  // The next `count` requests (of one API, when named) fail with this status and reason.
  z.object({
    type: z.literal('fail'),
    count: z.number().int().positive(),
    status: z.number().int().min(400).max(599),
    reason: z.string().min(1),
    api: z.enum(GOOGLE_APIS).optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
  // The n-th request from now fails once.
  z.object({ type: z.literal('failNth'), n: z.number().int().positive(), status: z.number().int().min(400).max(599), reason: z.string().min(1) }),
]);
export type Fault = z.infer<typeof faultSchema>;

interface Pending {
  remaining: number;
  readonly status: number;
  readonly reason: string;
  readonly api: GoogleApi | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** For failNth: requests to let through first. */
  skip: number;
}

const DOMAIN_OF_REASON: Readonly<Record<string, string>> = {
  rateLimitExceeded: 'usageLimits',
  userRateLimitExceeded: 'usageLimits',
  quotaExceeded: 'usageLimits',
  dailyLimitExceeded: 'usageLimits',
};

export class FaultState {
  private pending: Pending[] = [];

  add(fault: Fault): void {
    if (fault.type === 'fail') {
      this.pending.push({ remaining: fault.count, status: fault.status, reason: fault.reason, api: fault.api, retryAfterSeconds: fault.retryAfterSeconds, skip: 0 });
      return;
    }
    this.pending.push({ remaining: 1, status: fault.status, reason: fault.reason, api: undefined, retryAfterSeconds: undefined, skip: fault.n - 1 });
  }

  clear(): void {
    this.pending = [];
  }

  /** Throw the injected failure this request meets, if any. */
  check(api: GoogleApi): void {
    for (const fault of this.pending) {
      if (fault.api !== undefined && fault.api !== api) {
        continue;
      }
      if (fault.skip > 0) {
        fault.skip -= 1;
        continue;
      }

      fault.remaining -= 1;
      this.pending = this.pending.filter((candidate) => candidate.remaining > 0);
      throw new GoogleApiError(fault.status, fault.reason, `Injected failure: ${fault.reason}.`, {
        domain: DOMAIN_OF_REASON[fault.reason] ?? 'global',
        ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }),
      });
    }
  }
}
