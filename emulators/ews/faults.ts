import { z } from 'zod';

/** Faults a test injects through `POST /_admin/faults`. */
export const faultSchema = z.discriminatedUnion('type', [
  // The next `count` requests (of `operation`, when named) fail with an ErrorServerBusy SOAP fault carrying BackOffMilliseconds.
  z.object({ type: z.literal('serverBusy'), count: z.number().int().positive(), backOffMs: z.number().int().nonnegative(), operation: z.string().optional() }),
  // For `seconds` after it arrives, `share` of the requests (spread evenly, deterministically) get ErrorServerBusy.
  z.object({ type: z.literal('serverBusyStorm'), seconds: z.number().positive(), share: z.number().gt(0).max(1), backOffMs: z.number().int().nonnegative() }),
  // The next `count` requests get HTTP 503 with no body, as IIS responds when its request queue is full.
  z.object({ type: z.literal('http503'), count: z.number().int().positive() }),
  z.object({ type: z.literal('expireSyncStates') }),
  z.object({ type: z.literal('expireTokens') }),
  z.object({ type: z.literal('latency'), ms: z.number().int().nonnegative() }),
  // Close every open GetStreamingEvents connection now, as Exchange does when ConnectionTimeout ends.
  z.object({ type: z.literal('closeStreams') }),
  // Forget every subscription: the next GetStreamingEvents or GetEvents gets ErrorInvalidSubscription.
  z.object({ type: z.literal('dropSubscriptions') }),
]);
export type Fault = z.infer<typeof faultSchema>;

export type InjectedFault = { readonly kind: 'busy'; readonly backOffMs: number } | { readonly kind: 'http503' };

/** Pending request faults; each request to the EWS endpoint passes `next` once. */
export class EwsFaults {
  private busy: { remaining: number; backOffMs: number; operation: string | null }[] = [];
  private storms: { until: number; share: number; backOffMs: number; seen: number }[] = [];
  private unavailable = 0;
  latencyMs = 0;

  add(fault: Fault): void {
    if (fault.type === 'serverBusy') this.busy.push({ remaining: fault.count, backOffMs: fault.backOffMs, operation: fault.operation ?? null });
    if (fault.type === 'serverBusyStorm') this.storms.push({ until: Date.now() + fault.seconds * 1000, share: fault.share, backOffMs: fault.backOffMs, seen: 0 });
    if (fault.type === 'http503') this.unavailable += fault.count;
    if (fault.type === 'latency') this.latencyMs = fault.ms;
  }

  clear(): void {
    this.busy = [];
    this.storms = [];
    this.unavailable = 0;
    this.latencyMs = 0;
  }

  next(operation: string): InjectedFault | null {
    if (this.unavailable > 0) {
      this.unavailable -= 1;
      return { kind: 'http503' };
    }

    const now = Date.now();
    this.storms = this.storms.filter((storm) => storm.until > now);
    const storm = this.storms[0];
    if (storm !== undefined) {
      storm.seen += 1;
      if (Math.floor(storm.seen * storm.share) !== Math.floor((storm.seen - 1) * storm.share)) {
        return { kind: 'busy', backOffMs: storm.backOffMs };
      }
    }

    const busy = this.busy.find((entry) => entry.remaining > 0 && (entry.operation === null || entry.operation === operation));
    if (busy === undefined) return null;
    busy.remaining -= 1;
    this.busy = this.busy.filter((entry) => entry.remaining > 0);
    return { kind: 'busy', backOffMs: busy.backOffMs };
  }
}
