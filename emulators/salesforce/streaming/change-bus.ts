/** One published change event as the event bus keeps it. */
export interface BusEvent {
  replayId: number;
  entityName: string;
  publishedAt: number;
  /** The `data` member of the delivered Bayeux message: `{schema, payload, event: {replayId}}`. */
  data: Record<string, unknown>;
}

/** Salesforce keeps change events on the event bus for three days. */
export const RETENTION_MS = 72 * 3_600_000;

/**
 * The org's event bus: change events in replay id order, the newest `capacity` of them kept for 72 hours. Replay
 * ids start at the clock in microseconds, so an id stored before an emulator restart never names a new event.
 */
export class ChangeBus {
  capacity: number;
  private events: BusEvent[] = [];
  private sequence = Date.now() * 1000;
  private readonly listeners = new Set<() => void>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  publish(entityName: string, payload: Record<string, unknown>, schema: string): number {
    this.sequence += 1;
    const replayId = this.sequence;
    const data = { schema, payload, event: { replayId } };
    this.events.push({ replayId, entityName, publishedAt: Date.now(), data });
    this.dropExpired();
    for (const listener of [...this.listeners]) listener();
    return replayId;
  }

  /** The replay id of the newest event ever published, retained or not. */
  get tip(): number {
    return this.sequence;
  }

  /** The replay id just before the oldest retained event: where a `-2` subscription starts. */
  get start(): number {
    const oldest = this.events[0];
    return oldest === undefined ? this.sequence : oldest.replayId - 1;
  }

  isRetained(replayId: number): boolean {
    return this.indexOf(replayId) !== -1;
  }

  /** Retained events after `replayId` for which `matches` holds, oldest first, at most `limit`. */
  after(replayId: number, matches: (event: BusEvent) => boolean, limit: number): BusEvent[] {
    const found: BusEvent[] = [];
    for (let i = this.firstAfter(replayId); i < this.events.length && found.length < limit; i += 1) {
      const event = this.events[i];
      if (event && matches(event)) found.push(event);
    }
    return found;
  }

  all(): readonly BusEvent[] {
    return this.events;
  }

  /** Keeps only the newest `keepLast` events, as if the older ones had aged out of retention. */
  trim(keepLast: number): void {
    this.events = keepLast <= 0 ? [] : this.events.slice(-keepLast);
  }

  /** Calls `listener` after every publish until the returned function is called. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dropExpired(): void {
    const horizon = Date.now() - RETENTION_MS;
    const expired = this.events.findIndex((event) => event.publishedAt >= horizon);
    if (expired === -1) this.events = [];
    if (expired > 0) this.events = this.events.slice(expired);
    if (this.events.length > this.capacity) this.events = this.events.slice(-this.capacity);
  }

  private indexOf(replayId: number): number {
    const index = this.firstAfter(replayId - 1);
    return this.events[index]?.replayId === replayId ? index : -1;
  }

  /** Index of the first event whose replay id is greater than `replayId` (binary search; ids only grow). */
  private firstAfter(replayId: number): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.events[middle]?.replayId ?? Infinity) <= replayId) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
