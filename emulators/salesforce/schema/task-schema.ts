import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, ownerField, syncIdFieldDef } from './common-fields.ts';
import { field, picklist, type SObjectDef } from './field-def.ts';

/** Task as in the Object Reference: a to-do or a logged call or email, linked to a person (Who) and a record (What). */
export function taskSchema(syncIdField: string): SObjectDef {
  return {
    name: 'Task', label: 'Task', labelPlural: 'Tasks', keyPrefix: KEY_PREFIX.Task,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Activity ID'),
      ownerField(),
      field({ name: 'Subject', label: 'Subject', type: 'combobox', length: 255,
        picklistValues: picklist(['Call', 'Send Letter', 'Send Quote', 'Email', 'Other']) }),
      field({ name: 'ActivityDate', label: 'Due Date Only', type: 'date' }),
      field({ name: 'Status', label: 'Status', type: 'picklist', length: 40, nillable: false, defaultedOnCreate: true,
        picklistValues: picklist(['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
          'Not Started') }),
      field({ name: 'Priority', label: 'Priority', type: 'picklist', length: 40, nillable: false, defaultedOnCreate: true,
        picklistValues: picklist(['High', 'Normal', 'Low'], 'Normal') }),
      field({ name: 'Description', label: 'Comments', type: 'textarea', length: 32000 }),
      field({ name: 'Type', label: 'Type', type: 'picklist', length: 40,
        picklistValues: picklist(['Call', 'Email', 'Meeting', 'Other']) }),
      field({ name: 'TaskSubtype', label: 'Task Subtype', type: 'picklist', length: 40, updateable: false,
        picklistValues: picklist(['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn']), restrictedPicklist: true }),
      field({ name: 'WhoId', label: 'Name ID', type: 'reference', length: 18, referenceTo: ['Contact', 'Lead'],
        relationshipName: 'Who' }),
      field({ name: 'WhatId', label: 'Related To ID', type: 'reference', length: 18,
        referenceTo: ['Account', 'Opportunity', 'Case'], relationshipName: 'What' }),
      derivedField({ name: 'AccountId', label: 'Account ID', type: 'reference', length: 18, referenceTo: ['Account'],
        relationshipName: 'Account' }),
      derivedField({ name: 'IsClosed', label: 'Closed', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      derivedField({ name: 'CompletedDateTime', label: 'Completed Date Time', type: 'datetime' }),
      field({ name: 'IsReminderSet', label: 'Reminder Set', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      field({ name: 'IsRecurrence', label: 'Create Recurring Series of Tasks', type: 'boolean', nillable: false,
        defaultedOnCreate: true, updateable: false }),
      field({ name: 'ReminderDateTime', label: 'Reminder Date/Time', type: 'datetime' }),
      ...auditFields(),
      syncIdFieldDef(syncIdField),
    ],
  };
}
