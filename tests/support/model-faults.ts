import type { ItemSnapshot, ItemSource, PullResult, SyncWindow, Write, WriteResult } from '../../src/domain/connector.ts';
import { ConnectorError } from '../../src/domain/errors.ts';
import type { SyncStateStore } from '../../src/domain/sync-store.ts';

export type FaultSide = 'mailbox' | 'crm';

/**
 * A fault one session meets on one side, as it reaches the sync core through a connector:
 * - `throttle`: the side rejects its `nth` call with 429/503 and a Retry-After longer than a connector waits within a
 *   session. The connector gives up, so the call fails with `retryLater`, and the side ran nothing of that call.
 * - `lostResponse`: the side's next write request runs, but its response is lost (a 5xx or a dropped connection).
 * - `lockedItem`: in the side's next write request the first write is rejected for the moment (a locked row), and the
 *   others go through.
 * - `tokenExpiry`: the access token expires before the side's `nth` call; the source requests a new one and goes on.
 *   With `refreshFailsOnce` the first token request fails, so that one call fails with `retryLater` and the next
 *   call gets a token.
 * - `expireCursor`: the side's stored change cursor is no longer valid (an expired delta token or watermark).
 */
export type SourceFault =
  | { readonly type: 'throttle'; readonly side: FaultSide; readonly nth: number }
  | { readonly type: 'lostResponse'; readonly side: FaultSide }
  | { readonly type: 'lockedItem'; readonly side: FaultSide }
  | { readonly type: 'tokenExpiry'; readonly side: FaultSide; readonly nth: number; readonly refreshFailsOnce: boolean }
  | { readonly type: 'expireCursor'; readonly side: FaultSide };

/** Thrown where the simulated process dies; nothing after it in the session runs. */
class SimulatedCrash extends Error {}

/**
 * The faults and the crash of one session, which wraps the session's sources and store. The crash point counts every
 * durable write of the session in order: the store's intents, its planned bases, each Salesforce write, each mailbox
 * write, then the commit. `crashBefore: k` lets k - 1 of them happen and dies before the k-th, so a run can hit every
 * gap between two writes. A k past the last write dies at the commit. `fired` lists what happened, for the trace.
 */
export class SessionInjector {
  readonly fired: string[] = [];
  private readonly calls: Record<FaultSide, number> = { mailbox: 0, crm: 0 };
  private readonly pending: SourceFault[];
  private writesDone = 0;
  private crashed = false;

  constructor(
    faults: readonly SourceFault[],
    private readonly crashBefore: number | null = null,
  ) {
    this.pending = [...faults];
  }

  wrapSource<T>(side: FaultSide, source: ItemSource<T>): ItemSource<T> {
    return new InjectedSource(source, side, this);
  }

  wrapStore(store: SyncStateStore): SyncStateStore {
    const durable = new Set(['recordIntents', 'recordPlannedBases', 'commitSession']);
    return new Proxy(store, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') {
          return value;
        }
        if (typeof property !== 'string' || !durable.has(property)) {
          return value.bind(target);
        }
        return async (...args: unknown[]) => {
          this.beforeDurableWrite(property, property === 'commitSession');
          this.writesDone += 1;
          return (value as (...inner: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  }

  /** Count a call of `side` and throw the fault armed for it, if any. */
  beforeCall(side: FaultSide, operation: 'pull' | 'read' | 'write', hasCursor = false): void {
    this.calls[side] += 1;
    const nth = this.calls[side];
    const throttle = this.take((fault) => fault.type === 'throttle' && fault.side === side && fault.nth === nth);
    if (throttle) {
      this.fired.push(`${side} call ${nth} (${operation}) throttled`);
      throw new ConnectorError({ kind: 'retryLater', code: side === 'crm' ? 'REQUEST_LIMIT_EXCEEDED' : 'TooManyRequests', message: 'Throttled; retry after 120 s', retryAfterMs: 120_000 });
    }
    const expiry = this.take((fault) => fault.type === 'tokenExpiry' && fault.side === side && fault.nth === nth);
    if (expiry?.type === 'tokenExpiry' && expiry.refreshFailsOnce) {
      this.fired.push(`${side} token expired before call ${nth}; the refresh failed once`);
      throw new ConnectorError({ kind: 'retryLater', code: 'TokenEndpointUnavailable', message: 'The token endpoint answered 503' });
    }
    if (expiry) {
      this.fired.push(`${side} token expired before call ${nth}; refreshed`);
    }
    if (operation === 'pull' && hasCursor && this.take((fault) => fault.type === 'expireCursor' && fault.side === side)) {
      this.fired.push(`${side} cursor expired`);
      throw new ConnectorError({ kind: 'cursorExpired', code: 'SyncStateNotFound', message: 'The change cursor expired' });
    }
  }

  /** Send `writes` through `send`, applying the crash point, a locked item and a lost response. */
  async write<T>(side: FaultSide, writes: readonly Write<T>[], send: (writes: readonly Write<T>[]) => Promise<WriteResult[]>): Promise<WriteResult[]> {
    let allowed = writes.length;
    if (this.crashBefore !== null && !this.crashed) {
      allowed = Math.max(0, Math.min(writes.length, this.crashBefore - 1 - this.writesDone));
    }
    const locked = allowed > 0 ? this.take((fault) => fault.type === 'lockedItem' && fault.side === side) : undefined;
    const rejected = locked ? writes.slice(0, 1) : [];
    const sent = writes.slice(rejected.length, allowed);
    const results = sent.length > 0 ? await send(sent) : [];
    this.writesDone += rejected.length + sent.length;
    if (allowed < writes.length) {
      this.crashed = true;
      this.fired.push(`crash after ${allowed} of ${writes.length} ${side} writes`);
      throw new SimulatedCrash(`crash before durable write ${this.crashBefore ?? 0}`);
    }
    if (this.take((fault) => fault.type === 'lostResponse' && fault.side === side)) {
      this.fired.push(`${side} response to ${writes.length} writes lost`);
      throw new ConnectorError({ kind: 'retryLater', code: 'ServiceUnavailable', message: 'The response to the write request was lost' });
    }
    if (locked) {
      this.fired.push(`${side} write ${rejected[0]?.ref ?? ''} rejected as locked`);
    }
    const lockedResults = rejected.map((write): WriteResult => ({ ref: write.ref, ok: false, failure: { kind: 'retryLater', code: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' } }));
    return [...lockedResults, ...results];
  }

  private beforeDurableWrite(name: string, isCommit: boolean): void {
    if (this.crashBefore === null || this.crashed) {
      return;
    }
    if (isCommit || this.writesDone + 1 >= this.crashBefore) {
      this.crashed = true;
      this.fired.push(`crash before ${name}`);
      throw new SimulatedCrash(`crash before ${name}`);
    }
  }

  private take(matches: (fault: SourceFault) => boolean): SourceFault | undefined {
    const index = this.pending.findIndex(matches);
    if (index < 0) {
      return undefined;
    }
    const [fault] = this.pending.splice(index, 1);
    return fault;
  }
}

class InjectedSource<T> implements ItemSource<T> {
  constructor(
    private readonly inner: ItemSource<T>,
    private readonly side: FaultSide,
    private readonly injector: SessionInjector,
  ) {}

  get calls(): number {
    return this.inner.calls;
  }

  async pullChanges(cursor: string | null, window: SyncWindow): Promise<PullResult<T>> {
    this.injector.beforeCall(this.side, 'pull', cursor !== null);
    return this.inner.pullChanges(cursor, window);
  }

  async readItems(ids: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
    this.injector.beforeCall(this.side, 'read');
    return this.inner.readItems(ids);
  }

  async findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
    this.injector.beforeCall(this.side, 'read');
    return this.inner.findBySyncIds(syncIds);
  }

  async applyWrites(writes: readonly Write<T>[]): Promise<WriteResult[]> {
    this.injector.beforeCall(this.side, 'write');
    return this.injector.write(this.side, writes, (batch) => this.inner.applyWrites(batch));
  }
}
