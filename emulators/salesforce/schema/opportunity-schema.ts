import { KEY_PREFIX } from '../ids.ts';
import { auditFields, derivedField, idField, ownerField } from './common-fields.ts';
import { field, picklist, type SObjectDef } from './field-def.ts';

/** The default sales process stages; IsClosed and IsWon follow from the stage. */
export const OPPORTUNITY_STAGES = [
  'Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis',
  'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost',
];

/** Opportunity: a pending deal; Name, StageName and CloseDate are required. */
export function opportunitySchema(): SObjectDef {
  return {
    name: 'Opportunity', label: 'Opportunity', labelPlural: 'Opportunities', keyPrefix: KEY_PREFIX.Opportunity,
    createable: true, updateable: true, deletable: true,
    fields: [
      idField('Opportunity ID'),
      ownerField(),
      field({ name: 'AccountId', label: 'Account ID', type: 'reference', length: 18, referenceTo: ['Account'],
        relationshipName: 'Account' }),
      field({ name: 'Name', label: 'Name', type: 'string', length: 120, nillable: false }),
      field({ name: 'StageName', label: 'Stage', type: 'picklist', length: 255, nillable: false,
        picklistValues: picklist(OPPORTUNITY_STAGES) }),
      field({ name: 'CloseDate', label: 'Close Date', type: 'date', nillable: false }),
      field({ name: 'Amount', label: 'Amount', type: 'currency' }),
      field({ name: 'Probability', label: 'Probability (%)', type: 'percent' }),
      field({ name: 'Type', label: 'Opportunity Type', type: 'picklist', length: 40,
        picklistValues: picklist(['Existing Business', 'New Business']) }),
      field({ name: 'NextStep', label: 'Next Step', type: 'string', length: 255 }),
      field({ name: 'Description', label: 'Description', type: 'textarea', length: 32000 }),
      derivedField({ name: 'IsClosed', label: 'Closed', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      derivedField({ name: 'IsWon', label: 'Won', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      ...auditFields(),
    ],
  };
}
