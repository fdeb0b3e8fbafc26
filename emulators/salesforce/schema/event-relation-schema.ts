import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField } from './common-fields.ts';
import { field, picklist, type FieldDef, type SObjectDef } from './field-def.ts';

/**
 * EventRelation: one invitee of an Event (a User, Contact, Lead or a resource) with the invitee's response. With
 * Shared Activities the same object also contains the people and the record an event is related to, flagged by
 * IsParent and IsWhat; without it those fields do not exist, as in a real org.
 */
export function eventRelationSchema(sharedActivities: boolean): SObjectDef {
  const shared: FieldDef[] = sharedActivities
    ? [
      field({ name: 'IsParent', label: 'Is Parent', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      field({ name: 'IsWhat', label: 'Is What', type: 'boolean', nillable: false, defaultedOnCreate: true,
        updateable: false }),
      derivedField({ name: 'AccountId', label: 'Account ID', type: 'reference', length: 18, referenceTo: ['Account'],
        relationshipName: 'Account' }),
    ]
    : [];
  const relationTargets = sharedActivities ? ['Contact', 'Lead', 'User', 'Account', 'Opportunity'] : ['Contact', 'Lead', 'User'];
  return {
    name: 'EventRelation', label: 'Event Relation', labelPlural: 'Event Relations', keyPrefix: KEY_PREFIX.EventRelation,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Event Relation ID'),
      field({ name: 'EventId', label: 'Event ID', type: 'reference', length: 18, nillable: false, updateable: false,
        referenceTo: ['Event'], relationshipName: 'Event' }),
      field({ name: 'RelationId', label: 'Relation ID', type: 'reference', length: 18, nillable: false, updateable: false,
        referenceTo: relationTargets, relationshipName: 'Relation' }),
      field({ name: 'Status', label: 'Status', type: 'picklist', length: 40, defaultedOnCreate: true, restrictedPicklist: true,
        picklistValues: picklist(['New', 'Declined', 'Accepted', 'Uninvited', 'Maybe'], 'New') }),
      field({ name: 'RespondedDate', label: 'Response Date', type: 'datetime' }),
      field({ name: 'Response', label: 'Response', type: 'string', length: 255 }),
      field({ name: 'IsInvitee', label: 'Is Invitee', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      derivedField({ name: 'IsOrganizer', label: 'Is Organizer', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      ...shared,
      ...auditFields(),
    ],
  };
}
