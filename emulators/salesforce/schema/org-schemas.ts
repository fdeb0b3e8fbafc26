import { accountSchema } from './account-schema.ts';
import { contactSchema } from './contact-schema.ts';
import { contentDocumentLinkSchema, contentDocumentSchema, contentVersionSchema } from './content-schemas.ts';
import { emailMessageRelationSchema, emailMessageSchema } from './email-schemas.ts';
import { eventRelationSchema } from './event-relation-schema.ts';
import { eventSchema } from './event-schema.ts';
import { leadSchema } from './lead-schema.ts';
import { opportunitySchema } from './opportunity-schema.ts';
import { taskSchema } from './task-schema.ts';
import { userSchema } from './user-schema.ts';
import { field, type SObjectDef } from './field-def.ts';

/** Org features an admin turns on or off; describe and the served objects follow them as in a real org. */
export interface OrgFeatures {
  /** EmailMessage and EmailMessageRelation exist (Enhanced Email). */
  enhancedEmail: boolean;
  /** Account carries person fields and IsPersonAccount; Contact carries IsPersonAccount. */
  personAccounts: boolean;
  /** EventRelation carries IsParent, IsWhat and AccountId (Shared Activities). */
  sharedActivities: boolean;
  /** Event carries the Recurring Events 2.0 fields, and an Event with a pattern becomes a series of occurrences. */
  recurringEvents2: boolean;
}

// Recurring Events 2.0 is off by default: orgs that never turned on Lightning event series have no such fields.
export const DEFAULT_FEATURES: OrgFeatures = { enhancedEmail: true, personAccounts: true, sharedActivities: true, recurringEvents2: false };

/** A custom field the emulator adds to an object, such as a second email field on Contact. */
export interface CustomFieldSpec {
  sobject: string;
  /** API name ending in `__c`. */
  name: string;
  type: 'string' | 'email' | 'phone' | 'url' | 'boolean';
  length?: number;
  /** Marked External ID (upserts may match on it); off by default. */
  externalId?: boolean;
  unique?: boolean;
}

/** List every object the emulated org serves, with the fields its features and `customFields` give it. */
export function orgSchemas(syncIdField: string, features: OrgFeatures, customFields: CustomFieldSpec[] = []): SObjectDef[] {
  const defs = [
    eventSchema(syncIdField, features.recurringEvents2),
    userSchema(),
    eventRelationSchema(features.sharedActivities),
    taskSchema(syncIdField),
    contactSchema(syncIdField, features.personAccounts),
    leadSchema(syncIdField),
    accountSchema(syncIdField, features.personAccounts),
    opportunitySchema(),
    ...(features.enhancedEmail ? [emailMessageSchema(syncIdField), emailMessageRelationSchema()] : []),
    contentVersionSchema(),
    contentDocumentSchema(),
    contentDocumentLinkSchema(),
  ];
  for (const spec of customFields) {
    const def = defs.find((candidate) => candidate.name.toLowerCase() === spec.sobject.toLowerCase());
    def?.fields.push(field({
      name: spec.name, label: spec.name.replace(/__c$/, '').replaceAll('_', ' '), type: spec.type, length: spec.length ?? 80, custom: true,
      externalId: spec.externalId === true, idLookup: spec.externalId === true, unique: spec.unique === true,
      // A checkbox is never null: it defaults to unchecked.
      ...(spec.type === 'boolean' ? { length: 0, nillable: false, defaultedOnCreate: true } : {}),
    }));
  }
  return defs;
}
