import { KEY_PREFIX, makeId } from './ids.ts';
import { RecordTable, type SfRecord } from './record-table.ts';
import { ModstampClock } from './sf-time.ts';
import type { SObjectDef } from './schema/field-def.ts';

interface JournalEntry {
  table: RecordTable;
  before: SfRecord | undefined;
}

/**
 * Everything the emulated org holds: its tables, its id sequence and its modstamp clock. Writes go through
 * `put` so that open transactions (allOrNone) can record the version they would restore on rollback.
 */
export class OrgState {
  readonly orgId: string;
  readonly clock: ModstampClock;
  private sequence: number;
  private readonly tables = new Map<string, RecordTable>();
  private readonly journals: Map<string, JournalEntry>[] = [];

  constructor(defs: SObjectDef[], sequence = 1, lastModstamp = 0) {
    this.orgId = makeId(KEY_PREFIX.Organization, 0);
    this.sequence = sequence;
    this.clock = new ModstampClock(lastModstamp);
    for (const def of defs) this.tables.set(def.name.toLowerCase(), new RecordTable(def));
  }

  /** Returns the table of an sObject, matching the name without regard to case as Salesforce does. */
  table(name: string): RecordTable | undefined {
    return this.tables.get(name.toLowerCase());
  }

  allTables(): RecordTable[] {
    return [...this.tables.values()];
  }

  nextId(prefix: string): string {
    this.sequence += 1;
    return makeId(prefix, this.sequence);
  }

  get idSequence(): number {
    return this.sequence;
  }

  put(table: RecordTable, record: SfRecord): void {
    this.remember(table, String(record.Id));
    table.put(record);
  }

  /** Opens a (possibly nested) transaction. */
  begin(): void {
    this.journals.push(new Map());
  }

  commit(): void {
    const inner = this.journals.pop();
    const outer = this.journals.at(-1);
    if (!inner || !outer) return;
    for (const [key, entry] of inner) if (!outer.has(key)) outer.set(key, entry);
  }

  rollback(): void {
    const inner = this.journals.pop();
    if (!inner) return;
    const touched = new Set<RecordTable>();
    for (const [key, entry] of inner) {
      const id = key.slice(key.indexOf(':') + 1);
      if (entry.before) entry.table.put(entry.before);
      else entry.table.remove(id);
      touched.add(entry.table);
    }
    for (const table of touched) table.resortByModstamp();
  }

  /** Runs `work` in a transaction that is rolled back when it throws or returns `false`. */
  transaction<T>(work: () => T, keep: (result: T) => boolean = () => true): T {
    this.begin();
    try {
      const result = work();
      if (keep(result)) this.commit();
      else this.rollback();
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  private remember(table: RecordTable, id: string): void {
    const journal = this.journals.at(-1);
    if (!journal) return;
    const key = `${table.def.name}:${id}`;
    if (!journal.has(key)) journal.set(key, { table, before: table.get(id) });
  }
}
