import { coerceFieldValue } from './field-values.ts';
import { normalizeEventTimes } from './event-times.ts';
import { afterSeriesSave, checkSeriesSave } from './event-series.ts';
import { afterCreate, beforeSave } from './record-rules.ts';
import { checkEmailMessageUpdate } from './email-message-rules.ts';
import { toId18 } from './ids.ts';
import { SfError, entityIsDeleted, malformedId } from './sf-error.ts';
import { formatDateTime } from './sf-time.ts';
import { findField, type FieldDef, type SObjectDef } from './schema/field-def.ts';
import type { FaultPlan } from './faults.ts';
import type { OrgState } from './org-state.ts';
import type { RecordTable, SfRecord } from './record-table.ts';

export interface WriteContext {
  /** The User the session belongs to: default owner and the CreatedById/LastModifiedById of writes. */
  userId: string;
  /** Admin seeding may set server fields and skips uniqueness and validation rules. */
  admin?: boolean;
  /** `Sforce-Duplicate-Rule-Header: allowSave=true`: saves past the alerts of the standard duplicate rules. */
  allowSave?: boolean;
}

/** An upsert whose external id matched several records (HTTP 300 on the single-record resource). */
export class MultipleMatchesError extends SfError {
  readonly ids: string[];

  constructor(fieldName: string, value: string, ids: string[]) {
    super(300, 'DUPLICATE_EXTERNAL_ID',
      `${fieldName}: more than one record found for external id field: [${ids.join(', ')}]`, [fieldName]);
    this.ids = ids;
  }
}

/** A record the writer just stored, for the change events of Change Data Capture; `previous` is null on create. */
export interface SavedRecord {
  sobject: string;
  change: 'create' | 'update' | 'delete';
  previous: SfRecord | null;
  record: SfRecord;
  userId: string;
}

const ADMIN_FIELDS = new Set(['Id', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'IsDeleted', 'LastActivityDate', 'IsConverted']);

/**
 * Creates, updates, upserts and deletes records with Salesforce's checks: unknown and read-only fields, value
 * types and lengths, restricted picklists, required fields, Event time consistency, unique fields, and the
 * validation rules injected as faults. Every write stamps LastModifiedDate and SystemModstamp.
 */
export class RecordWriter {
  private readonly org: OrgState;
  private readonly faults: FaultPlan;
  /** Told about every stored record; a write rolled back later is told too, so the listener checks what stayed. */
  onSaved: ((saved: SavedRecord) => void) | null = null;

  constructor(org: OrgState, faults: FaultPlan) {
    this.org = org;
    this.faults = faults;
  }

  requireTable(sobject: string): RecordTable {
    const table = this.org.table(sobject);
    if (!table) throw new SfError(400, 'INVALID_TYPE', `sObject type '${sobject}' is not supported.`);
    return table;
  }

  create(sobject: string, body: SfRecord, ctx: WriteContext): string {
    const table = this.requireTable(sobject);
    const def = table.def;
    if (!def.createable && !ctx.admin) {
      throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${def.name}`);
    }
    if ('Id' in body && body.Id !== null && !ctx.admin) {
      throw new SfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
    }
    const patch = coercedPatch(def, body, 'create', ctx.admin === true);
    const stamp = formatDateTime(this.org.clock.next());
    const record = defaults(def);
    Object.assign(record, patch);
    record.Id = typeof patch.Id === 'string' ? patch.Id : this.org.nextId(def.keyPrefix);
    setIf(def, record, 'OwnerId', record.OwnerId ?? ctx.userId);
    setIf(def, record, 'CreatedDate', patch.CreatedDate ?? stamp);
    setIf(def, record, 'CreatedById', patch.CreatedById ?? ctx.userId);
    setIf(def, record, 'LastModifiedDate', patch.LastModifiedDate ?? stamp);
    setIf(def, record, 'LastModifiedById', patch.LastModifiedById ?? ctx.userId);
    setIf(def, record, 'IsDeleted', patch.IsDeleted ?? false);
    record.SystemModstamp = stamp;
    this.finish(table, null, patch, record, ctx);
    return String(record.Id);
  }

  update(sobject: string, rawId: string, body: SfRecord, ctx: WriteContext): void {
    const table = this.requireTable(sobject);
    const def = table.def;
    const previous = this.live(table, rawId);
    if (!def.updateable && !ctx.admin) {
      throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${def.name}`);
    }
    const { Id: _ignored, ...rest } = body;
    const patch = coercedPatch(def, rest, 'update', false);
    if (!ctx.admin) checkEmailMessageUpdate(def, previous, patch);
    const stamp = formatDateTime(this.org.clock.next());
    const record: SfRecord = { ...previous, ...patch, SystemModstamp: stamp };
    setIf(def, record, 'LastModifiedDate', stamp);
    setIf(def, record, 'LastModifiedById', ctx.userId);
    this.finish(table, previous, patch, record, ctx);
  }

  /** Upsert by an external id field (or Id): creates when nothing matches, updates the one match. */
  upsert(sobject: string, fieldName: string, value: string, body: SfRecord, ctx: WriteContext): { id: string; created: boolean } {
    const table = this.requireTable(sobject);
    const def = findField(table.def, fieldName);
    if (!def || (!def.externalId && !def.idLookup)) {
      throw new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
    }
    const matches = this.matchesFor(table, def, value);
    if (matches.length > 1) throw new MultipleMatchesError(def.name, value, matches);

    const rest = withoutField(body, def.name);
    const [match] = matches;
    if (match !== undefined) {
      this.update(sobject, match, rest, ctx);
      return { id: match, created: false };
    }
    if (def.type === 'id') throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { id: this.create(sobject, { ...rest, [def.name]: value }, ctx), created: true };
  }

  delete(sobject: string, rawId: string, ctx: WriteContext): void {
    const table = this.requireTable(sobject);
    if (!table.def.deletable) {
      throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${table.def.name}`);
    }
    const previous = this.live(table, rawId);
    if (!ctx.admin) this.faults.records.checkLock(previous);
    const stamp = formatDateTime(this.org.clock.next());
    const record: SfRecord = { ...previous, IsDeleted: true, SystemModstamp: stamp };
    setIf(table.def, record, 'LastModifiedDate', stamp);
    setIf(table.def, record, 'LastModifiedById', ctx.userId);
    this.org.put(table, record);
    this.onSaved?.({ sobject: table.def.name, change: 'delete', previous, record, userId: ctx.userId });
  }

  /** Returns the stored, not deleted record with this id, or throws MALFORMED_ID, NOT_FOUND or ENTITY_IS_DELETED. */
  live(table: RecordTable, rawId: string): SfRecord {
    const id = toId18(rawId);
    if (!id || id.slice(0, 3) !== table.def.keyPrefix) throw malformedId(rawId, ['Id']);
    const record = table.get(id);
    if (!record) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist', []);
    if (record.IsDeleted === true) throw entityIsDeleted();
    return record;
  }

  private matchesFor(table: RecordTable, def: FieldDef, value: string): string[] {
    if (def.type === 'id') {
      const id = toId18(value);
      if (!id) throw malformedId(value, ['Id']);
      const record = table.get(id);
      return record && record.IsDeleted !== true ? [id] : [];
    }
    return table.findBy(def.name, value).filter((id) => table.get(id)?.IsDeleted !== true);
  }

  private finish(table: RecordTable, previous: SfRecord | null, patch: SfRecord, record: SfRecord, ctx: WriteContext): void {
    const isEvent = table.def.name === 'Event';
    if (isEvent) {
      Object.assign(record, normalizeEventTimes(previous, patch, this.ownerTimeZone(record.OwnerId)));
      if (!ctx.admin) checkSeriesSave(previous, patch, record, this.ownerTimeZone(record.OwnerId));
    }
    if (!ctx.admin) this.faults.records.checkLock(record);
    beforeSave(this.org, table.def, previous, patch, record, ctx.admin === true);
    this.checkOwner(table.def, record);
    if (!ctx.admin) {
      this.checkUnique(table, record);
      this.faults.checkValidationRules(table.def.name, record);
      this.faults.records.checkDuplicates(this.org, table.def.name, record);
      this.faults.standardDuplicateRules.check(this.org, table.def.name, record, ctx.allowSave === true);
    }
    this.org.put(table, record);
    if (previous === null) {
      afterCreate(this.org, table, record, (sobject, body) => this.create(sobject, body, { userId: ctx.userId, admin: true }));
    }
    this.onSaved?.({ sobject: table.def.name, change: previous ? 'update' : 'create', previous, record, userId: ctx.userId });
    if (isEvent && !ctx.admin && record.IsRecurrence2 === true) this.saveSeries(table, previous, patch, record, ctx);
  }

  /** Create or re-create the other occurrences of an event series (`event-series.ts`). */
  private saveSeries(table: RecordTable, previous: SfRecord | null, patch: SfRecord, head: SfRecord, ctx: WriteContext): void {
    // Scanned only when the series is made again, so single events keep writes cheap.
    const occurrences = (): SfRecord[] => [...table.all()].filter((event) => event.RecurrenceActivityId === head.Id && event.IsDeleted !== true);
    const store = (values: SfRecord): string => {
      const stamp = formatDateTime(this.org.clock.next());
      const record: SfRecord = { ...defaults(table.def), ...values, Id: this.org.nextId(table.def.keyPrefix), CreatedDate: stamp,
        CreatedById: ctx.userId, LastModifiedDate: stamp, LastModifiedById: ctx.userId, IsDeleted: false, SystemModstamp: stamp };
      Object.assign(record, normalizeEventTimes(null, values, this.ownerTimeZone(record.OwnerId)));
      this.org.put(table, record);
      this.onSaved?.({ sobject: table.def.name, change: 'create', previous: null, record, userId: ctx.userId });
      return String(record.Id);
    };
    afterSeriesSave(previous, patch, head, occurrences, store, (id) => this.delete(table.def.name, id, ctx));
  }

  private ownerTimeZone(ownerId: unknown): string {
    const user = typeof ownerId === 'string' ? this.org.table('User')?.get(ownerId) : undefined;
    return typeof user?.TimeZoneSidKey === 'string' ? user.TimeZoneSidKey : 'GMT';
  }

  private checkOwner(def: SObjectDef, record: SfRecord): void {
    if (!findField(def, 'OwnerId')) return;
    const user = this.org.table('User')?.get(String(record.OwnerId));
    if (!user || user.IsActive !== true) {
      throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['OwnerId']);
    }
  }

  private checkUnique(table: RecordTable, record: SfRecord): void {
    for (const f of table.def.fields) {
      const value = record[f.name];
      if (!f.unique || f.type === 'id' || typeof value !== 'string' || value === '') continue;
      const other = table.findBy(f.name, value).find((id) => id !== record.Id && table.get(id)?.IsDeleted !== true);
      if (other) {
        throw new SfError(400, 'DUPLICATE_VALUE',
          `duplicate value found: ${f.name} duplicates value on record with id: ${other}`, [f.name]);
      }
    }
  }
}

/** Checks every sent field name and value; returns them under their described names. */
function coercedPatch(def: SObjectDef, body: SfRecord, mode: 'create' | 'update', admin: boolean): SfRecord {
  const patch: SfRecord = {};
  const readOnly: string[] = [];
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'attributes') continue;
    const f = findField(def, key);
    if (!f) throw new SfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [key]);
    const writable = mode === 'create' ? f.createable : f.updateable;
    if (!writable && !(admin && ADMIN_FIELDS.has(f.name))) {
      readOnly.push(f.name);
      continue;
    }
    patch[f.name] = f.name === 'Id' && admin ? adminId(def, raw) : coerceFieldValue(f, raw);
  }
  if (readOnly.length > 0) {
    throw new SfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and `
      + 'verify that it is read/write for your profile or permission set.', readOnly);
  }
  return patch;
}

function adminId(def: SObjectDef, raw: unknown): string {
  const id = typeof raw === 'string' ? toId18(raw) : null;
  if (!id || id.slice(0, 3) !== def.keyPrefix) throw malformedId(String(raw), ['Id']);
  return id;
}

function defaults(def: SObjectDef): SfRecord {
  const record: SfRecord = {};
  for (const f of def.fields) {
    const preset = f.picklistValues.find((p) => p.defaultValue);
    record[f.name] = null;
    if (f.type === 'boolean') record[f.name] = false;
    if (preset && f.type === 'picklist') record[f.name] = preset.value;
  }
  if (findField(def, 'IsActive')) record.IsActive = true;
  return record;
}

function setIf(def: SObjectDef, record: SfRecord, name: string, value: unknown): void {
  if (findField(def, name)) record[name] = value;
}

function withoutField(body: SfRecord, name: string): SfRecord {
  const lower = name.toLowerCase();
  return Object.fromEntries(Object.entries(body).filter(([k]) => k.toLowerCase() !== lower));
}
