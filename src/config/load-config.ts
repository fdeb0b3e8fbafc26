import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { MappingError } from '../mapping/index.ts';
import { ConfigError } from './config-error.ts';
import { resolveEmailSaving } from './email-saving-schema.ts';
import { applyEnvironmentSecrets, orgSecretVariable, type Environment } from './env-secrets.ts';
import { formatConfigIssues } from './format-issues.ts';
import { resolveGoogle } from './resolve-google.ts';
import type { EwsSetting, MailboxSetting, OrgFileSections, OrgSetting, StoreSetting, SynclineConfig, WindowSetting } from './resolved-config.ts';
import { resolveOrgMappings } from './resolve-mappings.ts';
import { ConfigProblem, resolveSalesforceAuth } from './salesforce-auth.ts';
import { configFileSchema, type ConfigFile, type MailboxConfig, type OrgConfig } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'syncline.config.json';
export const CONFIG_PATH_VARIABLE = 'SYNCLINE_CONFIG';

export interface ConfigLocation {
  /** `--config PATH` from the command line, if given. */
  readonly flag?: string;
  readonly env: Environment;
  readonly cwd: string;
}

/**
 * Find the configuration file: `--config PATH`, else `SYNCLINE_CONFIG`, else `syncline.config.json` in the
 * working folder. Returns null when none is named and the default file does not exist, which means sandbox mode.
 * A file named explicitly that does not exist is an error.
 */
export function findConfigFile(location: ConfigLocation): string | null {
  const named = location.flag ?? location.env[CONFIG_PATH_VARIABLE];
  if (named !== undefined && named !== '') {
    const resolved = path.resolve(location.cwd, named);
    if (!existsSync(resolved)) {
      const hint =
        location.flag !== undefined
          ? `--config: file not found; check the path, or leave out --config to use ./${DEFAULT_CONFIG_FILE} or, without one, the sandbox`
          : `${CONFIG_PATH_VARIABLE}: file not found; check the path in the environment variable ${CONFIG_PATH_VARIABLE}, or unset it to use ./${DEFAULT_CONFIG_FILE} or, without one, the sandbox`;
      throw new ConfigError(resolved, [hint]);
    }
    return resolved;
  }

  const fallback = path.resolve(location.cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : null;
}

export function loadConfigFile(filePath: string, env: Environment): SynclineConfig {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    throw new ConfigError(filePath, [`cannot read the file (${(error as Error).message}); check its permissions`]);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(filePath, [`not valid JSON (${(error as Error).message}); the file must be one JSON object`]);
  }

  return parseConfig(parsed, { source: filePath, env, baseDir: path.dirname(filePath) });
}

export interface ParseOptions {
  /** Named in error messages. */
  readonly source: string;
  readonly env: Environment;
  /** Relative paths in the file (dataDir, store path) resolve against this folder. */
  readonly baseDir: string;
}

/** Validate a parsed configuration object and resolve it; throws a ConfigError listing every bad key. */
export function parseConfig(parsed: unknown, options: ParseOptions): SynclineConfig {
  const overlay = applyEnvironmentSecrets(parsed, options.env);
  const result = configFileSchema.safeParse(overlay.raw, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(options.source, formatConfigIssues(result.error.issues, overlay.variables));
  }

  try {
    return resolveConfig(result.data, options.baseDir);
  } catch (error) {
    if (error instanceof ConfigProblem) {
      throw new ConfigError(options.source, [error.message]);
    }
    if (error instanceof MappingError) {
      throw new ConfigError(options.source, error.problems);
    }
    throw error;
  }
}

function resolveConfig(file: ConfigFile, baseDir: string): SynclineConfig {
  const dataDir = path.resolve(baseDir, file.dataDir);
  return {
    dataDir,
    store: resolveStore(file, dataDir, baseDir),
    window: resolveWindow(file.syncWindow),
    jitter: file.jitter,
    maxConcurrentSessions: file.maxConcurrentSessions,
    instantSync: file.instantSync,
    server: { host: file.server.host, port: file.server.port, publicUrl: file.server.publicUrl ?? null },
    orgs: file.orgs.map((org, index) => resolveOrg(org, index, file.sessionIntervalMinutes, baseDir)),
  };
}

function resolveStore(file: ConfigFile, dataDir: string, baseDir: string): StoreSetting {
  const store = file.store;
  if (store === undefined) {
    return { kind: 'sqlite', path: path.join(dataDir, 'syncline.db') };
  }

  if (store.kind === 'sqlite') {
    return { kind: 'sqlite', path: store.path === undefined ? path.join(dataDir, 'syncline.db') : path.resolve(baseDir, store.path) };
  }
  return store.schema === undefined
    ? { kind: 'postgres', connectionString: store.connectionString }
    : { kind: 'postgres', connectionString: store.connectionString, schema: store.schema };
}

function resolveWindow(window: ConfigFile['syncWindow']): WindowSetting {
  if (window.start !== undefined && window.end !== undefined) {
    return { kind: 'fixed', start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() };
  }
  return { kind: 'relative', pastDays: window.pastDays ?? 30, futureDays: window.futureDays ?? 180 };
}

function resolveOrg(org: OrgConfig, index: number, defaultInterval: number, baseDir: string): OrgSetting {
  const orgInterval = org.sessionIntervalMinutes ?? defaultInterval;
  const mappings = resolveOrgMappings(index, org.mappings, org.mailboxes.map((mailbox) => mailbox.mappings));
  return {
    id: org.id,
    name: org.name,
    policy: org.unsync === undefined ? org.policy : { ...org.policy, unsync: org.unsync },
    salesforce: {
      ...org.salesforce,
      auth: resolveSalesforceAuth(org.salesforce.auth, baseDir, `orgs[${index}].salesforce.auth`, orgSecretVariable(org.id, 'SALESFORCE_PRIVATE_KEY')),
    },
    ...(org.graph === undefined
      ? {}
      : {
          graph: {
            graphBaseUrl: org.graph.graphBaseUrl,
            tokenUrl: `${org.graph.authorityUrl}/${encodeURIComponent(org.graph.tenantId)}/oauth2/v2.0/token`,
            authorizeUrl: `${org.graph.authorityUrl}/${encodeURIComponent(org.graph.tenantId)}/oauth2/v2.0/authorize`,
            clientId: org.graph.clientId,
            clientSecret: org.graph.clientSecret,
            ...(org.graph.redirectUri === undefined ? {} : { redirectUri: org.graph.redirectUri }),
          },
        }),
    ...(org.ews === undefined ? {} : { ews: resolveEws(org.id, org.ews, `orgs[${index}].ews`) }),
    ...(org.google === undefined ? {} : { google: resolveGoogle(org.google, baseDir, `orgs[${index}].google`) }),
    ...(org.oidc === undefined ? {} : { oidc: { issuerUrl: org.oidc.issuerUrl, clientId: org.oidc.clientId, clientSecret: org.oidc.clientSecret ?? null } }),
    selection: org.selection,
    ...(org.emailSaving === undefined
      ? {}
      : { emailSaving: resolveEmailSaving(org.emailSaving, { category: org.selection.category, ownDomains: [...org.selection.ownDomains, ...org.linking.ownDomains], blocklist: org.linking.blocklist }) }),
    linking: org.linking,
    fileSections: { ...(org.mappings === undefined ? {} : { mappings: org.mappings as OrgFileSections['mappings'] }), ...(org.sessionIntervalMinutes === undefined ? {} : { sessionIntervalMinutes: org.sessionIntervalMinutes }) },
    mailboxes: org.mailboxes.map((mailbox, mailboxIndex) => ({
      ...resolveMailbox(org.id, mailbox, orgInterval),
      kind: mailbox.kind,
      ...(mailbox.imapCaldav === undefined ? {} : { imapCaldav: mailbox.imapCaldav }),
      ...(mailbox.googleRefreshToken === undefined ? {} : { googleRefreshToken: mailbox.googleRefreshToken }),
      graphAuth: mailbox.graphAuth ?? org.graph?.auth ?? 'appOnly',
      mappings: mappings.mailboxTables[mailboxIndex] ?? mappings.tables,
      fileSections: { ...(mailbox.mappings === undefined ? {} : { mappings: mailbox.mappings }), ...(mailbox.sessionIntervalMinutes === undefined ? {} : { sessionIntervalMinutes: mailbox.sessionIntervalMinutes }) },
    })),
  };
}

/**
 * Resolve the org's EWS setting with its secret, from the file or the environment. Throws when the secret is missing,
 * because without it no request could authenticate.
 */
function resolveEws(orgId: string, ews: NonNullable<OrgConfig['ews']>, where: string): EwsSetting {
  const { auth } = ews;
  if (auth.kind === 'basic' || auth.kind === 'ntlm') {
    if (auth.password === undefined) {
      throw new ConfigProblem(`${where}.auth.password is missing; set the environment variable ${orgSecretVariable(orgId, 'EWS_PASSWORD')} to the service account's password`);
    }
    const common = { url: ews.url, maxConcurrency: ews.maxConcurrency, sendMeetingInvitations: ews.sendMeetingInvitations };
    if (auth.kind === 'basic') {
      return { ...common, auth: { kind: 'basic', username: auth.username, password: auth.password } };
    }
    const { domain, workstation } = auth;
    return { ...common, auth: { kind: 'ntlm', username: auth.username, password: auth.password, ...(domain === undefined ? {} : { domain }), ...(workstation === undefined ? {} : { workstation }) } };
  }
  if (auth.clientSecret === undefined) {
    throw new ConfigProblem(`${where}.auth.clientSecret is missing; set the environment variable ${orgSecretVariable(orgId, 'EWS_CLIENT_SECRET')} to a client secret of the app`);
  }
  const oauth = { kind: 'oauth' as const, tokenUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: auth.clientSecret };
  return { url: ews.url, maxConcurrency: ews.maxConcurrency, sendMeetingInvitations: ews.sendMeetingInvitations, auth: auth.scope === undefined ? oauth : { ...oauth, scope: auth.scope } };
}

function resolveMailbox(orgId: string, mailbox: MailboxConfig, orgInterval: number): MailboxSetting {
  const user = mailbox.salesforceUser;
  return {
    id: mailbox.id ?? mailboxIdFor(orgId, mailbox.address),
    address: mailbox.address,
    timeZone: mailbox.timeZone,
    salesforceUser: user?.id !== undefined ? { id: user.id } : { email: user?.email ?? mailbox.address },
    sessionIntervalMinutes: mailbox.sessionIntervalMinutes ?? orgInterval,
  };
}

/**
 * Derive a stable mailbox id from the org and the address. The address is hashed so that ids in logs and in the
 * store's keys do not spell out a person's address.
 */
export function mailboxIdFor(orgId: string, address: string): string {
  const digest = createHash('sha256').update(address.trim().toLowerCase()).digest('hex');
  return `${orgId}-${digest.slice(0, 16)}`;
}
