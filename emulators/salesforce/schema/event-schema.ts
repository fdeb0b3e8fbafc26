import { KEY_PREFIX } from '../ids.ts';
import { eventSeriesFields } from './event-series-fields.ts';
import { field, picklist, systemField, type SObjectDef } from './field-def.ts';

/**
 * Describes the Event object with the fields a calendar sync reads and writes, typed and sized as in the Salesforce
 * Object Reference, plus the org's custom External ID text field that carries the sync id. `recurringEvents2` adds
 * the fields of Recurring Events 2.0.
 */
export function eventSchema(syncIdField: string, recurringEvents2 = false): SObjectDef {
  return {
    name: 'Event',
    label: 'Event',
    labelPlural: 'Events',
    keyPrefix: KEY_PREFIX.Event,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [
      systemField({ name: 'Id', label: 'Activity ID', type: 'id', length: 18, idLookup: true }),
      field({
        name: 'OwnerId', label: 'Assigned To ID', type: 'reference', length: 18, nillable: false,
        defaultedOnCreate: true, referenceTo: ['User'], relationshipName: 'Owner',
      }),
      field({ name: 'Subject', label: 'Subject', type: 'combobox', length: 255,
        picklistValues: picklist(['Call', 'Email', 'Meeting', 'Send Letter/Quote', 'Other']) }),
      field({ name: 'StartDateTime', label: 'Start Date Time', type: 'datetime' }),
      field({ name: 'EndDateTime', label: 'End Date Time', type: 'datetime' }),
      field({ name: 'ActivityDate', label: 'Due Date Only', type: 'date' }),
      field({ name: 'ActivityDateTime', label: 'Due Date Time', type: 'datetime' }),
      field({ name: 'DurationInMinutes', label: 'Duration', type: 'int', digits: 8 }),
      field({ name: 'IsAllDayEvent', label: 'All-Day Event', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      field({ name: 'Location', label: 'Location', type: 'string', length: 255 }),
      field({ name: 'Description', label: 'Description', type: 'textarea', length: 32000 }),
      field({
        name: 'ShowAs', label: 'Show Time As', type: 'picklist', length: 40, defaultedOnCreate: true,
        picklistValues: picklist(['Busy', 'OutOfOffice', 'Free'], 'Busy'), restrictedPicklist: true,
      }),
      field({ name: 'IsPrivate', label: 'Private', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      field({ name: 'Type', label: 'Type', type: 'picklist', length: 40,
        picklistValues: picklist(['Call', 'Email', 'Meeting', 'Other']) }),
      field({ name: 'WhoId', label: 'Name ID', type: 'reference', length: 18,
        referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' }),
      field({ name: 'WhatId', label: 'Related To ID', type: 'reference', length: 18,
        referenceTo: ['Account', 'Opportunity', 'Case'], relationshipName: 'What' }),
      field({ name: 'IsRecurrence', label: 'Create Recurring Series of Events', type: 'boolean', nillable: false,
        defaultedOnCreate: true, updateable: false }),
      ...(recurringEvents2 ? eventSeriesFields() : []),
      systemField({ name: 'CreatedDate', label: 'Created Date', type: 'datetime' }),
      systemField({ name: 'CreatedById', label: 'Created By ID', type: 'reference', length: 18,
        referenceTo: ['User'], relationshipName: 'CreatedBy' }),
      systemField({ name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime' }),
      systemField({ name: 'LastModifiedById', label: 'Last Modified By ID', type: 'reference', length: 18,
        referenceTo: ['User'], relationshipName: 'LastModifiedBy' }),
      systemField({ name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime' }),
      systemField({ name: 'IsDeleted', label: 'Deleted', type: 'boolean' }),
      field({
        name: syncIdField, label: 'Syncline Sync Id', type: 'string', length: 255, custom: true,
        externalId: true, idLookup: true, unique: true, caseSensitive: false,
      }),
    ],
  };
}
