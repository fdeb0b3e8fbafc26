import { field, systemField, type FieldDef } from './field-def.ts';

/** Build the record id field every object has. */
export function idField(label: string): FieldDef {
  return systemField({ name: 'Id', label, type: 'id', length: 18, idLookup: true });
}

/** OwnerId: the User that owns the record, the session's user when a create leaves it out. */
export function ownerField(): FieldDef {
  return field({
    name: 'OwnerId', label: 'Owner ID', type: 'reference', length: 18, nillable: false, defaultedOnCreate: true,
    referenceTo: ['User'], relationshipName: 'Owner',
  });
}

/** Build the audit fields Salesforce stamps on every write, plus IsDeleted for the recycle bin. */
export function auditFields(options: { lastModified?: boolean } = {}): FieldDef[] {
  const fields = [
    systemField({ name: 'CreatedDate', label: 'Created Date', type: 'datetime' }),
    systemField({ name: 'CreatedById', label: 'Created By ID', type: 'reference', length: 18, referenceTo: ['User'],
      relationshipName: 'CreatedBy' }),
  ];
  if (options.lastModified !== false) {
    fields.push(
      systemField({ name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime' }),
      systemField({ name: 'LastModifiedById', label: 'Last Modified By ID', type: 'reference', length: 18,
        referenceTo: ['User'], relationshipName: 'LastModifiedBy' }),
    );
  }
  fields.push(
    systemField({ name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime' }),
    systemField({ name: 'IsDeleted', label: 'Deleted', type: 'boolean' }),
  );
  return fields;
}

/** Build the org's custom External ID text field that carries Syncline's sync id. */
export function syncIdFieldDef(name: string): FieldDef {
  return field({
    name, label: 'Syncline Sync Id', type: 'string', length: 255, custom: true, externalId: true, idLookup: true,
    unique: true, caseSensitive: false,
  });
}

/** Build a read-only field the server computes (a formula, a roll-up or a value derived on save). */
export function derivedField(spec: Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>): FieldDef {
  return field({ createable: false, updateable: false, ...spec });
}
