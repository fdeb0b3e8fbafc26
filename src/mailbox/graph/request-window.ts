/**
 * Counts requests over a sliding time window in a fixed number of buckets, so memory stays the same however many
 * requests pass. A request is counted in the bucket of its start, and a bucket leaves the window once its end is
 * `windowMs` old. A request may so stay counted up to one bucket (a sixtieth of the window) longer than the window,
 * which errs on the safe side.
 */
export interface RequestWindowSettings {
  readonly maxRequests: number;
  readonly windowMs: number;
}

const BUCKETS = 60;

export class RequestWindow {
  private readonly bucketMs: number;
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];

  constructor(
    readonly settings: RequestWindowSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(settings.maxRequests) || settings.maxRequests < 1) {
      throw new Error(`maxRequests ${settings.maxRequests} is invalid: use a whole number of 1 or more`);
    }
    if (!Number.isFinite(settings.windowMs) || settings.windowMs <= 0) {
      throw new Error(`windowMs ${settings.windowMs} is invalid: use a duration above 0 milliseconds`);
    }
    this.bucketMs = settings.windowMs / BUCKETS;
  }

  /** Requests counted in the window now. */
  get used(): number {
    this.expire();
    return this.counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Count `cost` requests when the window has room and return 0, or count nothing and return the milliseconds
   * until enough of the oldest requests leave the window. A cost above the whole window is capped at it.
   */
  tryTake(cost: number): number {
    this.expire();
    const needed = Math.min(Math.max(1, cost), this.settings.maxRequests);
    const excess = this.used + needed - this.settings.maxRequests;
    if (excess <= 0) {
      this.add(needed);
      return 0;
    }

    let freed = 0;
    for (let index = 0; index < this.starts.length; index += 1) {
      freed += this.counts[index] ?? 0;
      if (freed >= excess) {
        return Math.max(1, Math.ceil((this.starts[index] ?? 0) + this.bucketMs + this.settings.windowMs - this.now()));
      }
    }
    return Math.ceil(this.bucketMs);
  }

  private add(cost: number): void {
    const bucketStart = Math.floor(this.now() / this.bucketMs) * this.bucketMs;
    const last = this.starts.length - 1;
    if (last >= 0 && this.starts[last] === bucketStart) {
      this.counts[last] = (this.counts[last] ?? 0) + cost;
      return;
    }

    this.starts.push(bucketStart);
    this.counts.push(cost);
  }

  private expire(): void {
    const cutoff = this.now() - this.settings.windowMs;
    while (this.starts.length > 0 && (this.starts[0] ?? 0) + this.bucketMs <= cutoff) {
      this.starts.shift();
      this.counts.shift();
    }
  }
}
