import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_EMAIL_SAVING_SETTINGS } from '../email/index.ts';
import { DEFAULT_LINKING_SETTINGS } from '../linking/settings.ts';
import { ConfigError } from './config-error.ts';
import { DATABASE_URL_VARIABLE } from './env-secrets.ts';
import { mailboxIdFor } from './load-config.ts';
import type { SynclineConfig } from './resolved-config.ts';

/**
 * The JSON line the sandbox process prints on stdout once its emulators listen. The sandbox lives in
 * emulators/ and the product never imports it, so this schema is the contract between the two and is checked
 * when the line is read.
 */
const count = z.number().int().nonnegative();
/** Counts are of instances (single events, occurrences, exceptions); emulators/sandbox-seed.ts documents each. */
const seedResultSchema = z.object({
  file: z.string(),
  events: count,
  added: count,
  updated: count,
  unchanged: count,
  removed: count,
  outsideWindow: count,
  warnings: z.array(z.string()),
});

/** One .vcf file seeded into the sandbox mailbox's contacts; emulators/sandbox-items.ts documents each count. */
const contactSeedResultSchema = z.object({
  file: z.string(),
  cards: count,
  added: count,
  updated: count,
  unchanged: count,
  skipped: count,
  warnings: z.array(z.string()),
});

const sampleItemsSchema = z.object({
  contacts: z.array(contactSeedResultSchema),
  todoTasks: count,
  salesforceTasks: count,
  salesforceContacts: count,
});

/** One .eml file seeded into the sandbox mailbox; emulators/sandbox-mail-seed.ts documents each field. */
const mailSeedResultSchema = z.object({
  file: z.string(),
  id: z.string(),
  folder: z.string(),
  outcome: z.enum(['added', 'updated', 'unchanged']),
  warnings: z.array(z.string()),
});

const sandboxReadySchema = z.object({
  graph: z.object({ url: z.string(), tenantId: z.string(), clientId: z.string(), clientSecret: z.string() }),
  salesforce: z.object({
    url: z.string(),
    clientId: z.string(),
    clientSecret: z.string(),
    refreshToken: z.string(),
    apiVersion: z.string(),
    syncIdField: z.string(),
  }),
  org: z.object({ id: z.string(), name: z.string() }),
  mailbox: z.object({ address: z.string(), timeZone: z.string(), salesforceUserEmail: z.string() }),
  window: z.object({ start: z.string(), end: z.string() }),
  /** Per-source results of seeding the sample data on this start (first start or after a reset); null when it was there already. */
  sampleData: z.array(seedResultSchema).nullable(),
  /** One entry per .ics file of the folder given to `--seed`. */
  seedResults: z.array(seedResultSchema),
  /** Sample contacts and To Do tasks seeded on this start; null when they were there already. */
  sampleItems: sampleItemsSchema.nullable().default(null),
  /** One entry per .vcf file of the folder given to `--seed`. */
  contactSeedResults: z.array(contactSeedResultSchema).default([]),
  /** Sample emails seeded on this start, one entry per .eml file; null when they were there already. */
  sampleMail: z.array(mailSeedResultSchema).nullable().default(null),
  /** One entry per .eml file of the folder given to `--seed`. */
  mailSeedResults: z.array(mailSeedResultSchema).default([]),
  /** The Google Workspace mailbox of a sandbox started with one (emulators/sandbox-google.ts). */
  google: z
    .object({
      url: z.string(),
      tokenUrl: z.string(),
      serviceAccount: z.object({ clientEmail: z.string(), privateKey: z.string() }),
      mailbox: z.object({ address: z.string(), timeZone: z.string(), salesforceUserEmail: z.string() }),
    })
    .optional(),
  /** The Exchange (EWS) mailbox of a sandbox started with one (emulators/sandbox-ews.ts). */
  ews: z
    .object({
      url: z.string(),
      serviceAccount: z.object({ username: z.string(), password: z.string() }),
      mailbox: z.object({ address: z.string(), timeZone: z.string(), salesforceUserEmail: z.string() }),
    })
    .optional(),
  /** The IMAP/CalDAV mailbox on Dovecot and Radicale of a sandbox started with one (emulators/sandbox-imap.ts). */
  imapCaldav: z
    .object({
      imap: z.object({ host: z.string(), port: z.number().int(), username: z.string(), password: z.string() }),
      dav: z.object({ serverUrl: z.string(), username: z.string(), password: z.string(), eventCalendarUrl: z.string(), taskCalendarUrl: z.string(), addressBookUrl: z.string() }),
      salesforceKeyword: z.string(),
      mailbox: z.object({ address: z.string(), timeZone: z.string(), salesforceUserEmail: z.string() }),
    })
    .optional(),
  /** Mailboxes the sandbox runs without, though asked for, one sentence each with the reason. */
  notices: z.array(z.string()).default([]),
});

export type SandboxReady = z.output<typeof sandboxReadySchema>;
export type SeedResult = z.output<typeof seedResultSchema>;
export type ContactSeedResult = z.output<typeof contactSeedResultSchema>;
export type MailSeedResult = z.output<typeof mailSeedResultSchema>;
export type SampleItems = z.output<typeof sampleItemsSchema>;

const sandboxFailureSchema = z.object({
  error: z.string(),
  /** Set when another running syncline command uses the sandbox data folder. */
  inUse: z.object({ sandboxDir: z.string(), pid: z.number(), command: z.string().nullable() }).optional(),
});

/** The sandbox did not start because another syncline command runs it over the same data folder. */
export class SandboxInUseError extends Error {
  constructor(
    readonly sandboxDir: string,
    /** Process id of the syncline command that uses the folder (not of its emulator process). */
    readonly holderPid: number,
    /** That command as typed after `syncline`, e.g. `start`; null when unknown. */
    readonly holderCommand: string | null,
  ) {
    super(`the sandbox data in ${sandboxDir} is in use by process ${holderPid}`);
    this.name = 'SandboxInUseError';
  }
}

/**
 * Parse the sandbox's first stdout line; throws with the sandbox's own reason when it reported a failure, as a
 * SandboxInUseError when another command uses the data folder.
 */
export function parseSandboxReady(line: string): SandboxReady {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`The sandbox printed an unexpected line instead of its ready message: ${line.slice(0, 200)}`);
  }

  const failure = sandboxFailureSchema.safeParse(parsed);
  if (failure.success) {
    const inUse = failure.data.inUse;
    if (inUse) {
      throw new SandboxInUseError(inUse.sandboxDir, inUse.pid, inUse.command);
    }
    throw new Error(`The sandbox failed to start: ${failure.data.error}`);
  }

  const ready = sandboxReadySchema.safeParse(parsed);
  if (!ready.success) {
    throw new Error(`The sandbox ready message is malformed (${ready.error.issues[0]?.message ?? 'unknown'}); emulators/sandbox.ts and src/config/sandbox-config.ts disagree`);
  }
  return ready.data;
}

export const SANDBOX_INTERVAL_MINUTES = 30;
/** Requests in flight per EWS mailbox: the configuration's default. */
const SANDBOX_EWS_CONCURRENCY = 3;

/**
 * Schema of the sandbox's store on PostgreSQL: its own, so `syncline sandbox reset` can never empty the store of a
 * real deployment on the same database.
 */
export const SANDBOX_POSTGRES_SCHEMA = 'syncline_sandbox';

/**
 * Build the configuration that points the engine at the sandbox's emulators, with a store of its own. That store is a
 * SQLite file under the data folder. When SYNCLINE_DATABASE_URL is set, it is the schema `syncline_sandbox` of that
 * database instead, so the sandbox also runs in distributed mode.
 */
export function sandboxConfig(ready: SandboxReady, dataDir: string, env: Readonly<Record<string, string | undefined>> = {}): SynclineConfig {
  const absoluteDataDir = path.resolve(dataDir);
  const ownDomain = ready.mailbox.address.slice(ready.mailbox.address.lastIndexOf('@') + 1).toLowerCase();
  const databaseUrl = env[DATABASE_URL_VARIABLE];
  return {
    origin: 'sandbox',
    dataDir: absoluteDataDir,
    // Its own file under sandbox/, so `syncline sandbox reset` can never empty the store of a real configuration.
    store: databaseUrl
      ? { kind: 'postgres', connectionString: databaseUrl, schema: SANDBOX_POSTGRES_SCHEMA }
      : { kind: 'sqlite', path: path.join(sandboxFolder(absoluteDataDir), 'syncline.db') },
    window: { kind: 'fixed', start: ready.window.start, end: ready.window.end },
    jitter: 0.1,
    maxConcurrentSessions: 1,
    orgs: [
      {
        id: ready.org.id,
        name: ready.org.name,
        policy: {},
        salesforce: {
          loginUrl: ready.salesforce.url,
          apiVersion: ready.salesforce.apiVersion,
          auth: {
            kind: 'refreshToken',
            clientId: ready.salesforce.clientId,
            clientSecret: ready.salesforce.clientSecret,
            refreshToken: ready.salesforce.refreshToken,
          },
          syncIdField: ready.salesforce.syncIdField,
          apiBudgetShare: 0.5,
        },
        graph: {
          graphBaseUrl: `${ready.graph.url}/v1.0`,
          tokenUrl: `${ready.graph.url}/${encodeURIComponent(ready.graph.tenantId)}/oauth2/v2.0/token`,
          clientId: ready.graph.clientId,
          clientSecret: ready.graph.clientSecret,
        },
        ...(ready.google === undefined
          ? {}
          : {
              google: {
                auth: { kind: 'serviceAccount' as const, clientEmail: ready.google.serviceAccount.clientEmail, privateKey: ready.google.serviceAccount.privateKey },
                tokenUrl: ready.google.tokenUrl,
                apiBaseUrl: ready.google.url,
                peopleBaseUrl: ready.google.url,
                sendUpdates: 'none' as const,
              },
            }),
        ...(ready.ews === undefined
          ? {}
          : { ews: { url: ready.ews.url, auth: sandboxEwsAuth(ready.ews.serviceAccount, env), maxConcurrency: SANDBOX_EWS_CONCURRENCY } }),
        // The sample emails show email saving: categorized, filed and threaded emails are saved, internal and bulk ones not.
        emailSaving: { ...DEFAULT_EMAIL_SAVING_SETTINGS, ownDomains: [ownDomain] },
        linking: { ...DEFAULT_LINKING_SETTINGS, ownDomains: [ownDomain], userBlocklists: {} },
        mailboxes: [
          {
            id: mailboxIdFor(ready.org.id, ready.mailbox.address),
            address: ready.mailbox.address,
            timeZone: ready.mailbox.timeZone,
            salesforceUser: { email: ready.mailbox.salesforceUserEmail },
            sessionIntervalMinutes: SANDBOX_INTERVAL_MINUTES,
          },
          ...(ready.google === undefined
            ? []
            : [
                {
                  id: mailboxIdFor(ready.org.id, ready.google.mailbox.address),
                  kind: 'google' as const,
                  address: ready.google.mailbox.address,
                  timeZone: ready.google.mailbox.timeZone,
                  salesforceUser: { email: ready.google.mailbox.salesforceUserEmail },
                  sessionIntervalMinutes: SANDBOX_INTERVAL_MINUTES,
                },
              ]),
          ...(ready.ews === undefined ? [] : [extraMailbox(ready.org.id, 'ews', ready.ews.mailbox)]),
          ...(ready.imapCaldav === undefined
            ? []
            : [
                {
                  ...extraMailbox(ready.org.id, 'imap-caldav', ready.imapCaldav.mailbox),
                  imapCaldav: {
                    imap: { ...ready.imapCaldav.imap, secure: false },
                    dav: { ...ready.imapCaldav.dav },
                    salesforceKeyword: ready.imapCaldav.salesforceKeyword,
                    changeDetection: 'auto' as const,
                  },
                },
              ]),
        ],
      },
    ],
  };
}

/** Picks how the sandbox's EWS mailbox signs in; the sandbox's EWS emulator offers Basic and NTLM. */
const SANDBOX_EWS_AUTH_VARIABLE = 'SYNCLINE_SANDBOX_EWS_AUTH';

function sandboxEwsAuth(account: { username: string; password: string }, env: Readonly<Record<string, string | undefined>>) {
  const chosen = env[SANDBOX_EWS_AUTH_VARIABLE]?.trim().toLowerCase() ?? '';
  if (chosen === '' || chosen === 'basic') {
    return { kind: 'basic' as const, username: account.username, password: account.password };
  }
  if (chosen === 'ntlm') {
    // The user principal name needs no domain: the emulator, like Active Directory, accepts it with an empty one.
    return { kind: 'ntlm' as const, username: account.username, password: account.password };
  }
  throw new ConfigError('the environment', [`${SANDBOX_EWS_AUTH_VARIABLE}=${env[SANDBOX_EWS_AUTH_VARIABLE]} is invalid: set it to basic (the default) or ntlm, or leave it unset`]);
}

function extraMailbox(orgId: string, kind: 'ews' | 'imap-caldav', mailbox: { address: string; timeZone: string; salesforceUserEmail: string }) {
  return {
    id: mailboxIdFor(orgId, mailbox.address),
    kind,
    address: mailbox.address,
    timeZone: mailbox.timeZone,
    salesforceUser: { email: mailbox.salesforceUserEmail },
    sessionIntervalMinutes: SANDBOX_INTERVAL_MINUTES,
  };
}

/** Folder of the sandbox state inside a data folder; shared with emulators/sandbox.ts by convention. */
export function sandboxFolder(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'sandbox');
}
