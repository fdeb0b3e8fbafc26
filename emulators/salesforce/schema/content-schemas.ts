import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, ownerField } from './common-fields.ts';
import { field, picklist, type SObjectDef } from './field-def.ts';

/** Records a file can be shared with through ContentDocumentLink or FirstPublishLocationId. */
const LINKABLE = ['Account', 'Contact', 'Lead', 'Opportunity', 'Event', 'Task', 'EmailMessage', 'Case', 'User'];

/**
 * ContentVersion: one version of a file. Inserting a version without ContentDocumentId creates its ContentDocument,
 * whose id a query then returns in ContentDocumentId.
 */
export function contentVersionSchema(): SObjectDef {
  return {
    name: 'ContentVersion', label: 'Content Version', labelPlural: 'Content Versions',
    keyPrefix: KEY_PREFIX.ContentVersion, createable: true, updateable: true, deletable: false,
    fields: [
      idField('Content Version ID'),
      ownerField(),
      field({ name: 'ContentDocumentId', label: 'Content Document ID', type: 'reference', length: 18, updateable: false,
        defaultedOnCreate: true, referenceTo: ['ContentDocument'], relationshipName: 'ContentDocument' }),
      field({ name: 'Title', label: 'Title', type: 'string', length: 255, nillable: false, defaultedOnCreate: true }),
      field({ name: 'PathOnClient', label: 'Path On Client', type: 'string', length: 500, nillable: false,
        updateable: false }),
      field({ name: 'VersionData', label: 'Version Data', type: 'base64', updateable: false }),
      field({ name: 'Description', label: 'Description', type: 'textarea', length: 1000 }),
      field({ name: 'FirstPublishLocationId', label: 'First Publish Location ID', type: 'reference', length: 18,
        updateable: false, referenceTo: LINKABLE, relationshipName: 'FirstPublishLocation' }),
      field({ name: 'ContentLocation', label: 'Content Location', type: 'picklist', length: 40, defaultedOnCreate: true,
        updateable: false, restrictedPicklist: true, picklistValues: picklist(['S', 'E', 'L'], 'S') }),
      derivedField({ name: 'ContentSize', label: 'Size', type: 'int', digits: 10 }),
      derivedField({ name: 'FileExtension', label: 'File Extension', type: 'string', length: 40 }),
      derivedField({ name: 'FileType', label: 'File Type', type: 'string', length: 20 }),
      derivedField({ name: 'IsLatest', label: 'Is Latest', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      derivedField({ name: 'VersionNumber', label: 'Version Number', type: 'string', length: 20 }),
      ...auditFields(),
    ],
  };
}

/** ContentDocument: a file across its versions; the API cannot insert one, only a ContentVersion insert creates it. */
export function contentDocumentSchema(): SObjectDef {
  return {
    name: 'ContentDocument', label: 'Content Document', labelPlural: 'Content Documents',
    keyPrefix: KEY_PREFIX.ContentDocument, createable: false, updateable: true, deletable: true,
    fields: [
      idField('Content Document ID'),
      ownerField(),
      field({ name: 'Title', label: 'Title', type: 'string', length: 255, nillable: false }),
      field({ name: 'Description', label: 'Description', type: 'textarea', length: 1000 }),
      derivedField({ name: 'LatestPublishedVersionId', label: 'Latest Published Version ID', type: 'reference',
        length: 18, referenceTo: ['ContentVersion'], relationshipName: 'LatestPublishedVersion' }),
      derivedField({ name: 'ContentSize', label: 'Size', type: 'int', digits: 10 }),
      derivedField({ name: 'FileExtension', label: 'File Extension', type: 'string', length: 40 }),
      derivedField({ name: 'FileType', label: 'File Type', type: 'string', length: 20 }),
      ...auditFields(),
    ],
  };
}

/** ContentDocumentLink: shares a file with a record; ShareType V (viewer), C (collaborator) or I (inferred). */
export function contentDocumentLinkSchema(): SObjectDef {
  return {
    name: 'ContentDocumentLink', label: 'Content Document Link', labelPlural: 'Content Document Links',
    keyPrefix: KEY_PREFIX.ContentDocumentLink, createable: true, updateable: true, deletable: true,
    fields: [
      idField('Content Document Link ID'),
      field({ name: 'ContentDocumentId', label: 'Content Document ID', type: 'reference', length: 18, nillable: false,
        updateable: false, referenceTo: ['ContentDocument'], relationshipName: 'ContentDocument' }),
      field({ name: 'LinkedEntityId', label: 'Linked Entity ID', type: 'reference', length: 18, nillable: false,
        updateable: false, referenceTo: LINKABLE, relationshipName: 'LinkedEntity' }),
      field({ name: 'ShareType', label: 'Share Type', type: 'picklist', length: 40, defaultedOnCreate: true,
        restrictedPicklist: true, picklistValues: picklist(['V', 'C', 'I'], 'V') }),
      field({ name: 'Visibility', label: 'Visibility', type: 'picklist', length: 40, defaultedOnCreate: true,
        restrictedPicklist: true, picklistValues: picklist(['AllUsers', 'InternalUsers', 'SharedUsers'], 'AllUsers') }),
      systemField('SystemModstamp'),
      systemField('IsDeleted'),
    ],
  };
}

function systemField(name: 'SystemModstamp' | 'IsDeleted') {
  return auditFields().find((f) => f.name === name)!;
}
