import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, ownerField, syncIdFieldDef } from './common-fields.ts';
import { personNameFields } from './contact-schema.ts';
import { field, picklist, type SObjectDef } from './field-def.ts';

/** Lead: a prospect not yet qualified; Company and LastName are required, Status defaults to the first open value. */
export function leadSchema(syncIdField: string): SObjectDef {
  return {
    name: 'Lead', label: 'Lead', labelPlural: 'Leads', keyPrefix: KEY_PREFIX.Lead,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Lead ID'),
      ownerField(),
      ...personNameFields(),
      field({ name: 'Company', label: 'Company', type: 'string', length: 255, nillable: false }),
      field({ name: 'Website', label: 'Website', type: 'url', length: 255 }),
      field({ name: 'Status', label: 'Status', type: 'picklist', length: 40, nillable: false, defaultedOnCreate: true,
        picklistValues: picklist(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted',
          'Closed - Not Converted'], 'Open - Not Contacted') }),
      derivedField({ name: 'IsConverted', label: 'Converted', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      derivedField({ name: 'ConvertedContactId', label: 'Converted Contact ID', type: 'reference', length: 18,
        referenceTo: ['Contact'], relationshipName: 'ConvertedContact' }),
      derivedField({ name: 'ConvertedAccountId', label: 'Converted Account ID', type: 'reference', length: 18,
        referenceTo: ['Account'], relationshipName: 'ConvertedAccount' }),
      // Derived by Salesforce from the record's activities; the emulator takes it from admin seeding only.
      derivedField({ name: 'LastActivityDate', label: 'Last Activity', type: 'date' }),
      ...auditFields(),
      syncIdFieldDef(syncIdField),
    ],
  };
}
