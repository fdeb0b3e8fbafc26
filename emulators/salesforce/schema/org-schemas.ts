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
import type { SObjectDef } from './field-def.ts';

/** Org features an admin turns on or off; describe and the served objects follow them as in a real org. */
export interface OrgFeatures {
  /** EmailMessage and EmailMessageRelation exist (Enhanced Email). */
  enhancedEmail: boolean;
  /** Account carries person fields and IsPersonAccount; Contact carries IsPersonAccount. */
  personAccounts: boolean;
  /** EventRelation carries IsParent, IsWhat and AccountId (Shared Activities). */
  sharedActivities: boolean;
}

export const DEFAULT_FEATURES: OrgFeatures = { enhancedEmail: true, personAccounts: true, sharedActivities: true };

/** List every object the emulated org serves, with the fields its features give it. */
export function orgSchemas(syncIdField: string, features: OrgFeatures): SObjectDef[] {
  return [
    eventSchema(syncIdField),
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
}
