import { randomUUID } from 'node:crypto';
import { resolveSyncWindow } from '../config/sync-window.ts';
import type { MailboxSetting, OrgSetting, SynclineConfig } from '../config/resolved-config.ts';
import { OrgApiBudget, createSalesforceEventSource } from '../crm/salesforce/index.ts';
import type { MailboxRecord } from '../domain/accounts.ts';
import type { SessionReport } from '../domain/session-report.ts';
import { createGraphEventSource } from '../mailbox/graph/index.ts';
import { defaultEventMapping, eventCrmFields, validateEventMapping, type EventMapping } from '../mapping/index.ts';
import type { Logger } from '../observability/logger.ts';
import { openStore, type SynclineStore } from '../store/index.ts';
import { defaultSyncPolicy, runEventSession, type SyncPolicy } from '../sync/index.ts';
import { sessionLogFields } from './session-summary.ts';

export interface EngineMailbox {
  readonly org: OrgSetting;
  readonly setting: MailboxSetting;
  readonly record: MailboxRecord;
}

/** The configured orgs and mailboxes over an open store, able to run a session for any of them. */
export interface Engine {
  readonly store: SynclineStore;
  readonly mailboxes: readonly EngineMailbox[];
  /** Run one session, record it in the session log and log its summary. Never throws for a failed session. */
  runSession(mailboxId: string): Promise<SessionReport>;
  close(): Promise<void>;
}

export interface EngineOptions {
  readonly config: SynclineConfig;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** Open the store and register every org and mailbox of the configuration in it. */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  // A mapping table that cannot work is a configuration error: stop before any session writes with it.
  const mapping = validateEventMapping(defaultEventMapping);
  const store = await openStore(config.store, logger);

  const mailboxes: EngineMailbox[] = [];
  try {
    for (const org of config.orgs) {
      await store.upsertOrg({ id: org.id, name: org.name });
      for (const setting of org.mailboxes) {
        const record: MailboxRecord = { id: setting.id, orgId: org.id, kind: 'graph', address: setting.address, timeZone: setting.timeZone };
        await store.upsertMailbox(record);
        mailboxes.push({ org, setting, record });
      }
    }
  } catch (error) {
    await store.close();
    throw error;
  }

  const byId = new Map(mailboxes.map((mailbox) => [mailbox.record.id, mailbox]));
  // One budget per org, so the sessions of all its mailboxes share the org's API allocation.
  const budgets = new Map(config.orgs.map((org) => [org.id, new OrgApiBudget({ share: org.salesforce.apiBudgetShare })]));
  return {
    store,
    mailboxes,
    async runSession(mailboxId) {
      const mailbox = byId.get(mailboxId);
      if (!mailbox) {
        throw new Error(`Unknown mailbox id '${mailboxId}'; it is not in the configuration`);
      }
      return runAndRecord(mailbox, store, config, mapping, logger, now(), budgets.get(mailbox.org.id));
    },
    close: () => store.close(),
  };
}

async function runAndRecord(mailbox: EngineMailbox, store: SynclineStore, config: SynclineConfig, mapping: EventMapping, logger: Logger, startedAt: Date, budget?: OrgApiBudget): Promise<SessionReport> {
  // runEventSession binds the mailbox id and session id itself, so it gets the logger scoped to the org only.
  const orgLogger = logger.child({ org: mailbox.org.id });
  const sessionLogger = orgLogger.child({ mailboxId: mailbox.record.id });
  let report: SessionReport;
  try {
    report = await runOneSession(mailbox, store, config, mapping, orgLogger, startedAt, budget);
  } catch (error) {
    // runEventSession reports fatal failures itself; reaching this means a bug or a connector set-up error.
    sessionLogger.error({ err: error }, 'Session aborted by an unexpected error');
    report = abortedReport(mailbox.record, startedAt, error);
  }

  try {
    await store.recordSession(report);
  } catch (error) {
    sessionLogger.error({ err: error, sessionId: report.sessionId }, 'Could not record the session in the session log');
  }

  // runEventSession logs the info line with the counts; this adds what an operator must act on.
  if (report.status === 'needsReview') {
    sessionLogger.warn(sessionLogFields(report), 'Session held changes back for review; see notes');
  } else {
    sessionLogger.debug(sessionLogFields(report), 'Session recorded');
  }
  return report;
}

function runOneSession(mailbox: EngineMailbox, store: SynclineStore, config: SynclineConfig, mapping: EventMapping, logger: Logger, startedAt: Date, budget?: OrgApiBudget): Promise<SessionReport> {
  const { org, setting, record } = mailbox;

  const mailboxSource = createGraphEventSource({
    graphBaseUrl: org.graph.graphBaseUrl,
    tokenUrl: org.graph.tokenUrl,
    clientId: org.graph.clientId,
    clientSecret: org.graph.clientSecret,
    userId: setting.address,
    mailboxTimeZone: setting.timeZone,
    logger: logger.child({ side: 'mailbox' }),
  });

  const crmSource = createSalesforceEventSource({
    loginUrl: org.salesforce.loginUrl,
    auth: org.salesforce.auth,
    apiVersion: org.salesforce.apiVersion,
    owner: setting.salesforceUser,
    syncIdField: org.salesforce.syncIdField,
    fields: eventCrmFields(mapping),
    logger: logger.child({ side: 'crm' }),
    ...(budget === undefined ? {} : { apiBudget: budget }),
  });

  const policy: SyncPolicy = { ...defaultSyncPolicy, ...org.policy };
  return runEventSession({
    mailbox: record,
    mailboxSource,
    crmSource,
    crmRecordUrl: (id) => crmSource.recordUrl(id),
    store,
    mapping,
    policy,
    window: resolveSyncWindow(config.window, startedAt),
    logger,
  });
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
    writes: { mailbox: zeroWrites, crm: zeroWrites },
    apiCalls: { mailbox: 0, crm: 0 },
    conflicts: 0,
    itemErrors: [],
    notes: [`The session stopped on an unexpected error: ${reason}`],
  };
}
