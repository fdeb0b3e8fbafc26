import { z } from 'zod';

import { DIRECTIONS } from '../mapping/index.ts';

/**
 * The `mappings` and `selection` sections of an org and the `mappings` section of a mailbox. Only the shapes are
 * checked here. The meaning of the pairs (fields, transforms, directions a mailbox may choose) is checked when the
 * tables are built (resolve-mappings.ts), with messages naming the table and the pair.
 */

const direction = z.enum(DIRECTIONS, { error: "expected 'both', 'mailboxToCrm', 'crmToMailbox' or 'off'" });

const apiName = z
  .string({ error: 'expected a Salesforce API name' })
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'expected a Salesforce API name such as Subject or Region__c' });

const pairKey = z
  .string({ error: 'expected a pair key' })
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'expected a key of letters, digits and underscores, starting with a letter, such as dueDate' });

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a text, a number, true, false or null' });

const simple = (type: string) => z.strictObject({ type: z.literal(type) });

const transformObject = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('text'),
      maxLength: z.number().int({ error: 'expected a whole number of characters' }).min(1, { error: 'expected the Salesforce field length, 1 or more' }).optional(),
      fallback: z.strictObject({ fields: z.array(z.string()), text: z.string().min(1, { error: 'expected the text to use when every fallback field is empty' }) }).optional(),
    }),
    z.strictObject({
      type: z.literal('picklist'),
      toCrm: z.record(z.string(), z.string(), { error: 'expected an object of mailbox value to Salesforce value' }),
      toMailbox: z.record(z.string(), z.string(), { error: 'expected an object of Salesforce value to mailbox value' }).optional(),
      crmDefault: z.string().nullable(),
      mailboxDefault: z.string().nullable(),
    }),
    z.strictObject({ type: z.literal('constant'), value: scalar }),
    simple('date'),
    simple('dateTime'),
    simple('boolean'),
    simple('number'),
    simple('eventSpan'),
    simple('spanFields'),
    simple('spanDate'),
    simple('privateFlag'),
    simple('reminder'),
  ],
  { error: 'expected a transform: text, picklist, constant, date, dateTime, boolean, number, eventSpan, spanFields, spanDate, privateFlag or reminder' },
);

// A transform without settings may be given by its name alone.
const transform = z.preprocess((value) => (typeof value === 'string' ? { type: value } : value), transformObject);

const pairSchema = z.strictObject({
  key: pairKey,
  mailboxField: z.string().nullable().optional(),
  crmField: apiName.optional(),
  crmFields: z.array(apiName).min(1, { error: 'expected at least one Salesforce field' }).optional(),
  direction: direction.optional(),
  transform: transform.optional(),
  userAdjustable: z.boolean().optional(),
});

const tableSchema = z.strictObject({
  direction: direction.optional(),
  crmObject: apiName.optional(),
  pairs: z.array(pairSchema).optional(),
  remove: z.array(pairKey).optional(),
});

export const orgMappingsSchema = z.strictObject({
  event: tableSchema.optional(),
  task: tableSchema.optional(),
  contact: tableSchema.optional(),
});

/** A mailbox's own choices per kind: pair key to a direction no wider than the org's. */
const adjustmentsSchema = z.record(pairKey, direction);

export const mailboxMappingsSchema = z.strictObject({
  event: adjustmentsSchema.optional(),
  task: adjustmentsSchema.optional(),
  contact: adjustmentsSchema.optional(),
});

const domain = z
  .string({ error: 'expected a domain such as example.com' })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'expected a domain such as example.com, without @ or scheme' });

export const selectionSchema = z
  .strictObject({
    calendarItems: z
      .enum(['all', 'salesforceCategory', 'externalAttendees'], {
        error: "expected 'all', 'salesforceCategory' (only items with the category) or 'externalAttendees' (only meetings with someone outside ownDomains)",
      })
      .default('all'),
    category: z.string({ error: 'expected a category name' }).trim().min(1, { error: 'expected a category name such as Salesforce' }).default('Salesforce'),
    ownDomains: z.array(domain, { error: 'expected a list of domains' }).default([]),
  })
  .refine((selection) => selection.calendarItems !== 'externalAttendees' || selection.ownDomains.length > 0, {
    path: ['ownDomains'],
    error: "externalAttendees needs the org's own email domains: list them, such as [\"example.com\"]",
  });
