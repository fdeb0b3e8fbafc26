/** A counting semaphore: at most `max` holders at once, later callers wait in arrival order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: ((granted: boolean) => void)[] = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`max must be a whole number of 1 or more, got ${max}`);
    }
  }

  /** Resolves true once a slot is held, or false when `cancelWaiting` ran first. */
  acquire(): Promise<boolean> {
    if (this.active < this.max) {
      this.active += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      // The slot passes straight to the next waiter, so `active` stays the same.
      next(true);
      return;
    }
    this.active -= 1;
  }

  cancelWaiting(): void {
    for (const waiter of this.waiting.splice(0)) {
      waiter(false);
    }
  }
}
