import { z } from 'zod';
import { LIFECYCLE_EVENTS } from './subscriptions.ts';

/** Faults a test injects through `POST /_admin/faults`. */
export const faultSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('throttle'),
    count: z.number().int().positive(),
    retryAfterSeconds: z.number().nonnegative(),
    pathPattern: z.string().optional(),
  }),
  // For `seconds` after it arrives, `share` of the requests (spread evenly, deterministically) get 429 with Retry-After.
  z.object({
    type: z.literal('throttleStorm'),
    seconds: z.number().positive(),
    share: z.number().gt(0).max(1),
    retryAfterSeconds: z.number().nonnegative(),
    pathPattern: z.string().optional(),
  }),
  z.object({ type: z.literal('failNth'), n: z.number().int().positive(), status: z.number().int().min(400).max(599), code: z.string().min(1) }),
  z.object({ type: z.literal('expireTokens') }),
  z.object({ type: z.literal('expireDeltaTokens') }),
  z.object({ type: z.literal('latency'), ms: z.number().int().nonnegative() }),
  z.object({ type: z.literal('lifecycle'), lifecycleEvent: z.enum(LIFECYCLE_EVENTS), subscriptionId: z.string().min(1).optional() }),
]);
export type Fault = z.infer<typeof faultSchema>;

interface InjectedFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds: number | null;
}

interface Throttle {
  remaining: number;
  retryAfterSeconds: number;
  pattern: RegExp | null;
}

interface Storm {
  readonly until: number;
  readonly share: number;
  readonly retryAfterSeconds: number;
  readonly pattern: RegExp | null;
  /** Requests the storm saw so far; request n is throttled when the share's running total steps up at n. */
  seen: number;
}

/**
 * The pending request faults. Every Graph request the emulator serves (a direct call or one request inside
 * a `$batch`) passes `nextFailure` once. The `$batch` envelope itself only meets throttles whose pattern
 * names it. Token and delta-token expiry change the store and are not kept here.
 */
export class FaultState {
  private throttles: Throttle[] = [];
  private storms: Storm[] = [];
  private countdowns: { remaining: number; status: number; code: string }[] = [];
  latencyMs = 0;

  addRequestFault(fault: Fault): void {
    if (fault.type === 'throttle') {
      this.throttles.push({ remaining: fault.count, retryAfterSeconds: fault.retryAfterSeconds, pattern: toPattern(fault.pathPattern) });
    } else if (fault.type === 'failNth') {
      this.countdowns.push({ remaining: fault.n, status: fault.status, code: fault.code });
    } else if (fault.type === 'latency') {
      this.latencyMs = fault.ms;
    } else if (fault.type === 'throttleStorm') {
      this.storms.push({ until: Date.now() + fault.seconds * 1000, share: fault.share, retryAfterSeconds: fault.retryAfterSeconds, pattern: toPattern(fault.pathPattern), seen: 0 });
    }
  }

  clear(): void {
    this.throttles = [];
    this.storms = [];
    this.countdowns = [];
    this.latencyMs = 0;
  }

  nextFailure(path: string, isBatchEnvelope: boolean): InjectedFailure | null {
    const failed = isBatchEnvelope ? null : this.countDown();
    if (failed) {
      return failed;
    }

    const storm = this.stormFailure(path, isBatchEnvelope);
    if (storm) {
      return storm;
    }

    const throttle = this.throttles.find(
      (candidate) => candidate.remaining > 0 && (candidate.pattern ? candidate.pattern.test(path) : !isBatchEnvelope),
    );
    if (!throttle) {
      return null;
    }

    throttle.remaining -= 1;
    this.throttles = this.throttles.filter((candidate) => candidate.remaining > 0);
    return {
      status: 429,
      code: 'TooManyRequests',
      message: 'Too many requests; wait for the number of seconds in Retry-After before sending again.',
      retryAfterSeconds: throttle.retryAfterSeconds,
    };
  }

  private stormFailure(path: string, isBatchEnvelope: boolean): InjectedFailure | null {
    const now = Date.now();
    this.storms = this.storms.filter((candidate) => candidate.until > now);
    const storm = this.storms.find((candidate) => (candidate.pattern ? candidate.pattern.test(path) : !isBatchEnvelope));
    if (!storm) {
      return null;
    }

    storm.seen += 1;
    if (Math.floor(storm.seen * storm.share) === Math.floor((storm.seen - 1) * storm.share)) {
      return null;
    }
    return {
      status: 429,
      code: 'TooManyRequests',
      message: 'Too many requests; wait for the number of seconds in Retry-After before sending again.',
      retryAfterSeconds: storm.retryAfterSeconds,
    };
  }

  private countDown(): InjectedFailure | null {
    let failure: InjectedFailure | null = null;
    for (const countdown of this.countdowns) {
      countdown.remaining -= 1;
      if (countdown.remaining === 0 && failure === null) {
        const retryable = countdown.status === 429 || countdown.status === 503;
        failure = {
          status: countdown.status,
          code: countdown.code,
          message: `Injected failure ${countdown.code} (failNth fault).`,
          retryAfterSeconds: retryable ? 1 : null,
        };
      }
    }
    this.countdowns = this.countdowns.filter((countdown) => countdown.remaining > 0);
    return failure;
  }
}

// A pattern is a regular expression over the path after /v1.0 (e.g. `/events`, `calendarView/delta$`).
function toPattern(source: string | undefined): RegExp | null {
  return source === undefined || source === '' ? null : new RegExp(source, 'i');
}
