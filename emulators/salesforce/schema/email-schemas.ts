import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, syncIdFieldDef } from './common-fields.ts';
import { field, picklist, type PicklistValue, type SObjectDef } from './field-def.ts';

/** EmailMessage.Status codes: 0 New, 1 Read, 2 Replied, 3 Sent, 4 Forwarded, 5 Draft. */
const EMAIL_STATUS: PicklistValue[] = [['0', 'New'], ['1', 'Read'], ['2', 'Replied'], ['3', 'Sent'], ['4', 'Forwarded'],
  ['5', 'Draft']].map(([value = '', label = '']) => ({ value, label, active: true, defaultValue: false }));

/** EmailMessage as Enhanced Email stores it: one saved email, related to people through EmailMessageRelation. */
export function emailMessageSchema(syncIdField: string): SObjectDef {
  return {
    name: 'EmailMessage', label: 'Email Message', labelPlural: 'Email Messages', keyPrefix: KEY_PREFIX.EmailMessage,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Email Message ID'),
      field({ name: 'ParentId', label: 'Case ID', type: 'reference', length: 18, referenceTo: ['Case'],
        relationshipName: 'Parent' }),
      field({ name: 'RelatedToId', label: 'Related To ID', type: 'reference', length: 18,
        referenceTo: ['Account', 'Opportunity', 'Case'], relationshipName: 'RelatedTo' }),
      derivedField({ name: 'ActivityId', label: 'Activity ID', type: 'reference', length: 18, referenceTo: ['Task'],
        relationshipName: 'Activity' }),
      field({ name: 'Subject', label: 'Subject', type: 'string', length: 3000 }),
      field({ name: 'FromAddress', label: 'From Address', type: 'email', length: 255 }),
      field({ name: 'FromName', label: 'From Name', type: 'string', length: 1000 }),
      field({ name: 'ToAddress', label: 'To Address', type: 'string', length: 4000 }),
      field({ name: 'CcAddress', label: 'CC Address', type: 'string', length: 4000 }),
      field({ name: 'BccAddress', label: 'BCC Address', type: 'string', length: 4000 }),
      field({ name: 'TextBody', label: 'Text Body', type: 'textarea', length: 131072 }),
      field({ name: 'HtmlBody', label: 'HTML Body', type: 'textarea', length: 131072 }),
      field({ name: 'Headers', label: 'Headers', type: 'textarea', length: 32000 }),
      field({ name: 'MessageDate', label: 'Message Date', type: 'datetime' }),
      field({ name: 'MessageIdentifier', label: 'Message ID', type: 'string', length: 255 }),
      field({ name: 'ThreadIdentifier', label: 'Thread ID', type: 'string', length: 255 }),
      field({ name: 'Status', label: 'Status', type: 'picklist', length: 40, nillable: false, restrictedPicklist: true,
        picklistValues: EMAIL_STATUS }),
      field({ name: 'Incoming', label: 'Is Incoming', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      field({ name: 'IsClientManaged', label: 'Is Client Managed', type: 'boolean', nillable: false,
        defaultedOnCreate: true }),
      derivedField({ name: 'HasAttachment', label: 'Has Attachment', type: 'boolean', nillable: false,
        defaultedOnCreate: true }),
      ...auditFields(),
      syncIdFieldDef(syncIdField),
    ],
  };
}

/**
 * EmailMessageRelation: a sender or recipient of an EmailMessage, by record (RelationId) or by address alone.
 * The Object Reference lists no LastModifiedDate for it.
 */
export function emailMessageRelationSchema(): SObjectDef {
  return {
    name: 'EmailMessageRelation', label: 'Email Message Relation', labelPlural: 'Email Message Relations',
    keyPrefix: KEY_PREFIX.EmailMessageRelation, createable: true, updateable: true, deletable: true,
    fields: [
      idField('Email Message Relation ID'),
      field({ name: 'EmailMessageId', label: 'Email Message ID', type: 'reference', length: 18, nillable: false,
        updateable: false, referenceTo: ['EmailMessage'], relationshipName: 'EmailMessage' }),
      field({ name: 'RelationId', label: 'Relation ID', type: 'reference', length: 18,
        referenceTo: ['Contact', 'Lead', 'User'], relationshipName: 'Relation' }),
      field({ name: 'RelationAddress', label: 'Relation Address', type: 'string', length: 255, updateable: false }),
      derivedField({ name: 'RelationObjectType', label: 'Relation Object Type', type: 'string', length: 50 }),
      field({ name: 'RelationType', label: 'Relation Type', type: 'picklist', length: 40, nillable: false,
        updateable: false, restrictedPicklist: true,
        picklistValues: picklist(['ToAddress', 'CcAddress', 'BccAddress', 'FromAddress']) }),
      ...auditFields({ lastModified: false }),
    ],
  };
}
