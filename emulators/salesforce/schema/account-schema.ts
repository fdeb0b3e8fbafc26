import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, ownerField, syncIdFieldDef } from './common-fields.ts';
import { SALUTATIONS } from './contact-schema.ts';
import { field, picklist, type FieldDef, type SObjectDef } from './field-def.ts';

/**
 * Account: a company, or with Person Accounts also a single person. A real org separates the two by record type.
 * The emulator has no record types, so a create that sends LastName (and no Name) makes a person account.
 */
export function accountSchema(syncIdField: string, personAccounts: boolean): SObjectDef {
  return {
    name: 'Account', label: 'Account', labelPlural: 'Accounts', keyPrefix: KEY_PREFIX.Account,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Account ID'),
      ownerField(),
      // With Person Accounts the name of a person account is derived from its first and last name.
      field({ name: 'Name', label: 'Account Name', type: 'string', length: 255, nillable: false,
        defaultedOnCreate: personAccounts }),
      field({ name: 'Type', label: 'Account Type', type: 'picklist', length: 40,
        picklistValues: picklist(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other']) }),
      field({ name: 'Industry', label: 'Industry', type: 'picklist', length: 40,
        picklistValues: picklist(['Banking', 'Consulting', 'Education', 'Healthcare', 'Manufacturing', 'Technology', 'Other']) }),
      field({ name: 'Website', label: 'Website', type: 'url', length: 255 }),
      field({ name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 }),
      field({ name: 'Description', label: 'Account Description', type: 'textarea', length: 32000 }),
      field({ name: 'BillingStreet', label: 'Billing Street', type: 'textarea', length: 255 }),
      field({ name: 'BillingCity', label: 'Billing City', type: 'string', length: 40 }),
      field({ name: 'BillingCountry', label: 'Billing Country', type: 'string', length: 80 }),
      field({ name: 'NumberOfEmployees', label: 'Employees', type: 'int', digits: 8 }),
      field({ name: 'ParentId', label: 'Parent Account ID', type: 'reference', length: 18, referenceTo: ['Account'],
        relationshipName: 'Parent' }),
      ...(personAccounts ? personAccountFields() : []),
      // Derived by Salesforce from the record's activities; the emulator takes it from admin seeding only.
      derivedField({ name: 'LastActivityDate', label: 'Last Activity', type: 'date' }),
      ...auditFields(),
      syncIdFieldDef(syncIdField),
    ],
  };
}

function personAccountFields(): FieldDef[] {
  return [
    derivedField({ name: 'IsPersonAccount', label: 'Is Person Account', type: 'boolean', nillable: false,
      defaultedOnCreate: true }),
    field({ name: 'Salutation', label: 'Salutation', type: 'picklist', length: 40, picklistValues: SALUTATIONS }),
    field({ name: 'FirstName', label: 'First Name', type: 'string', length: 40 }),
    field({ name: 'LastName', label: 'Last Name', type: 'string', length: 80 }),
    field({ name: 'PersonEmail', label: 'Email', type: 'email', length: 80 }),
    field({ name: 'PersonTitle', label: 'Title', type: 'string', length: 80 }),
    field({ name: 'PersonMobilePhone', label: 'Mobile', type: 'phone', length: 40 }),
    field({ name: 'PersonMailingCity', label: 'Mailing City', type: 'string', length: 40 }),
    derivedField({ name: 'PersonContactId', label: 'Person Contact ID', type: 'reference', length: 18,
      referenceTo: ['Contact'], relationshipName: 'PersonContact' }),
  ];
}
