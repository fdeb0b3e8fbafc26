import { z } from 'zod';
import { DEFAULT_EMAIL_SAVING_SETTINGS, MAX_ATTACHMENT_BYTES, parseAddressPattern, type EmailSavingSettings } from '../email/index.ts';

/**
 * The `emailSaving` section of an org (docs/email-saving.md). Without the section the org saves no emails, because
 * saving needs two custom fields in Salesforce that calendar sync does not.
 */

const defaults = DEFAULT_EMAIL_SAVING_SETTINGS;

const pattern = z.string({ error: 'expected an address, a domain or *.domain' }).superRefine((value, context) => {
  const parsed = parseAddressPattern(value);
  if (typeof parsed === 'string') {
    context.addIssue({ code: 'custom', message: parsed });
  }
});

const customField = (kind: string) =>
  z.string({ error: `expected the API name of a custom ${kind} field` }).regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, { error: `expected the API name of a custom ${kind} field, ending in __c` });

const extension = z
  .string({ error: 'expected a file extension such as pdf' })
  .trim()
  .toLowerCase()
  .transform((value) => value.replace(/^\./, ''))
  .pipe(z.string().regex(/^[a-z0-9]{1,20}$/, { error: 'expected a file extension of letters and digits, such as pdf' }));

const attachmentsSchema = z.strictObject({
  enabled: z.boolean({ error: 'expected true or false' }).default(defaults.attachments.enabled),
  maxBytes: z
    .number({ error: 'expected a number of bytes' })
    .int({ error: 'expected a whole number of bytes' })
    .min(1, { error: 'expected at least 1 byte' })
    .max(MAX_ATTACHMENT_BYTES, { error: `expected at most ${MAX_ATTACHMENT_BYTES} bytes, the largest file Salesforce takes as base64 JSON` })
    .default(defaults.attachments.maxBytes),
  allowedExtensions: z.array(extension, { error: 'expected a list of extensions, or null for all' }).nullable().default(null),
  blockedExtensions: z.array(extension, { error: 'expected a list of extensions' }).default([...defaults.attachments.blockedExtensions]),
  includeInline: z.boolean({ error: 'expected true or false' }).default(defaults.attachments.includeInline),
});

export const emailSavingSchema = z.strictObject({
  /** Absent: the org's selection category. */
  category: z.string({ error: 'expected a category name' }).trim().min(1, { error: 'expected a category name, got an empty string' }).optional(),
  folderName: z.string({ error: 'expected a folder name' }).trim().min(1, { error: 'expected a folder name, got an empty string' }).default(defaults.folderName),
  autoSave: z
    .strictObject({
      inbound: z.boolean({ error: 'expected true or false' }).default(defaults.autoSave.inbound),
      outbound: z.boolean({ error: 'expected true or false' }).default(defaults.autoSave.outbound),
      threads: z.boolean({ error: 'expected true or false' }).default(defaults.autoSave.threads),
    })
    .prefault({}),
  composeSave: z.boolean({ error: 'expected true or false' }).default(defaults.composeSave),
  /** Added to the org's selection and linking ownDomains. */
  ownDomains: z.array(pattern, { error: 'expected a list of domains' }).default([]),
  saveInternal: z.boolean({ error: 'expected true or false' }).default(defaults.saveInternal),
  saveBulk: z.boolean({ error: 'expected true or false' }).default(defaults.saveBulk),
  /** Added to the org's linking blocklist. */
  blocklist: z.array(pattern, { error: 'expected a list of addresses and domains' }).default([]),
  recordMode: z.enum(['auto', 'enhancedEmail', 'task'], { error: "expected 'auto', 'enhancedEmail' or 'task'" }).default(defaults.recordMode),
  messageKeyField: customField('text').default(defaults.messageKeyField),
  addInField: customField('checkbox').default(defaults.addInField),
  attachments: attachmentsSchema.prefault({}),
  firstReadDays: z
    .number({ error: 'expected a number of days' })
    .int({ error: 'expected a whole number of days' })
    .min(0, { error: 'expected 0 days or more' })
    .max(365, { error: 'expected at most 365 days' })
    .default(defaults.firstReadDays),
});

export type EmailSavingConfig = z.output<typeof emailSavingSchema>;

/** Resolve the org's email saving settings, with the category, own domains and blocklist it shares with other sections. */
export function resolveEmailSaving(
  section: EmailSavingConfig,
  shared: { readonly category?: string; readonly ownDomains: readonly string[]; readonly blocklist: readonly string[] },
): EmailSavingSettings {
  const unique = (values: readonly string[]) => [...new Set(values.map((value) => value.trim().toLowerCase()))];
  return {
    ...section,
    category: section.category ?? shared.category ?? defaults.category,
    ownDomains: unique([...section.ownDomains, ...shared.ownDomains]),
    blocklist: unique([...section.blocklist, ...shared.blocklist]),
  };
}
