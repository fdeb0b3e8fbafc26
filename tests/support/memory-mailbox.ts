import type { Change, ItemSnapshot, ItemSource, PullResult, Write, WriteResult } from '../../src/domain/connector.ts';

interface Stored<T> {
  readonly item: T;
  readonly version: number;
  readonly modifiedAt: string;
  readonly syncId: string | null;
}

/**
 * A mailbox side kept in memory, for kinds whose real connector a test does not need. It lists everything without a
 * cursor, keeps a change log behind each cursor (like a delta token), reads by id and sync id, and returns a result
 * per write. Updates check `expectedVersion` like If-Match. `edit`, `add` and `remove` act as the mailbox's user.
 */
export class MemoryMailbox<T extends object> implements ItemSource<T> {
  private readonly items = new Map<string, Stored<T>>();
  /** Ids changed at each sequence number; a deletion leaves the id without an item. */
  private readonly log: { readonly seq: number; readonly id: string }[] = [];
  private seq = 0;
  private nextId = 1;
  /** Modification times start in the past, so an edit made in Salesforce now is the later one. */
  private clock = Date.parse('2020-01-01T08:00:00Z');
  calls = 0;

  /** `now` replaces the mailbox's own clock, so a model can order the edits of both sides on one time line. */
  constructor(private readonly now?: () => string) {}

  /** The writes of each `applyWrites` call, in order, so a test can check what the engine sent. */
  readonly writeLog: Write<T>[][] = [];

  add(item: T, syncId: string | null = null): string {
    const id = `mbx-${this.nextId++}`;
    this.store(id, item, syncId);
    return id;
  }

  edit(id: string, patch: Partial<T>): void {
    const current = this.require(id);
    this.store(id, { ...current.item, ...patch }, current.syncId);
  }

  remove(id: string): void {
    this.require(id);
    this.items.delete(id);
    this.log.push({ seq: ++this.seq, id });
  }

  get(id: string): T {
    return this.require(id).item;
  }

  all(): { id: string; item: T; syncId: string | null }[] {
    return [...this.items].map(([id, stored]) => ({ id, item: stored.item, syncId: stored.syncId }));
  }

  async pullChanges(cursor: string | null): Promise<PullResult<T>> {
    this.calls += 1;
    if (cursor === null) {
      const changes = [...this.items.keys()].map((id) => this.upsertChange(id));
      return { changes, nextCursor: String(this.seq), isFullListing: true };
    }

    const since = Number(cursor);
    const ids = [...new Set(this.log.filter((entry) => entry.seq > since).map((entry) => entry.id))];
    const changes = ids.map((id): Change<T> => (this.items.has(id) ? this.upsertChange(id) : { kind: 'delete', id, mayStillExist: false }));
    return { changes, nextCursor: String(this.seq), isFullListing: false };
  }

  async readItems(ids: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
    this.calls += 1;
    return new Map(ids.filter((id) => this.items.has(id)).map((id) => [id, this.snapshot(id)]));
  }

  async findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
    this.calls += 1;
    const requested = new Set(syncIds);
    const found = new Map<string, ItemSnapshot<T>>();
    for (const [id, stored] of this.items) {
      if (stored.syncId !== null && requested.has(stored.syncId)) {
        found.set(stored.syncId, this.snapshot(id));
      }
    }
    return found;
  }

  async applyWrites(writes: readonly Write<T>[]): Promise<WriteResult[]> {
    this.calls += 1;
    this.writeLog.push([...writes]);
    return writes.map((write) => this.applyWrite(write));
  }

  private applyWrite(write: Write<T>): WriteResult {
    if (write.op === 'create') {
      const id = this.add(write.item, write.syncId);
      return { ref: write.ref, ok: true, id, version: String(this.require(id).version) };
    }

    const current = this.items.get(write.id);
    if (current === undefined) {
      return { ref: write.ref, ok: false, failure: { kind: 'notFound', code: 'ErrorItemNotFound', message: `No item ${write.id}` } };
    }
    if (write.op === 'delete') {
      this.remove(write.id);
      return { ref: write.ref, ok: true, id: write.id, version: null };
    }
    if (write.expectedVersion !== null && write.expectedVersion !== String(current.version)) {
      return { ref: write.ref, ok: false, failure: { kind: 'conflict', code: 'ErrorIrresolvableConflict', message: `Item ${write.id} changed since version ${write.expectedVersion}` } };
    }
    this.store(write.id, { ...current.item, ...write.patch }, current.syncId);
    return { ref: write.ref, ok: true, id: write.id, version: String(this.require(write.id).version) };
  }

  private store(id: string, item: T, syncId: string | null): void {
    this.clock += 60_000;
    const modifiedAt = this.now === undefined ? new Date(this.clock).toISOString() : this.now();
    this.items.set(id, { item, version: ++this.seq, modifiedAt, syncId });
    this.log.push({ seq: this.seq, id });
  }

  private require(id: string): Stored<T> {
    const stored = this.items.get(id);
    if (stored === undefined) {
      throw new Error(`The memory mailbox has no item ${id}`);
    }
    return stored;
  }

  private snapshot(id: string): ItemSnapshot<T> {
    const stored = this.require(id);
    return { id, version: String(stored.version), modifiedAt: stored.modifiedAt, syncId: stored.syncId, item: stored.item };
  }

  private upsertChange(id: string): Change<T> {
    return { kind: 'upsert', ...this.snapshot(id) };
  }
}
