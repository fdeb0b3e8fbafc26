import { toId18 } from './ids.ts';
import { SfError, entityIsDeleted } from './sf-error.ts';
import { findField, type SObjectDef } from './schema/field-def.ts';
import type { OrgState } from './org-state.ts';
import type { RecordTable, SfRecord } from './record-table.ts';

/** Creates a record as the server itself does (admin: server fields allowed, no validation rules). */
export type ServerCreate = (sobject: string, body: SfRecord) => string;

/**
 * Per-object behaviour of a save that the field definitions cannot express: derived fields (Name, IsClosed,
 * RelationObjectType, file metadata), required fields, and lookups that must point at live records.
 */
export function beforeSave(org: OrgState, def: SObjectDef, previous: SfRecord | null, patch: SfRecord, record: SfRecord,
  admin: boolean): void {
  deriveFields(org, def, previous, record);
  if (admin) return;
  if (previous === null) checkRequired(def, record);
  checkReferences(org, def, patch);
}

function deriveFields(org: OrgState, def: SObjectDef, previous: SfRecord | null, record: SfRecord): void {
  switch (def.name) {
    case 'Contact': case 'Lead':
      record.Name = fullName(record);
      return;
    case 'Account':
      deriveAccount(def, previous, record);
      return;
    case 'Task':
      record.IsClosed = record.Status === 'Completed';
      // Reopening a task clears its completion time, as Salesforce does.
      if (record.IsClosed && record.CompletedDateTime === null) record.CompletedDateTime = record.SystemModstamp;
      if (!record.IsClosed) record.CompletedDateTime = null;
      if (previous === null && record.TaskSubtype === null) record.TaskSubtype = 'Task';
      return;
    case 'Opportunity':
      record.IsClosed = String(record.StageName ?? '').startsWith('Closed');
      record.IsWon = record.StageName === 'Closed Won';
      return;
    case 'EventRelation':
      if (previous === null) deriveEventRelation(def, record);
      return;
    case 'EmailMessageRelation':
      deriveEmailRelation(org, record);
      return;
    case 'ContentVersion':
      if (previous === null) deriveContentVersion(org, record);
      return;
  }
}

function fullName(record: SfRecord): string {
  return [record.FirstName, record.LastName].filter((part) => typeof part === 'string' && part !== '').join(' ');
}

/** Without record types, LastName on create marks a person account; its Name follows the person's name. */
function deriveAccount(def: SObjectDef, previous: SfRecord | null, record: SfRecord): void {
  if (!findField(def, 'IsPersonAccount')) return;
  if (previous === null) record.IsPersonAccount = typeof record.LastName === 'string' && record.LastName !== '';
  if (record.IsPersonAccount === true) {
    record.Name = fullName(record);
    return;
  }
  if (typeof record.Name !== 'string' || record.Name === '') {
    throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name']);
  }
}

/** Mark a relation to an Account or Opportunity as the event's What, and a person as an invitee unless flagged parent. */
function deriveEventRelation(def: SObjectDef, record: SfRecord): void {
  const prefix = String(record.RelationId ?? '').slice(0, 3);
  const isWhat = prefix === '001' || prefix === '006';
  if (findField(def, 'IsWhat')) record.IsWhat = isWhat;
  if (isWhat || record.IsParent === true) return;
  record.IsInvitee = true;
}

function deriveEmailRelation(org: OrgState, record: SfRecord): void {
  const relationId = typeof record.RelationId === 'string' ? record.RelationId : null;
  if (relationId === null) {
    if (typeof record.RelationAddress !== 'string' || record.RelationAddress === '') {
      throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [RelationId]', ['RelationId']);
    }
    record.RelationObjectType = null;
    return;
  }
  const table = tableForId(org, relationId);
  record.RelationObjectType = table?.def.name ?? null;
  const related = table?.get(relationId);
  if (related && typeof related.Email === 'string') record.RelationAddress = related.Email;
}

function deriveContentVersion(org: OrgState, record: SfRecord): void {
  const path = String(record.PathOnClient ?? '');
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  if (record.Title === null || record.Title === '') record.Title = dot > 0 ? base.slice(0, dot) : base;
  record.FileExtension = extension === '' ? null : extension;
  record.FileType = extension === '' ? 'UNKNOWN' : extension.toUpperCase();
  record.ContentSize = typeof record.VersionData === 'string' ? Buffer.from(record.VersionData, 'base64').length : 0;
  record.IsLatest = true;
  const documentId = typeof record.ContentDocumentId === 'string' ? record.ContentDocumentId : null;
  const versions = documentId === null ? [] : [...(org.table('ContentVersion')?.all() ?? [])]
    .filter((v) => v.ContentDocumentId === documentId && v.IsDeleted !== true);
  record.VersionNumber = String(versions.length + 1);
}

/** REQUIRED_FIELD_MISSING naming every createable, non-nillable field a create left empty. */
function checkRequired(def: SObjectDef, record: SfRecord): void {
  const missing = def.fields
    .filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean')
    .filter((f) => record[f.name] === null || record[f.name] === undefined || record[f.name] === '')
    .map((f) => f.name);
  if (missing.length > 0) {
    throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }
}

/** A lookup sent in the request must name a record of a served object that exists and is not deleted. */
function checkReferences(org: OrgState, def: SObjectDef, patch: SfRecord): void {
  for (const [name, value] of Object.entries(patch)) {
    const f = findField(def, name);
    if (!f || f.type !== 'reference' || f.name === 'OwnerId' || typeof value !== 'string') continue;
    const table = tableForId(org, value);
    if (!table) continue;
    const target = table.get(value);
    if (!target) throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
    if (target.IsDeleted === true) {
      const error = entityIsDeleted();
      throw new SfError(400, error.errorCode, error.message, [f.name]);
    }
  }
}

function tableForId(org: OrgState, id: string): RecordTable | undefined {
  const id18 = toId18(id);
  return id18 === null ? undefined : org.allTables().find((t) => t.def.keyPrefix === id18.slice(0, 3));
}

/** Records a create brings along: a version's ContentDocument and first link, a person account's Contact. */
export function afterCreate(org: OrgState, table: RecordTable, record: SfRecord, create: ServerCreate): void {
  if (table.def.name === 'ContentVersion') publishVersion(org, table, record, create);
  if (table.def.name === 'Account' && record.IsPersonAccount === true) addPersonContact(org, table, record, create);
}

function publishVersion(org: OrgState, table: RecordTable, version: SfRecord, create: ServerCreate): void {
  const documents = org.table('ContentDocument');
  if (!documents) return;
  let documentId = typeof version.ContentDocumentId === 'string' ? version.ContentDocumentId : null;
  if (documentId === null) {
    documentId = create('ContentDocument', { Title: version.Title, OwnerId: version.OwnerId });
    // The version was created in this write, so it is changed in place and listeners see the final record.
    version.ContentDocumentId = documentId;
    org.put(table, version);
  } else {
    for (const older of [...table.all()].filter((v) => v.ContentDocumentId === documentId && v.Id !== version.Id)) {
      storeDerived(org, table, String(older.Id), { IsLatest: false });
    }
  }
  storeDerived(org, documents, documentId, {
    LatestPublishedVersionId: version.Id, FileExtension: version.FileExtension, FileType: version.FileType,
    ContentSize: version.ContentSize,
  });
  if (typeof version.FirstPublishLocationId === 'string') {
    create('ContentDocumentLink', { ContentDocumentId: documentId, LinkedEntityId: version.FirstPublishLocationId, ShareType: 'I' });
  }
}

function addPersonContact(org: OrgState, table: RecordTable, account: SfRecord, create: ServerCreate): void {
  const contactId = create('Contact', {
    AccountId: account.Id, OwnerId: account.OwnerId, FirstName: account.FirstName, LastName: account.LastName,
    Email: account.PersonEmail ?? null, Title: account.PersonTitle ?? null,
  });
  const contacts = org.table('Contact');
  if (contacts) storeDerived(org, contacts, contactId, { IsPersonAccount: true });
  account.PersonContactId = contactId;
  org.put(table, account);
}

/**
 * Sets server-computed fields on a stored record without a new SystemModstamp, as a same-transaction save does.
 * A copy is stored, because the transaction journal keeps the earlier object for a rollback.
 */
function storeDerived(org: OrgState, table: RecordTable, id: string, values: SfRecord): void {
  const current = table.get(id);
  if (current) org.put(table, { ...current, ...values });
}
