import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { CREATED_OBJECTS, DEFAULT_LINKING_SETTINGS, OPPORTUNITY_MODES, TIE_BREAKS } from '../linking/settings.ts';

/** The `linking` section of an org: which Contacts, Leads, Accounts and Opportunities activities link to (docs/linking.md). */

const domain = z
  .string({ error: 'expected a domain such as example.com' })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'expected a domain such as example.com, without @ or scheme' });

const ownDomain = z
  .string({ error: 'expected a domain such as example.com, or *.example.com' })
  .trim()
  .toLowerCase()
  .regex(/^(?:@|\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'expected a domain (example.com, that domain only) or a domain with its subdomains (*.example.com), without scheme' });

export const blocklistEntry = z
  .string({ error: 'expected an address, a domain or *.domain' })
  .trim()
  .toLowerCase()
  .regex(/^(?:[^\s@]+@|@|\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'expected an address (ann@example.com), a domain (example.com) or a domain with its subdomains (*.example.com)' });

const fieldName = z.string({ error: 'expected a field API name' }).regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'expected a field API name such as Email or Secondary_Email__c' });

const emailFields = z
  .array(fieldName, { error: 'expected a list of field API names' })
  .min(1, { error: 'expected at least one field, usually Email' });

const salesforceId = z.string().regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/, { error: 'expected a Salesforce record id of 15 or 18 characters' });

const defaults = DEFAULT_LINKING_SETTINGS;

const autoResolveSchema = z.strictObject({
  enabled: z.boolean().default(defaults.autoResolve.enabled),
  create: z.enum(CREATED_OBJECTS, { error: "expected 'Lead', 'Contact' or 'PersonAccount'" }).default(defaults.autoResolve.create),
  scope: z.enum(['external', 'all'], { error: "expected 'external' (people outside ownDomains) or 'all'" }).default(defaults.autoResolve.scope),
  people: z.enum(['all', 'first'], { error: "expected 'all' or 'first'" }).default(defaults.autoResolve.people),
  leadSource: z.string().trim().min(1).nullable().default(defaults.autoResolve.leadSource),
  createAccountFromDomain: z.boolean().default(defaults.autoResolve.createAccountFromDomain),
  fallbackAccountId: salesforceId.refine((id) => id.startsWith('001'), { error: 'expected an Account id, starting with 001' }).nullable().default(null),
  personAccountRecordTypeId: salesforceId.refine((id) => id.startsWith('012'), { error: 'expected a RecordType id, starting with 012' }).nullable().default(null),
});

export const linkingSchema = z
  .strictObject({
    emailFields: z
      .strictObject({ Contact: emailFields.default([...defaults.emailFields.Contact]), Lead: emailFields.default([...defaults.emailFields.Lead]) })
      .prefault({}),
    tieBreaks: z
      .array(z.enum(TIE_BREAKS, { error: "expected 'contactBeforeLead', 'ownerFirst' or 'recentActivity'" }))
      .refine((list) => new Set(list).size === list.length, { error: 'expected each tie-break at most once' })
      .default([...defaults.tieBreaks]),
    ownDomains: z.array(ownDomain).default([]),
    subaddressDomains: z.array(domain).default([]),
    accountByDomain: z.boolean().default(defaults.accountByDomain),
    opportunity: z.enum(OPPORTUNITY_MODES, { error: "expected 'none', 'singleOpen' or 'mostRecentOpen'" }).default(defaults.opportunity),
    blocklist: z.array(blocklistEntry).default([]),
    defaultPhoneRegion: z
      .string({ error: 'expected a two-letter country code such as US or DE' })
      .trim()
      .toUpperCase()
      .refine((code) => /^[A-Z]{2}$/.test(code) && isSupportedCountry(code), { error: 'expected a two-letter country code libphonenumber knows, such as US, GB or DE' })
      .default(defaults.defaultPhoneRegion),
    /** Each mailbox owner's own blocklist, by mailbox address. */
    userBlocklists: z.record(z.string().trim().toLowerCase(), z.array(blocklistEntry)).default({}),
    autoResolve: autoResolveSchema.prefault({}),
  })
  .prefault({});
