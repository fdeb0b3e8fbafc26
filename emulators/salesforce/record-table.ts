import type { SObjectDef } from './schema/field-def.ts';

/** One stored record: field name (as described) → value in its wire form (datetimes as Salesforce text). */
export type SfRecord = Record<string, unknown>;

/**
 * The records of one sObject, deleted ones included (the recycle bin). Indexed by Id and by every unique or
 * external id field (lower-cased, since Salesforce matches them case-insensitively). The Map keeps records in
 * write order, which is SystemModstamp order because every write moves the record to the end.
 */
export class RecordTable {
  readonly def: SObjectDef;
  private readonly byId = new Map<string, SfRecord>();
  private readonly lookups = new Map<string, Map<string, Set<string>>>();

  constructor(def: SObjectDef) {
    this.def = def;
    for (const f of def.fields) {
      if (f.externalId || (f.unique && f.type !== 'id')) this.lookups.set(f.name, new Map());
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): SfRecord | undefined {
    return this.byId.get(id);
  }

  /** Records in SystemModstamp order. */
  all(): IterableIterator<SfRecord> {
    return this.byId.values();
  }

  /** Ids of the records (deleted ones too) whose `fieldName` equals `value`, ignoring case. */
  findBy(fieldName: string, value: string): string[] {
    const index = this.lookups.get(fieldName);
    if (!index) return [];
    return [...(index.get(value.toLowerCase()) ?? [])];
  }

  isIndexed(fieldName: string): boolean {
    return this.lookups.has(fieldName);
  }

  /** Stores a record, replacing any earlier version and moving it to the end of the write order. */
  put(record: SfRecord): void {
    const id = String(record.Id);
    const previous = this.byId.get(id);
    if (previous) this.unindex(previous);
    this.byId.delete(id);
    this.byId.set(id, record);
    this.index(record);
  }

  remove(id: string): void {
    const previous = this.byId.get(id);
    if (!previous) return;
    this.unindex(previous);
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
    for (const index of this.lookups.values()) index.clear();
  }

  /** Restores write order after a rollback put older versions back at the end. */
  resortByModstamp(): void {
    const records = [...this.byId.values()].sort((a, b) => String(a.SystemModstamp).localeCompare(String(b.SystemModstamp)));
    this.byId.clear();
    for (const r of records) this.byId.set(String(r.Id), r);
  }

  private index(record: SfRecord): void {
    for (const [name, index] of this.lookups) {
      const value = record[name];
      if (typeof value !== 'string' || value === '') continue;
      const key = value.toLowerCase();
      const ids = index.get(key) ?? new Set<string>();
      ids.add(String(record.Id));
      index.set(key, ids);
    }
  }

  private unindex(record: SfRecord): void {
    for (const [name, index] of this.lookups) {
      const value = record[name];
      if (typeof value !== 'string' || value === '') continue;
      const ids = index.get(value.toLowerCase());
      ids?.delete(String(record.Id));
      if (ids && ids.size === 0) index.delete(value.toLowerCase());
    }
  }
}
