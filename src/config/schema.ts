import { z } from 'zod';
import { isIanaZone } from '../domain/time-zones.ts';
import { emailSavingSchema } from './email-saving-schema.ts';
import { googleSchema } from './google-schema.ts';
import { imapCaldavSchema } from './imap-caldav-schema.ts';
import { linkingSchema } from './linking-schema.ts';
import { mailboxMappingsSchema, orgMappingsSchema, selectionSchema } from './mapping-schema.ts';
import { unsyncSchema } from './unsync-schema.ts';
import { DEFAULT_RECURRING_EVENTS, RECURRING_EVENTS_MODES } from '../sync/series-mode-types.ts';

/**
 * The shape of `syncline.config.json`. Objects are strict so that a misspelt key fails at start instead of
 * silently falling back to a default. Secrets may be left out of the file and given in `SYNCLINE_…`
 * environment variables (see env-secrets.ts), which are merged in before this schema runs.
 */

export const positiveMinutes = z
  .number({ error: 'expected a number of minutes' })
  .int({ error: 'expected a whole number of minutes' })
  .min(1, { error: 'expected at least 1 minute' })
  .max(7 * 24 * 60, { error: 'expected at most 10080 minutes (one week)' });

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

const httpUrl = z
  .string({ error: 'expected an http(s) URL' })
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value), { error: 'expected an http(s) URL such as https://login.salesforce.com' })
  .transform((value) => value.replace(/\/+$/, ''));

/** Hosts that plain http:// may name: the machine itself, where only a local emulator or proxy listens. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

// Tokens and secrets travel to these URLs, so they must use TLS unless they stay on this machine.
const serviceUrl = httpUrl.refine((value) => !value.toLowerCase().startsWith('http://') || LOOPBACK_HOSTS.has(hostOf(value)), {
  error: 'expected an https:// URL: plain http:// would send tokens unencrypted and is accepted only for a loopback host (127.0.0.1, ::1, localhost); change it to https://',
});

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

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

/** Mailbox changes that start a session ahead of schedule; the console edits the same list. */
export const instantSyncTriggersSchema = z.array(z.enum(['create', 'update', 'delete'], { error: "expected 'create', 'update' or 'delete'" }), {
  error: "expected a list such as ['create', 'update', 'delete'] (empty: none)",
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

const deletionPolicySchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('delete') }),
  z.strictObject({ action: z.literal('keep') }),
  z.strictObject({
    action: z.literal('mark'),
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'expected a Salesforce field API name such as Syncline_Deleted__c' }),
    value: z.union([z.string(), z.number(), z.boolean()], { error: 'expected the value to set: a string, number or boolean' }),
  }),
]);

const deletionsSchema = z.strictObject({
  event: deletionPolicySchema.optional(),
  task: deletionPolicySchema.optional(),
  contact: deletionPolicySchema.optional(),
});

export const policySchema = z
  .strictObject({
    conflict: z.enum(['latestWins', 'mailboxWins', 'crmWins']).optional(),
    /** Older form of `deletions`: true deletes, false keeps, for every kind. */
    deleteCrmOnMailboxDelete: z.boolean().optional(),
    deletions: deletionsSchema.optional(),
    quarantineDays: z.number().int({ error: 'expected a whole number of days' }).min(1, { error: 'expected 1 day or more' }).max(3650, { error: 'expected at most 3650 days' }).optional(),
    privateItems: z.enum(['skip', 'withoutBody', 'busyOnly']).optional(),
    massDelete: z
      .strictObject({
        maxShare: z.number().gt(0, { error: 'expected a share above 0' }).max(1, { error: 'expected a share of at most 1' }),
        maxCount: z.number().int().min(1, { error: 'expected a whole number of items, 1 or more' }),
      })
      .optional(),
  })
  .superRefine((policy, context) => {
    if (policy.deleteCrmOnMailboxDelete !== undefined && policy.deletions !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['deleteCrmOnMailboxDelete'],
        message: 'give policy.deletions or the older policy.deleteCrmOnMailboxDelete, not both: remove deleteCrmOnMailboxDelete and set the action per kind in deletions',
      });
    }
  })
  // The older boolean becomes one deletion action for every kind, so configurations written for it keep working.
  .transform(({ deleteCrmOnMailboxDelete, deletions, ...rest }) => {
    const fallback: DeletionSetting = deleteCrmOnMailboxDelete === false ? { action: 'keep' } : { action: 'delete' };
    if (deleteCrmOnMailboxDelete === undefined && deletions === undefined) {
      return rest;
    }
    return { ...rest, deletions: { event: deletions?.event ?? fallback, task: deletions?.task ?? fallback, contact: deletions?.contact ?? fallback } };
  });

type DeletionSetting = z.infer<typeof deletionPolicySchema>;

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
    // Reported as the missing `privateKey`, so the message names the org's own environment variable for it.
    .superRefine((auth, context) => {
      if (auth.privateKeyFile === undefined && auth.privateKey === undefined) {
        context.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: ['privateKey'], message: 'expected privateKeyFile (a PEM file path) or the PEM private key itself' });
      }
    }),
]);

const salesforceSchema = z.strictObject({
  loginUrl: serviceUrl.default('https://login.salesforce.com'),
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
  recurringEvents: z
    .enum(RECURRING_EVENTS_MODES, {
      error: "expected 'auto' (one Salesforce event series per Outlook series where the org has Recurring Events 2.0), "
        + "'series' (the same, and an org without Recurring Events 2.0 is an error) or 'occurrences' (one Salesforce Event per occurrence)",
    })
    .default(DEFAULT_RECURRING_EVENTS),
});

const graphAuthKind = z.enum(['appOnly', 'delegated'], {
  error: "expected 'appOnly' (the app's own permissions, granted by an administrator) or 'delegated' (each mailbox owner signs in)",
});

const graphSchema = z.strictObject({
  tenantId: nonEmpty('the Microsoft Entra tenant id (a GUID or a domain such as contoso.onmicrosoft.com)'),
  clientId: nonEmpty('the application (client) id of the app registration'),
  clientSecret: nonEmpty('a client secret of the app registration'),
  authorityUrl: serviceUrl.default('https://login.microsoftonline.com'),
  graphBaseUrl: serviceUrl.default('https://graph.microsoft.com/v1.0'),
  auth: graphAuthKind.default('appOnly'),
  /** Redirect URI of delegated sign-in; absent: `{server.publicUrl}/auth/graph/callback`. */
  redirectUri: serviceUrl.optional(),
});

/** An on-premises Exchange (2016 or later) reached over EWS; docs/connect-exchange.md walks through the set-up. */
const ewsSchema = z.strictObject({
  url: serviceUrl,
  auth: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('basic'), username: nonEmpty('the service account, DOMAIN\\user or its user principal name'), password: nonEmpty('the service account password').optional() }),
    z.strictObject({ kind: z.literal('oauth'), tokenUrl: serviceUrl, clientId: nonEmpty('the client id of the app'), clientSecret: nonEmpty('a client secret of the app').optional(), scope: nonEmpty('the token scope').optional() }),
    z.strictObject({
      kind: z.literal('ntlm'),
      username: nonEmpty('the service account, DOMAIN\\user or its user principal name'),
      password: nonEmpty('the service account password').optional(),
      domain: nonEmpty('the NetBIOS name of the account domain, such as CONTOSO').optional(),
      workstation: nonEmpty('the workstation name sent to the server').optional(),
    }),
  ]),
  /** Requests in flight per mailbox; Exchange 2016 allows 27 per user by default (EWSMaxConcurrency), shared with the user's own clients. */
  maxConcurrency: z.number().int().min(1, { error: 'expected 1 to 27' }).max(27, { error: 'expected 1 to 27' }).default(3),
  /**
   * Invitation setting for meetings Syncline creates, changes or deletes. `none` (the default) saves them without
   * mail. `sendToAllAndSaveCopy` sends invitations, updates and cancellations to the attendees.
   */
  sendMeetingInvitations: z.enum(['none', 'sendToAllAndSaveCopy'], { error: "expected 'none' or 'sendToAllAndSaveCopy'" }).default('none'),
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
  /** Overrides the org's graph.auth for this mailbox. */
  graphAuth: graphAuthKind.optional(),
  /**
   * Protocol that reaches the mailbox: Microsoft Graph (default), EWS (needs the org's `ews` block), IMAP with
   * CalDAV/CardDAV (needs `imapCaldav`) or Google Workspace (needs the org's `google` block).
   */
  kind: z.enum(['graph', 'ews', 'imap-caldav', 'google'], { error: "expected 'graph', 'ews', 'imap-caldav' or 'google'" }).default('graph'),
  /**
   * For kind `google` when the org's google.auth is userOAuth: this user's refresh token. Optional: without it, the
   * owner signs in at Syncline's Google sign-in page and the token is kept encrypted in the store.
   */
  googleRefreshToken: nonEmpty('the refresh token the user granted the OAuth client').optional(),
  /** Servers and credentials of a mailbox of kind `imap-caldav`. */
  imapCaldav: imapCaldavSchema.optional(),
  /** This mailbox's own pair directions, within what the org's tables allow (docs/mappings.md). */
  mappings: mailboxMappingsSchema.optional(),
}).refine((mailbox) => mailbox.kind !== 'imap-caldav' || mailbox.imapCaldav !== undefined, {
  path: ['imapCaldav'],
  error: "a mailbox of kind 'imap-caldav' needs an imapCaldav block with its imap and dav servers and credentials (docs/connect-imap-caldav.md)",
});

/** Sign-in to the API and dashboard through the org's OpenID Connect provider (authorization code with PKCE). */
const oidcSchema = z.strictObject({
  issuerUrl: serviceUrl,
  clientId: nonEmpty('the client id registered with the provider'),
  /** Absent: a public client, which PKCE alone protects. */
  clientSecret: nonEmpty('the client secret registered with the provider').optional(),
});

const orgSchema = z.strictObject({
  id: z
    .string({ error: "expected a short id of lowercase letters, digits and dashes, like 'acme'" })
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "expected a short id of lowercase letters, digits and dashes, like 'acme'" }),
  name: nonEmpty('the org name'),
  sessionIntervalMinutes: positiveMinutes.optional(),
  policy: policySchema.default({}),
  salesforce: salesforceSchema,
  /** The Microsoft Graph app of the tenant, for mailboxes of kind `graph` (the default kind). */
  graph: graphSchema.optional(),
  ews: ewsSchema.optional(),
  /** Google Workspace access for mailboxes of kind `google` (docs/connect-google.md). */
  google: googleSchema.optional(),
  oidc: oidcSchema.optional(),
  mailboxes: z.array(mailboxSchema).min(1, { error: 'expected at least one mailbox' }),
  linking: linkingSchema,
  /** The org's changes to the mapping tables of events, tasks and contacts (docs/mappings.md). */
  mappings: orgMappingsSchema.optional(),
  /** The choice of calendar items that start syncing. */
  selection: selectionSchema.prefault({}),
  /** Rules that remove matching calendar events from the mailboxes and keep them in Salesforce (docs/unsync.md). */
  unsync: unsyncSchema.optional(),
  /** Saving emails to Salesforce; absent: off. */
  emailSaving: emailSavingSchema.optional(),
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
    instantSync: z
      .strictObject({
        coalesceSeconds: z.number().int({ error: 'expected whole seconds' }).min(60, { error: 'expected 60 to 180 seconds' }).max(180, { error: 'expected 60 to 180 seconds' }).default(60),
        triggers: instantSyncTriggersSchema.default(['create', 'update', 'delete']),
        resources: z
          .array(z.enum(['events', 'inbox', 'sentItems'], { error: "expected 'events', 'inbox' or 'sentItems'" }), { error: "expected a list such as ['events', 'inbox', 'sentItems'] (empty: no subscriptions)" })
          .default(['events', 'inbox', 'sentItems']),
      })
      .prefault({}),
    server: z
      .strictObject({
        host: nonEmpty('a host name or address to listen on, such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
        port: z.number({ error: 'expected a port number' }).int({ error: 'expected a whole port number' }).min(0, { error: 'expected a port from 0 (any free port) to 65535' }).max(65_535, { error: 'expected a port from 0 (any free port) to 65535' }).default(8787),
        publicUrl: serviceUrl
          .refine((value) => !/[?#]/.test(value), { error: 'expected a base URL without query or fragment, such as https://syncline.example.com' })
          .optional(),
      })
      .prefault({}),
    orgs: z.array(orgSchema).min(1, { error: 'expected at least one org' }),
  })
  // Runs even when other keys are invalid (`when`), so that duplicates are listed with every other problem. The
  // input may then be partly invalid, hence the checks on each value's type.
  .superRefine(
    (config, context) => {
      const orgs: unknown[] = Array.isArray(config.orgs) ? config.orgs : [];
      reportDuplicates(orgs.map((org) => stringAt(org, 'id')), ['orgs'], 'id', context);
      orgs.forEach((org, index) => {
        const mailboxes = isRecord(org) && Array.isArray(org.mailboxes) ? (org.mailboxes as unknown[]) : [];
        reportDuplicates(mailboxes.map((mailbox) => stringAt(mailbox, 'address')?.toLowerCase()), ['orgs', index, 'mailboxes'], 'address', context);
        reportGraphWithoutBlock(org, mailboxes, index, context);
        reportEwsWithoutBlock(org, mailboxes, index, context);
        reportGoogleWithoutBlock(org, mailboxes, index, context);
      });
    },
    { when: (payload) => isRecord(payload.value) },
  );

function reportDuplicates(values: (string | undefined)[], path: (string | number)[], key: string, context: z.RefinementCtx): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (value === undefined) return;
    if (seen.has(value)) {
      context.addIssue({ code: 'custom', path: [...path, index, key], message: `duplicate value '${value}'; each must be unique` });
    }
    seen.add(value);
  });
}

/** Report an org without a `graph` block that has a mailbox of kind `graph`, the default kind; once, for the first. */
function reportGraphWithoutBlock(org: unknown, mailboxes: unknown[], index: number, context: z.RefinementCtx): void {
  if (isRecord(org) && org.graph !== undefined) return;
  const first = mailboxes.findIndex((mailbox) => (stringAt(mailbox, 'kind') ?? 'graph') === 'graph');
  if (first === -1) return;
  context.addIssue({
    code: 'custom',
    path: ['orgs', index, 'graph'],
    message: `missing, but mailbox '${stringAt(mailboxes[first], 'address') ?? first}' is an Office 365 mailbox (kind 'graph', the default). Add "graph": { "tenantId": …, "clientId": … } to the org (docs/connect-office365.md), or set the mailbox's kind`,
  });
}

/** Report each mailbox of kind `ews` in an org without an `ews` block, which such a mailbox is reached through. */
function reportEwsWithoutBlock(org: unknown, mailboxes: unknown[], index: number, context: z.RefinementCtx): void {
  if (isRecord(org) && org.ews !== undefined) return;
  mailboxes.forEach((mailbox, mailboxIndex) => {
    if (stringAt(mailbox, 'kind') !== 'ews') return;
    context.addIssue({
      code: 'custom',
      path: ['orgs', index, 'mailboxes', mailboxIndex, 'kind'],
      message: `orgs[${index}].ews is missing, but mailbox '${stringAt(mailbox, 'address') ?? mailboxIndex}' has kind 'ews'. Add "ews": { "url": …, "auth": … } to the org (docs/connect-exchange.md), or set the mailbox's kind to 'graph'`,
    });
  });
}

/** Report each mailbox of kind `google` in an org without a `google` block. */
function reportGoogleWithoutBlock(org: unknown, mailboxes: unknown[], index: number, context: z.RefinementCtx): void {
  const google = isRecord(org) && isRecord(org.google) ? org.google : null;
  mailboxes.forEach((mailbox, mailboxIndex) => {
    if (stringAt(mailbox, 'kind') !== 'google') return;
    const address = stringAt(mailbox, 'address') ?? mailboxIndex;
    if (google === null) {
      context.addIssue({
        code: 'custom',
        path: ['orgs', index, 'mailboxes', mailboxIndex, 'kind'],
        message: `orgs[${index}].google is missing, but mailbox '${address}' has kind 'google'. Add "google": { "auth": … } to the org (docs/connect-google.md), or set the mailbox's kind to 'graph'`,
      });
    }
  });
}

function stringAt(value: unknown, key: string): string | undefined {
  return isRecord(value) && typeof value[key] === 'string' ? value[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type ConfigFile = z.output<typeof configFileSchema>;
export type OrgConfig = ConfigFile['orgs'][number];
export type MailboxConfig = OrgConfig['mailboxes'][number];
