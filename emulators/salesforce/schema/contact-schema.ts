import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, ownerField, syncIdFieldDef } from './common-fields.ts';
import { field, picklist, type FieldDef, type SObjectDef } from './field-def.ts';

export const SALUTATIONS = picklist(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']);
export const LEAD_SOURCES = picklist(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']);

/** Build the name, title and phone fields Contact and Lead share, sized as in the Object Reference. */
export function personNameFields(): FieldDef[] {
  return [
    field({ name: 'Salutation', label: 'Salutation', type: 'picklist', length: 40, picklistValues: SALUTATIONS }),
    field({ name: 'FirstName', label: 'First Name', type: 'string', length: 40 }),
    field({ name: 'LastName', label: 'Last Name', type: 'string', length: 80, nillable: false }),
    derivedField({ name: 'Name', label: 'Full Name', type: 'string', length: 121, nillable: false, defaultedOnCreate: true }),
    field({ name: 'Title', label: 'Title', type: 'string', length: 128 }),
    field({ name: 'Email', label: 'Email', type: 'email', length: 80 }),
    field({ name: 'Phone', label: 'Phone', type: 'phone', length: 40 }),
    field({ name: 'MobilePhone', label: 'Mobile Phone', type: 'phone', length: 40 }),
    field({ name: 'LeadSource', label: 'Lead Source', type: 'picklist', length: 40, picklistValues: LEAD_SOURCES }),
    field({ name: 'Description', label: 'Description', type: 'textarea', length: 32000 }),
  ];
}

/**
 * Contact: a person at an Account. In an org with Person Accounts each person account has one Contact of its own,
 * flagged by IsPersonAccount.
 */
export function contactSchema(syncIdField: string, personAccounts: boolean): SObjectDef {
  return {
    name: 'Contact', label: 'Contact', labelPlural: 'Contacts', keyPrefix: KEY_PREFIX.Contact,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Contact ID'),
      ownerField(),
      field({ name: 'AccountId', label: 'Account ID', type: 'reference', length: 18, referenceTo: ['Account'],
        relationshipName: 'Account' }),
      ...personNameFields(),
      field({ name: 'Department', label: 'Department', type: 'string', length: 80 }),
      field({ name: 'HomePhone', label: 'Home Phone', type: 'phone', length: 40 }),
      field({ name: 'OtherPhone', label: 'Other Phone', type: 'phone', length: 40 }),
      field({ name: 'Fax', label: 'Business Fax', type: 'phone', length: 40 }),
      field({ name: 'Birthdate', label: 'Birthdate', type: 'date' }),
      field({ name: 'MailingStreet', label: 'Mailing Street', type: 'textarea', length: 255 }),
      field({ name: 'MailingCity', label: 'Mailing City', type: 'string', length: 40 }),
      field({ name: 'MailingState', label: 'Mailing State/Province', type: 'string', length: 80 }),
      field({ name: 'MailingPostalCode', label: 'Mailing Zip/Postal Code', type: 'string', length: 20 }),
      field({ name: 'MailingCountry', label: 'Mailing Country', type: 'string', length: 80 }),
      ...(personAccounts
        ? [derivedField({ name: 'IsPersonAccount', label: 'Is Person Account', type: 'boolean', nillable: false,
          defaultedOnCreate: true })]
        : []),
      // Derived by Salesforce from the record's activities; the emulator takes it from admin seeding only.
      derivedField({ name: 'LastActivityDate', label: 'Last Activity', type: 'date' }),
      ...auditFields(),
      syncIdFieldDef(syncIdField),
    ],
  };
}
