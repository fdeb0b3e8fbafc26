import { createHash, randomUUID } from 'node:crypto';
import { parseDateTime } from '../sf-time.ts';
import type { OrgState } from '../org-state.ts';
import type { SfRecord } from '../record-table.ts';
import type { RecordWriter, SavedRecord } from '../record-writer.ts';
import type { ChangeBus } from './change-bus.ts';

/** Change Data Capture settings a test can change through `PUT /_admin/streaming/settings`. */
export interface CaptureSettings {
  /** Objects selected for Change Data Capture (Setup → Change Data Capture). */
  entities: string[];
  /** Changes one transaction may publish before the rest becomes one GAP_OVERFLOW event per object. */
  overflowThreshold: number;
  /** The next N change events are published as gap events (header only), as when Salesforce could not build them. */
  gapNext: number;
}

interface PendingChange {
  saved: SavedRecord;
  origin: string;
}

/** Record fields a change event never carries: the id travels in the header, the rest are system bookkeeping. */
const NOT_IN_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

/** Builds the changeOrigin header value for a REST call: `com/salesforce/api/rest/62.0;client=Syncline`. */
export function restChangeOrigin(apiVersion: string, callOptions: string | undefined): string {
  const client = (callOptions ?? '').split(',').map((part) => part.trim()).find((part) => part.startsWith('client='));
  const base = `com/salesforce/api/rest/${apiVersion}`;
  return client === undefined || client === 'client=' ? base : `${base};${client}`;
}

/**
 * Turns the records the writer stores into change events on the bus. Changes are collected while a request runs
 * and published when it returns, so a write rolled back by `allOrNone` publishes nothing. One request is one
 * transaction: one transactionKey, sequence numbers from 1.
 */
export class ChangeCapture {
  readonly settings: CaptureSettings = { entities: ['Event'], overflowThreshold: 100_000, gapNext: 0 };
  private pending: PendingChange[] = [];
  private origin: string | null = null;
  private flushQueued = false;
  private knownOrg: OrgState | null = null;
  private commitNumber = 0;

  constructor(private readonly bus: ChangeBus, private readonly orgOf: () => OrgState) {}

  /** Listens to the writer in use; the core builds a new org and writer on reset, which also empties the bus. */
  attach(writer: RecordWriter): void {
    const org = this.orgOf();
    if (this.knownOrg !== null && this.knownOrg !== org) this.bus.trim(0);
    this.knownOrg = org;
    writer.onSaved = this.listener;
  }

  /** Runs one API request's synchronous work; its committed changes are published with `origin` when it returns. */
  during<T>(origin: string, work: () => T): T {
    this.origin = origin;
    try {
      return work();
    } finally {
      this.origin = null;
      this.flush();
    }
  }

  private readonly listener = (saved: SavedRecord): void => {
    if (!this.settings.entities.some((name) => name.toLowerCase() === saved.sobject.toLowerCase())) return;
    this.pending.push({ saved, origin: this.origin ?? '' });
    // Admin seeding writes outside `during`; its changes go out once the seeding call has finished.
    if (this.origin === null && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  };

  private flush(): void {
    this.flushQueued = false;
    const committed = this.pending.filter((change) => this.stillStored(change.saved));
    this.pending = [];
    if (committed.length === 0) return;

    const transactionKey = randomUUID();
    const overflowed = new Set<string>();
    let used = 0;
    let sequenceNumber = 0;
    this.commitNumber += 1;
    for (const change of committed) {
      const cost = changeCost(change.saved);
      if (used + cost > this.settings.overflowThreshold) {
        overflowed.add(change.saved.sobject);
        continue;
      }
      used += cost;
      sequenceNumber += 1;
      this.publishChange(change, { transactionKey, sequenceNumber, commitNumber: this.commitNumber });
    }
    for (const entityName of overflowed) {
      sequenceNumber += 1;
      const header = { entityName, recordIds: [], changeType: 'GAP_OVERFLOW', changeOrigin: '', transactionKey,
        sequenceNumber, commitTimestamp: Date.now(), commitNumber: this.commitNumber, commitUser: '', changedFields: [] };
      this.bus.publish(entityName, { ChangeEventHeader: header }, schemaId(entityName));
    }
  }

  /** True unless a rollback restored an older version of the record (or removed a created one). */
  private stillStored(saved: SavedRecord): boolean {
    const current = this.orgOf().table(saved.sobject)?.get(String(saved.record.Id));
    return current !== undefined && String(current.SystemModstamp) >= String(saved.record.SystemModstamp);
  }

  private publishChange(change: PendingChange, tx: { transactionKey: string; sequenceNumber: number; commitNumber: number }): void {
    const { saved } = change;
    const gap = this.settings.gapNext > 0;
    if (gap) this.settings.gapNext -= 1;

    const fields = gap ? {} : eventFields(saved);
    const changeType = `${gap ? 'GAP_' : ''}${saved.change.toUpperCase()}`;
    const header = {
      entityName: saved.sobject, recordIds: [String(saved.record.Id)], changeType, changeOrigin: change.origin,
      ...tx, commitTimestamp: parseDateTime(String(saved.record.SystemModstamp)) ?? Date.now(),
      commitUser: saved.userId, changedFields: gap || saved.change !== 'update' ? [] : Object.keys(fields),
    };
    this.bus.publish(saved.sobject, { ChangeEventHeader: header, ...fields }, schemaId(saved.sobject));
  }
}

/** Record fields of the event body: every set field on create, the changed ones (and LastModifiedDate) on update. */
function eventFields(saved: SavedRecord): SfRecord {
  if (saved.change === 'delete') return {};
  const fields: SfRecord = {};
  for (const [name, value] of Object.entries(saved.record)) {
    if (NOT_IN_EVENTS.has(name)) continue;
    if (saved.change === 'create' && value !== null) fields[name] = value;
    if (saved.change === 'update' && !sameValue(saved.previous?.[name], value)) fields[name] = value;
  }
  return fields;
}

/** Creates and deletes count once toward the overflow threshold, updates once per changed field. */
function changeCost(saved: SavedRecord): number {
  if (saved.change !== 'update') return 1;
  return Math.max(1, Object.keys(eventFields(saved)).length);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Returns a stable stand-in for the Avro schema id Salesforce puts in each event. */
function schemaId(entityName: string): string {
  return createHash('sha256').update(`${entityName}ChangeEvent`).digest('base64url').slice(0, 22);
}
