import type { MailboxSetting, OrgSetting, SynclineConfig } from '../config/resolved-config.ts';
import type { OrgApiBudget, SalesforceOrgCache } from '../crm/salesforce/index.ts';
import { createSalesforceEmailWriter } from '../crm/salesforce/email/index.ts';
import { SalesforcePeopleDirectory } from '../crm/salesforce/people/salesforce-people-directory.ts';
import { SalesforceRecordClient } from '../crm/salesforce/record-client.ts';
import { SalesforceRestClient } from '../crm/salesforce/rest-client.ts';
import type { MailboxRecord } from '../domain/accounts.ts';
import type { MessageSource } from '../domain/email-message.ts';
import { isConnectorError } from '../domain/errors.ts';
import type { LinkRequest, LinkResolver, LinkResult } from '../domain/linking.ts';
import type { AutoCreatedCounts, SessionReport } from '../domain/session-report.ts';
import { saveMailboxEmails, type EmailRecordWriter, type EmailSavingSettings, type MailboxOwner } from '../email/index.ts';
import { createLinkResolver } from '../linking/link-resolver.ts';
import { DEFAULT_LINKING_SETTINGS } from '../linking/settings.ts';
import { sessionGoogleRefreshTokens } from '../mailbox/google/auth/google-refresh-tokens.ts';
import { sessionRefreshTokens } from '../mailbox/graph/auth/configured-refresh-tokens.ts';
import type { RefreshTokenStore } from '../mailbox/graph/auth/refresh-token-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { SynclineStore } from '../store/index.ts';
import { mailboxMessageSource } from './engine-kinds.ts';

/** The connectors and settings that saving emails needs for one mailbox, built fresh for each session or request. */
export interface MailboxEmailConnectors {
  readonly source: MessageSource;
  readonly writer: EmailRecordWriter;
  readonly resolver: LinkResolver;
  readonly settings: EmailSavingSettings;
  readonly owner: MailboxOwner;
  readonly userBlocklist?: readonly string[];
  /** Salesforce requests of the linking engine so far. */
  readonly linkingCalls: () => number;
  /** What the resolver linked and created so far. */
  readonly linkCounts: () => { readonly linked: number; readonly autoCreated: AutoCreatedCounts };
}

export type EmailConnectorsOutcome =
  | { readonly kind: 'off' }
  | { readonly kind: 'ready'; readonly connectors: MailboxEmailConnectors };

export interface EmailConnectorOptions {
  readonly org: OrgSetting;
  readonly setting: MailboxSetting;
  readonly store: SynclineStore;
  readonly logger: Logger;
  readonly budget?: OrgApiBudget;
  /** The org's Salesforce token, describes and owner ids, shared by its sessions. */
  readonly orgCache?: SalesforceOrgCache;
  /** Store of the owner's refresh token, for a mailbox with delegated Graph access. */
  readonly refreshTokens?: RefreshTokenStore;
}

/** Build the message source, Salesforce writer and a new link resolver of one mailbox whose org saves emails. */
export function openEmailConnectors(options: EmailConnectorOptions): EmailConnectorsOutcome {
  const { org, setting, logger } = options;
  const settings = org.emailSaving;
  if (settings === undefined) {
    return { kind: 'off' };
  }
  const budget = { ...(options.budget === undefined ? {} : { apiBudget: options.budget }), ...(options.orgCache === undefined ? {} : { orgCache: options.orgCache }) };
  const { loginUrl, auth, apiVersion } = org.salesforce;
  const writer = createSalesforceEmailWriter({ loginUrl, auth, apiVersion, logger, messageKeyField: settings.messageKeyField, addInField: settings.addInField, ...budget });
  const linking = openSessionLinking(options);
  return {
    kind: 'ready',
    connectors: {
      source: mailboxMessageSource(org, setting, logger.child({ side: 'mailbox' }), options.refreshTokens === undefined ? {} : { refreshTokens: options.refreshTokens }),
      writer,
      resolver: linking.resolver,
      settings,
      owner: setting.salesforceUser,
      userBlocklist: linking.userBlocklist,
      linkingCalls: linking.calls,
      linkCounts: linking.counts,
    },
  };
}

/** The linking engine of one session (or one request) of one mailbox, with what it did so far. */
export interface SessionLinking {
  readonly resolver: LinkResolver;
  /** The mailbox owner's own blocklist from the org's linking settings. */
  readonly userBlocklist: readonly string[];
  /** Salesforce requests of the linking engine so far. */
  readonly calls: () => number;
  /** Counts of the records the resolver linked and created so far. */
  readonly counts: () => { readonly linked: number; readonly autoCreated: AutoCreatedCounts };
}

/**
 * Build a new link resolver for one mailbox, over its own Salesforce client, with the org's linking settings (the
 * defaults when the org has none). Its caches live as long as it does, so build one per session.
 */
export function openSessionLinking(options: EmailConnectorOptions): SessionLinking {
  const { org, setting, store, logger } = options;
  const crmLogger = logger.child({ side: 'crm' });
  const { loginUrl, auth, apiVersion } = org.salesforce;
  const rest = new SalesforceRestClient({
    loginUrl,
    auth,
    apiVersion,
    logger: crmLogger,
    fetch: globalThis.fetch,
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    ...(options.orgCache === undefined ? {} : { orgCache: options.orgCache }),
  });
  const linking = org.linking ?? { ...DEFAULT_LINKING_SETTINGS, userBlocklists: {} };
  const userBlocklist = linking.userBlocklists[setting.address.trim().toLowerCase()] ?? [];
  const directory = new SalesforcePeopleDirectory({
    rest,
    records: new SalesforceRecordClient({ rest, logger: crmLogger }),
    logger: crmLogger,
    emailFields: linking.emailFields,
    personAccountRecordTypeId: linking.autoResolve.personAccountRecordTypeId,
  });
  const resolver = new CountingResolver(
    createLinkResolver({ orgId: org.id, directory, state: store, settings: linking, logger: logger.child({ component: 'linking' }), userBlocklist: () => userBlocklist }),
  );
  return {
    resolver,
    userBlocklist,
    calls: () => rest.calls,
    counts: () => ({ linked: resolver.linked, autoCreated: { ...resolver.created } }),
  };
}

/**
 * The `openMailbox` of the email routes: the connectors of a configured mailbox, with a new link resolver per
 * request; null when the mailbox's org saves no emails.
 */
export function emailRouteConnectors(config: SynclineConfig, store: SynclineStore, logger: Logger): (mailbox: MailboxRecord) => Promise<MailboxEmailConnectors | null> {
  const refreshTokens = sessionRefreshTokens(config, store, process.env);
  const googleTokens = sessionGoogleRefreshTokens(config, store, process.env);
  return async (mailbox) => {
    const org = config.orgs.find((candidate) => candidate.id === mailbox.orgId);
    const setting = org?.mailboxes.find((candidate) => candidate.id === mailbox.id);
    if (org === undefined || setting === undefined) {
      throw new Error(`Mailbox ${mailbox.address} (${mailbox.id}) is not in the configuration of this server; add it to org '${mailbox.orgId}' and restart`);
    }
    // A Google mailbox under user OAuth whose owner signed in keeps its refresh token in the store, as sessions read it.
    const googleSignedIn = setting.kind === 'google' && org.google?.auth.kind === 'userOAuth' && setting.googleRefreshToken === undefined;
    let tokenStore: RefreshTokenStore | undefined;
    if (googleSignedIn) {
      tokenStore = googleTokens;
    } else if (setting.graphAuth === 'delegated') {
      tokenStore = refreshTokens;
    }
    const tokens = tokenStore === undefined ? {} : { refreshTokens: tokenStore };
    const opened = openEmailConnectors({ org, setting, store, logger: logger.child({ org: org.id, mailboxId: mailbox.id }), ...tokens });
    return opened.kind === 'off' ? null : opened.connectors;
  };
}

/** Resolver wrapper that counts linked and created records for the session report. */
class CountingResolver implements LinkResolver {
  linked = 0;
  readonly created = { Lead: 0, Contact: 0, Account: 0 };

  constructor(private readonly inner: LinkResolver) {}

  async resolve(requests: readonly LinkRequest[]): Promise<LinkResult[]> {
    const results = await this.inner.resolve(requests);
    for (const result of results) {
      const ids = [result.whoId, result.whatId, ...result.relationIds].filter((id): id is string => id !== null);
      this.linked += new Set(ids).size;
      this.created.Lead += result.created.Lead;
      this.created.Contact += result.created.Contact;
      this.created.Account += result.created.Account;
    }
    return results;
  }
}

/** Maximum time email saving holds the mailbox's lease. A session that dies holding it blocks saving until then. */
const EMAIL_LEASE_MS = 30 * 60_000;
const NO_CREATIONS: AutoCreatedCounts = { Lead: 0, Contact: 0, Account: 0 };

export interface SessionEmailOptions extends EmailConnectorOptions {
  readonly mailbox: MailboxRecord;
}

/**
 * After the mirroring kinds of a session, save the mailbox's emails when its org saves emails, and add the counts to
 * the report. A failure here never undoes the mirroring part, which is committed: the session becomes `partial` with a
 * note, or `failed` with the failure when it is one that suspends the mailbox.
 */
export async function saveSessionEmails(report: SessionReport, options: SessionEmailOptions): Promise<SessionReport> {
  if (options.org.emailSaving === undefined || report.status === 'skipped' || report.status === 'failed') {
    return report;
  }
  const logger = options.logger.child({ session: report.sessionId });
  const empty = { emailsSaved: 0, linked: 0, autoCreated: NO_CREATIONS };
  let opened: EmailConnectorsOutcome;
  try {
    opened = openEmailConnectors({ ...options, logger });
  } catch (error) {
    logger.error({ err: error }, 'Could not set up email saving');
    return withNote({ ...report, ...empty }, `Emails were not saved: ${messageOf(error)}`, true);
  }
  if (opened.kind === 'off') {
    return report;
  }

  const leaseHolder = `emails:${report.sessionId}`;
  if (!(await options.store.acquireSessionLease(options.mailbox.id, leaseHolder, EMAIL_LEASE_MS))) {
    return withNote({ ...report, ...empty }, 'Another session of this mailbox was running, so it saves the emails instead of this one', false);
  }
  const { connectors } = opened;
  try {
    const saved = await saveMailboxEmails({
      orgId: options.org.id,
      mailbox: { id: options.mailbox.id, address: options.mailbox.address, timeZone: options.mailbox.timeZone },
      owner: connectors.owner,
      source: connectors.source,
      writer: connectors.writer,
      resolver: connectors.resolver,
      store: options.store,
      settings: connectors.settings,
      ...(connectors.userBlocklist === undefined ? {} : { userBlocklist: connectors.userBlocklist }),
      logger,
    });
    const counts = connectors.linkCounts();
    const merged: SessionReport = {
      ...report,
      status: report.status === 'ok' && saved.itemErrors.length > 0 ? 'partial' : report.status,
      emailsSaved: saved.emailsSaved,
      emailSaving: {
        recordsCreated: saved.recordsCreated,
        relationsAdded: saved.relationsAdded,
        attachmentsSaved: saved.attachmentsSaved,
        skipped: saved.skipped,
        skippedAttachments: saved.skippedAttachments,
      },
      linked: counts.linked,
      autoCreated: counts.autoCreated,
      reads: { ...report.reads, mailbox: report.reads.mailbox + saved.messagesRead },
      apiCalls: {
        mailbox: report.apiCalls.mailbox + saved.apiCalls.mailbox,
        crm: report.apiCalls.crm + saved.apiCalls.crm + connectors.linkingCalls(),
      },
      itemErrors: [...report.itemErrors, ...saved.itemErrors],
      ...(saved.itemErrors.length > 0 ? { notes: [...report.notes, `${saved.itemErrors.length} emails could not be saved; the next session tries them again`] } : {}),
    };
    return merged;
  } catch (error) {
    logger.error({ err: error }, 'Saving emails failed; nothing of it was committed and the next session repeats the work');
    const counts = connectors.linkCounts();
    const failed = withNote({ ...report, emailsSaved: 0, linked: counts.linked, autoCreated: counts.autoCreated }, `Emails were not saved: ${messageOf(error)}`, true);
    // A failure that makes every session pointless (a refused login, a mailbox over quota) suspends the mailbox as it
    // does when mirroring meets it, so the login is not tried again every session.
    return isConnectorError(error) && error.failure.kind === 'suspend' ? { ...failed, status: 'failed', failure: error.failure } : failed;
  } finally {
    await options.store.releaseSessionLease(options.mailbox.id, leaseHolder).catch((error: unknown) => {
      logger.warn({ err: error }, 'Releasing the email saving lease failed; it expires by itself');
    });
  }
}

function withNote(report: SessionReport, note: string, failed: boolean): SessionReport {
  return { ...report, status: failed && report.status === 'ok' ? 'partial' : report.status, notes: [...report.notes, note] };
}

function messageOf(error: unknown): string {
  if (isConnectorError(error)) {
    return `${error.failure.kind}: ${error.failure.message} (${error.failure.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
