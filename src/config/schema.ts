import { z } from 'zod';
import { isIanaZone } from '../domain/time-zones.ts';

/**
 * The shape of `syncline.config.json`. Objects are strict so that a misspelt key fails at start instead of
 * silently falling back to a default. Secrets may be left out of the file and given in `SYNCLINE_…`
 * environment variables (see env-secrets.ts), which are merged in before this schema runs.
 */

const positiveMinutes = z
  .number({ error: 'expected a number of minutes' })
  .int({ error: 'expected a whole number of minutes' })
  .min(1, { error: 'expected at least 1 minute' })
  .max(7 * 24 * 60, { error: 'expected at most 10080 minutes (one week)' });

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

const httpUrl = z
  .string({ error: 'expected an http(s) URL' })
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value), { error: 'expected an http(s) URL such as https://login.salesforce.com' })
  .transform((value) => value.replace(/\/+$/, ''));

const isoInstant = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 instant such as 2026-10-01T00:00:00Z' });

const ianaZone = z
  .string({ error: 'expected an IANA time zone such as Europe/Berlin' })
  .refine(isIanaZone, { error: 'expected an IANA time zone such as Europe/Berlin' });

const syncWindowSchema = z
  .strictObject({
    pastDays: z.number().int({ error: 'expected a whole number of days' }).min(0, { error: 'expected 0 days or more' }).optional(),
    futureDays: z.number().int({ error: 'expected a whole number of days' }).min(1, { error: 'expected 1 day or more' }).optional(),
    start: isoInstant.optional(),
    end: isoInstant.optional(),
  })
  .superRefine((window, context) => {
    const explicit = window.start !== undefined || window.end !== undefined;
    const relative = window.pastDays !== undefined || window.futureDays !== undefined;
    if (explicit && relative) {
      context.addIssue({ code: 'custom', message: 'give either pastDays/futureDays or start/end, not both' });
      return;
    }

    if (explicit && (window.start === undefined || window.end === undefined)) {
      context.addIssue({ code: 'custom', message: 'an explicit window needs both start and end' });
      return;
    }

    if (explicit && Date.parse(window.start ?? '') >= Date.parse(window.end ?? '')) {
      context.addIssue({ code: 'custom', path: ['end'], message: `expected an instant after start (${window.start})` });
    }
  });

const storeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sqlite'), path: nonEmpty('a file path').optional() }),
  z.strictObject({
    kind: z.literal('postgres'),
    connectionString: nonEmpty('a connection string such as postgres://user@host:5432/syncline (or set SYNCLINE_DATABASE_URL)'),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, { error: 'expected a lowercase SQL identifier such as syncline' })
      .optional(),
  }),
]);

const policySchema = z.strictObject({
  conflict: z.enum(['latestWins', 'mailboxWins', 'crmWins']).optional(),
  deleteCrmOnMailboxDelete: z.boolean().optional(),
  privateItems: z.enum(['skip', 'withoutBody', 'busyOnly']).optional(),
  massDelete: z
    .strictObject({
      maxShare: z.number().gt(0, { error: 'expected a share above 0' }).max(1, { error: 'expected a share of at most 1' }),
      maxCount: z.number().int().min(1, { error: 'expected a whole number of items, 1 or more' }),
    })
    .optional(),
});

const salesforceAuthSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('refreshToken'),
    clientId: nonEmpty('the connected app consumer key'),
    clientSecret: nonEmpty('the connected app consumer secret'),
    refreshToken: nonEmpty('a refresh token'),
  }),
  z.strictObject({
    kind: z.literal('clientCredentials'),
    clientId: nonEmpty('the connected app consumer key'),
    clientSecret: nonEmpty('the connected app consumer secret'),
  }),
  z
    .strictObject({
      kind: z.literal('jwtBearer'),
      clientId: nonEmpty('the connected app consumer key'),
      username: nonEmpty('the Salesforce username of the integration user'),
      privateKeyFile: nonEmpty('the path of the PEM private key file').optional(),
      privateKey: nonEmpty('a PEM private key').optional(),
      audience: httpUrl.optional(),
    })
    .refine((auth) => auth.privateKeyFile !== undefined || auth.privateKey !== undefined, {
      error: 'expected privateKeyFile (a PEM file path) or the private key in the environment variable SYNCLINE_<ORG>_SALESFORCE_PRIVATE_KEY',
    }),
]);

const salesforceSchema = z.strictObject({
  loginUrl: httpUrl.default('https://login.salesforce.com'),
  apiVersion: z
    .string({ error: 'expected a version like 62.0' })
    .regex(/^\d{2,3}\.0$/, { error: 'expected a version like 62.0' })
    .default('62.0'),
  auth: salesforceAuthSchema,
  syncIdField: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, { error: 'expected a custom field API name ending in __c, such as Syncline_Sync_Id__c' })
    .default('Syncline_Sync_Id__c'),
  apiBudgetShare: z
    .number({ error: 'expected a share of the daily API allocation above 0 and at most 1' })
    .gt(0, { error: 'expected a share of the daily API allocation above 0 and at most 1' })
    .max(1, { error: 'expected a share of the daily API allocation above 0 and at most 1' })
    .default(0.5),
});

const graphSchema = z.strictObject({
  tenantId: nonEmpty('the Microsoft Entra tenant id (a GUID or a domain such as contoso.onmicrosoft.com)'),
  clientId: nonEmpty('the application (client) id of the app registration'),
  clientSecret: nonEmpty('a client secret of the app registration'),
  authorityUrl: httpUrl.default('https://login.microsoftonline.com'),
  graphBaseUrl: httpUrl.default('https://graph.microsoft.com/v1.0'),
});

const salesforceUserSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, { error: 'expected a Salesforce User id starting with 005' })
      .optional(),
    email: z.email({ error: 'expected an email address' }).optional(),
  })
  .refine((user) => (user.id === undefined) !== (user.email === undefined), {
    error: 'expected exactly one of id or email',
  });

const mailboxSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { error: 'expected letters, digits, dots, colons or dashes' })
    .optional(),
  address: z.email({ error: 'expected the mailbox email address' }),
  timeZone: ianaZone,
  salesforceUser: salesforceUserSchema.optional(),
  sessionIntervalMinutes: positiveMinutes.optional(),
});

const orgSchema = z.strictObject({
  id: z
    .string({ error: "expected a short id of lowercase letters, digits and dashes, like 'acme'" })
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "expected a short id of lowercase letters, digits and dashes, like 'acme'" }),
  name: nonEmpty('the org name'),
  sessionIntervalMinutes: positiveMinutes.optional(),
  policy: policySchema.default({}),
  salesforce: salesforceSchema,
  graph: graphSchema,
  mailboxes: z.array(mailboxSchema).min(1, { error: 'expected at least one mailbox' }),
});

export const configFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    dataDir: nonEmpty('a folder path').default('./.syncline'),
    store: storeSchema.optional(),
    syncWindow: syncWindowSchema.default({}),
    sessionIntervalMinutes: positiveMinutes.default(30),
    jitter: z
      .number({ error: 'expected a share of the interval between 0 and 0.5' })
      .min(0, { error: 'expected a share of the interval between 0 and 0.5' })
      .max(0.5, { error: 'expected a share of the interval between 0 and 0.5' })
      .default(0.1),
    maxConcurrentSessions: z.number().int().min(1, { error: 'expected 1 or more' }).max(64, { error: 'expected at most 64' }).default(4),
    orgs: z.array(orgSchema).min(1, { error: 'expected at least one org' }),
  })
  .superRefine((config, context) => {
    reportDuplicates(config.orgs.map((org) => org.id), ['orgs'], 'id', context);
    config.orgs.forEach((org, index) => {
      const addresses = org.mailboxes.map((mailbox) => mailbox.address.toLowerCase());
      reportDuplicates(addresses, ['orgs', index, 'mailboxes'], 'address', context);
    });
  });

function reportDuplicates(values: string[], path: (string | number)[], key: string, context: z.RefinementCtx): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) {
      context.addIssue({ code: 'custom', path: [...path, index, key], message: `duplicate value '${value}'; each must be unique` });
    }
    seen.add(value);
  });
}

export type ConfigFile = z.output<typeof configFileSchema>;
export type OrgConfig = ConfigFile['orgs'][number];
export type MailboxConfig = OrgConfig['mailboxes'][number];
