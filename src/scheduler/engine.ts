import { randomUUID } from 'node:crypto';
import type { OrgSettingsEdit } from '../config/settings-edits.ts';
import { resolveSyncWindow } from '../config/sync-window.ts';
import type { MailboxSetting, OrgSetting, SynclineConfig } from '../config/resolved-config.ts';
import { OrgApiBudget, SalesforceOrgCache } from '../crm/salesforce/index.ts';
import type { MailboxRecord } from '../domain/accounts.ts';
import type { LinkResolver } from '../domain/linking.ts';
import { sessionGoogleRefreshTokens } from '../mailbox/google/auth/google-refresh-tokens.ts';
import { sessionRefreshTokens } from '../mailbox/graph/auth/configured-refresh-tokens.ts';
import type { RefreshTokenStore } from '../mailbox/graph/auth/refresh-token-store.ts';
import type { SessionReport } from '../domain/session-report.ts';
import { validateMappingTable } from '../mapping/index.ts';
import type { Logger } from '../observability/logger.ts';
import { recordSessionMetrics } from '../observability/metrics.ts';
import { googleSignInUrlOf } from '../server/webhooks/google-sign-in.ts';
import { openStore, type SynclineStore } from '../store/index.ts';
import { defaultSyncPolicy, planMailboxSession, runMailboxSession, type MailboxSessionOptions, type SessionPlan, type SyncPolicy } from '../sync/index.ts';
import { openSessionLinking, saveSessionEmails, type SessionLinking } from './engine-email.ts';
import { kindSessions, mailboxTables } from './engine-kinds.ts';
import { withStoredSettings } from './engine-settings.ts';
import { sessionLogFields } from './session-summary.ts';

export interface EngineMailbox {
  readonly org: OrgSetting;
  readonly setting: MailboxSetting;
  readonly record: MailboxRecord;
  /** Store of the owner's refresh token, for a mailbox with delegated Graph access or Google user OAuth. */
  readonly refreshTokens?: RefreshTokenStore;
  /** The page where the owner of a Google mailbox under user OAuth signs in. */
  readonly signInUrl?: string;
}

/** The configured orgs and mailboxes over an open store, able to run a session for any of them. */
export interface Engine {
  readonly store: SynclineStore;
  readonly mailboxes: readonly EngineMailbox[];
  /** Run one session, record it in the session log and log its summary. Never throws for a failed session. */
  runSession(mailboxId: string): Promise<SessionReport>;
  /**
   * Plan a session without running it: nothing is written to either side or to the store. With `orgDraft`, the
   * plan uses that org settings edit in place of the stored one.
   */
  planSession(mailboxId: string, orgDraft?: OrgSettingsEdit): Promise<SessionPlan>;
  /** The mailbox's session interval as its last session resolved it (settings edits included), in minutes. */
  intervalMinutes?(mailboxId: string): number | undefined;
  close(): Promise<void>;
}

export interface EngineOptions {
  readonly config: SynclineConfig;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Leave the store's org and mailbox rows as they are, for a dry run that must write nothing. */
  readonly readOnly?: boolean;
  /** Environment variables with the credential encryption key of delegated mailboxes; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Open the store and register every org and mailbox of the configuration in it. */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  // A mapping table that cannot work is a configuration error: stop before any session writes with it.
  for (const org of config.orgs) {
    for (const setting of org.mailboxes) {
      mailboxTables(setting).forEach(validateMappingTable);
    }
  }
  const store = await openStore(config.store, logger);
  const env = options.env ?? process.env;
  // A dry run writes nothing, not even a rotated refresh token: Entra ID keeps the old one valid until it expires.
  const refreshTokens = readOnlyWhen(options.readOnly, sessionRefreshTokens(config, store, env));
  const googleTokens = readOnlyWhen(options.readOnly, sessionGoogleRefreshTokens(config, store, env));

  const mailboxes: EngineMailbox[] = [];
  try {
    // A restart writes only the rows the configuration changed: one write per mailbox took about a minute at 100,000.
    const stored = options.readOnly ? new Map<string, MailboxRecord>() : new Map((await store.listMailboxes()).map((record) => [record.id, record]));
    for (const org of config.orgs) {
      if (!options.readOnly) {
        await store.upsertOrg({ id: org.id, name: org.name });
      }
      for (const setting of org.mailboxes) {
        const record: MailboxRecord = { id: setting.id, orgId: org.id, kind: setting.kind ?? 'graph', address: setting.address, timeZone: setting.timeZone };
        if (!options.readOnly && !sameMailbox(stored.get(record.id), record)) {
          await store.upsertMailbox(record);
        }
        mailboxes.push({ org, setting, record, ...(setting.graphAuth === 'delegated' && refreshTokens !== undefined ? { refreshTokens } : {}), ...googleSignIn(config, org, setting, googleTokens) });
      }
    }
  } catch (error) {
    await store.close();
    throw error;
  }

  const byId = new Map(mailboxes.map((mailbox) => [mailbox.record.id, mailbox]));
  const intervals = new Map<string, number>();
  // One budget and one cache per org, so the sessions of all its mailboxes share the org's API allocation, its
  // Salesforce token and its describes.
  const shares = new Map(config.orgs.map((org): [string, OrgShare] => [org.id, { budget: new OrgApiBudget({ share: org.salesforce.apiBudgetShare }), orgCache: new SalesforceOrgCache() }]));
  return {
    store,
    mailboxes,
    async runSession(mailboxId) {
      const mailbox = byId.get(mailboxId);
      if (!mailbox) {
        throw new Error(`Unknown mailbox id '${mailboxId}'; it is not in the configuration`);
      }
      return runAndRecord(mailbox, store, config, logger, now(), shares.get(mailbox.org.id), intervals);
    },
    async planSession(mailboxId, orgDraft) {
      const mailbox = byId.get(mailboxId);
      if (!mailbox) {
        throw new Error(`Unknown mailbox id '${mailboxId}'; it is not in the configuration`);
      }
      const planLogger = logger.child({ org: mailbox.org.id, mailboxId });
      const effective = await withStoredSettings(mailbox, store, planLogger, orgDraft);
      // A plan writes nothing, also in an engine that runs sessions: the settings dry run plans with `syncline start`'s.
      const readOnly = effective.refreshTokens === undefined ? effective : { ...effective, refreshTokens: readOnlyTokens(effective.refreshTokens) };
      return planMailboxSession(sessionOptions(readOnly, store, config, planLogger, now(), shares.get(mailbox.org.id)));
    },
    intervalMinutes: (mailboxId) => intervals.get(mailboxId) ?? byId.get(mailboxId)?.setting.sessionIntervalMinutes,
    close: () => store.close(),
  };
}

/** What the sessions of one org share in this process. */
interface OrgShare {
  readonly budget: OrgApiBudget;
  readonly orgCache: SalesforceOrgCache;
}

async function runAndRecord(mailbox: EngineMailbox, store: SynclineStore, config: SynclineConfig, logger: Logger, startedAt: Date, share: OrgShare | undefined, intervals: Map<string, number>): Promise<SessionReport> {
  // runMailboxSession binds the mailbox id and session id itself, so it gets the logger scoped to the org only.
  const orgLogger = logger.child({ org: mailbox.org.id });
  const sessionLogger = orgLogger.child({ mailboxId: mailbox.record.id });
  let report: SessionReport;
  try {
    // Stored settings edits are read at each session start, so a saved change needs no restart.
    const effective = await withStoredSettings(mailbox, store, sessionLogger);
    intervals.set(mailbox.record.id, effective.setting.sessionIntervalMinutes);
    report = await runOneSession(effective, store, config, orgLogger, startedAt, share);
  } catch (error) {
    // runMailboxSession reports fatal failures itself; reaching this means a bug or a connector set-up error.
    sessionLogger.error({ err: error }, 'Session aborted by an unexpected error');
    report = abortedReport(mailbox.record, startedAt, error);
  }

  try {
    await store.recordSession(report);
  } catch (error) {
    sessionLogger.error({ err: error, sessionId: report.sessionId }, 'Could not record the session in the session log');
  }
  recordSessionMetrics(report);

  // runMailboxSession logs the info line with the counts; this adds what an operator must act on.
  if (report.status === 'needsReview') {
    sessionLogger.warn(sessionLogFields(report), 'Session held changes back for review; see notes');
  } else {
    sessionLogger.debug(sessionLogFields(report), 'Session recorded');
  }
  return report;
}

async function runOneSession(mailbox: EngineMailbox, store: SynclineStore, config: SynclineConfig, logger: Logger, startedAt: Date, share?: OrgShare): Promise<SessionReport> {
  const budgetOption = share === undefined ? {} : { ...share };
  const linking = openSessionLinking({ org: mailbox.org, setting: mailbox.setting, store, logger: logger.child({ mailboxId: mailbox.record.id }), ...budgetOption });
  const mirrored = await runMailboxSession(sessionOptions(mailbox, store, config, logger, startedAt, share, linking.resolver));
  const tokens = mailbox.refreshTokens === undefined ? {} : { refreshTokens: mailbox.refreshTokens };
  const saved = await saveSessionEmails(mirrored, { org: mailbox.org, setting: mailbox.setting, mailbox: mailbox.record, store, logger, ...budgetOption, ...tokens });
  return withMeetingLinks(saved, linking);
}

/** Add what linking the session's meetings did to the report, next to what saving its emails linked. */
function withMeetingLinks(report: SessionReport, linking: SessionLinking): SessionReport {
  const calls = linking.calls();
  if (calls === 0 && report.linked === undefined) {
    return report;
  }
  const { linked, autoCreated } = linking.counts();
  const before = report.autoCreated ?? { Lead: 0, Contact: 0, Account: 0 };
  return {
    ...report,
    linked: (report.linked ?? 0) + linked,
    autoCreated: { Lead: before.Lead + autoCreated.Lead, Contact: before.Contact + autoCreated.Contact, Account: before.Account + autoCreated.Account },
    apiCalls: { ...report.apiCalls, crm: report.apiCalls.crm + calls },
  };
}

/** Build a session's options; with a link resolver, the meetings it writes are linked (a dry run passes none). */
function sessionOptions(mailbox: EngineMailbox, store: SynclineStore, config: SynclineConfig, logger: Logger, startedAt: Date, share?: OrgShare, linkResolver?: LinkResolver): MailboxSessionOptions {
  const { org, setting, record } = mailbox;
  const kinds = kindSessions({
    org,
    setting,
    tables: mailboxTables(setting),
    logger,
    ...(share === undefined ? {} : { ...share }),
    ...(linkResolver === undefined ? {} : { linkResolver, linkMemory: store }),
    sharedMeetings: store,
    seriesRegistry: store,
    ...(mailbox.refreshTokens === undefined ? {} : { refreshTokens: mailbox.refreshTokens }),
    ...(mailbox.signInUrl === undefined ? {} : { signInUrl: mailbox.signInUrl }),
  });
  const policy: SyncPolicy = { ...defaultSyncPolicy, ...org.policy, selection: org.selection ?? defaultSyncPolicy.selection };
  return { mailbox: record, kinds, store, policy, window: resolveSyncWindow(config.window, startedAt), logger };
}

function readOnlyWhen(readOnly: boolean | undefined, tokens: RefreshTokenStore | undefined): RefreshTokenStore | undefined {
  return tokens === undefined || !readOnly ? tokens : readOnlyTokens(tokens);
}

/** The token store that reads the saved refresh token and drops the rotated one the provider hands back. */
function readOnlyTokens(tokens: RefreshTokenStore): RefreshTokenStore {
  return { loadRefreshToken: (mailboxId: string) => tokens.loadRefreshToken(mailboxId), saveRefreshToken: async () => undefined };
}

/** Return the token store and sign-in page of a Google mailbox under user OAuth whose refresh token is not in the configuration. */
function googleSignIn(config: SynclineConfig, org: OrgSetting, setting: MailboxSetting, tokens: RefreshTokenStore | undefined): Pick<EngineMailbox, 'refreshTokens' | 'signInUrl'> {
  if (setting.kind !== 'google' || org.google?.auth.kind !== 'userOAuth' || setting.googleRefreshToken !== undefined || tokens === undefined) {
    return {};
  }
  const server = config.server ?? { host: '127.0.0.1', port: 8787, publicUrl: null };
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return { refreshTokens: tokens, signInUrl: googleSignInUrlOf(server.publicUrl ?? `http://${host}:${server.port}`, setting.id) };
}

function sameMailbox(stored: MailboxRecord | undefined, configured: MailboxRecord): boolean {
  return stored !== undefined && stored.orgId === configured.orgId && stored.kind === configured.kind && stored.address === configured.address && stored.timeZone === configured.timeZone;
}

function abortedReport(mailbox: MailboxRecord, startedAt: Date, error: unknown): SessionReport {
  const zeroWrites = { created: 0, updated: 0, deleted: 0 };
  const reason = error instanceof Error ? error.message : String(error);
  return {
    sessionId: randomUUID(),
    mailboxId: mailbox.id,
    mailbox: mailbox.address,
    kind: mailbox.kind,
    status: 'failed',
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 0, crm: 0 },
    writes: { mailbox: zeroWrites, crm: zeroWrites, byObject: {} },
    apiCalls: { mailbox: 0, crm: 0 },
    conflicts: 0,
    itemErrors: [],
    notes: [`The session stopped on an unexpected error: ${reason}`],
  };
}
