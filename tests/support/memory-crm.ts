import type { Change, CrmRecord, ItemSnapshot, ItemSource, PullResult, Write, WriteResult } from '../../src/domain/connector.ts';

interface StoredRecord {
  readonly record: CrmRecord;
  readonly version: number;
  readonly modifiedAt: string;
  readonly syncId: string | null;
}

/** Ticks one minute per call, so that every write of either side has its own modification time. */
type ModelClock = () => string;

export function modelClock(start = '2026-12-01T08:00:00Z'): ModelClock {
  let now = Date.parse(start);
  return () => {
    now += 60_000;
    return new Date(now).toISOString();
  };
}

/**
 * One Salesforce object kept in memory, as the sync core reads it through a record source: every field the mapping
 * reads is on every record (null when unset, like a SOQL row), creates carry the sync id as an External ID, and a
 * deleted record stays visible to a cursor pull as a deletion (the Recycle Bin, read through `queryAll`). Ids look
 * like Salesforce ids so item errors and links read like real ones. `insert`, `edit` and `remove` act as a person in
 * Salesforce.
 */
export class MemoryCrm implements ItemSource<CrmRecord> {
  private readonly records = new Map<string, StoredRecord>();
  private readonly log: { readonly seq: number; readonly id: string }[] = [];
  private seq = 0;
  private nextId = 1;
  calls = 0;

  constructor(
    private readonly idPrefix: string,
    private readonly fields: readonly string[],
    private readonly clock: ModelClock = modelClock(),
  ) {}

  insert(values: CrmRecord, syncId: string | null = null): string {
    const id = `${this.idPrefix}${String(this.nextId++).padStart(15 - this.idPrefix.length, '0')}`;
    const blank = Object.fromEntries(this.fields.map((field) => [field, null]));
    this.store(id, { ...blank, ...values, Id: id }, syncId);
    return id;
  }

  edit(id: string, values: CrmRecord): void {
    const current = this.require(id);
    this.store(id, { ...current.record, ...values, Id: id }, current.syncId);
  }

  remove(id: string): void {
    this.require(id);
    this.records.delete(id);
    this.log.push({ seq: ++this.seq, id });
  }

  all(): { id: string; record: CrmRecord; syncId: string | null }[] {
    return [...this.records].map(([id, stored]) => ({ id, record: stored.record, syncId: stored.syncId }));
  }

  async pullChanges(cursor: string | null): Promise<PullResult<CrmRecord>> {
    this.calls += 1;
    if (cursor === null) {
      return { changes: [...this.records.keys()].map((id) => this.upsertChange(id)), nextCursor: String(this.seq), isFullListing: true };
    }
    const since = Number(cursor);
    const ids = [...new Set(this.log.filter((entry) => entry.seq > since).map((entry) => entry.id))];
    const changes = ids.map((id): Change<CrmRecord> => (this.records.has(id) ? this.upsertChange(id) : { kind: 'delete', id, mayStillExist: false }));
    return { changes, nextCursor: String(this.seq), isFullListing: false };
  }

  async readItems(ids: readonly string[]): Promise<Map<string, ItemSnapshot<CrmRecord>>> {
    this.calls += 1;
    return new Map(ids.filter((id) => this.records.has(id)).map((id) => [id, this.snapshot(id)]));
  }

  async findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<CrmRecord>>> {
    this.calls += 1;
    const wanted = new Set(syncIds);
    const found = new Map<string, ItemSnapshot<CrmRecord>>();
    for (const [id, stored] of this.records) {
      if (stored.syncId !== null && wanted.has(stored.syncId)) {
        found.set(stored.syncId, this.snapshot(id));
      }
    }
    return found;
  }

  async applyWrites(writes: readonly Write<CrmRecord>[]): Promise<WriteResult[]> {
    this.calls += 1;
    return writes.map((write) => this.applyWrite(write));
  }

  private applyWrite(write: Write<CrmRecord>): WriteResult {
    if (write.op === 'create') {
      // An upsert by External ID: a create repeated after a crash updates the record the first one made.
      const existing = [...this.records].find(([, stored]) => stored.syncId === write.syncId)?.[0];
      const id = existing ?? this.insert(write.item, write.syncId);
      if (existing !== undefined) {
        this.edit(existing, write.item);
      }
      return { ref: write.ref, ok: true, id, version: String(this.require(id).version) };
    }
    if (!this.records.has(write.id)) {
      return { ref: write.ref, ok: false, failure: { kind: 'notFound', code: 'ENTITY_IS_DELETED', message: `Record ${write.id} is deleted` } };
    }
    if (write.op === 'delete') {
      this.remove(write.id);
      return { ref: write.ref, ok: true, id: write.id, version: null };
    }
    this.edit(write.id, write.patch);
    return { ref: write.ref, ok: true, id: write.id, version: String(this.require(write.id).version) };
  }

  private store(id: string, record: CrmRecord, syncId: string | null): void {
    this.records.set(id, { record, version: ++this.seq, modifiedAt: this.clock(), syncId });
    this.log.push({ seq: this.seq, id });
  }

  private require(id: string): StoredRecord {
    const stored = this.records.get(id);
    if (stored === undefined) {
      throw new Error(`The memory Salesforce org has no record ${id}`);
    }
    return stored;
  }

  private snapshot(id: string): ItemSnapshot<CrmRecord> {
    const stored = this.require(id);
    return { id, version: String(stored.version), modifiedAt: stored.modifiedAt, syncId: stored.syncId, item: stored.record };
  }

  private upsertChange(id: string): Change<CrmRecord> {
    return { kind: 'upsert', ...this.snapshot(id) };
  }
}
