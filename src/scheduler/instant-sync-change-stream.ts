import type { OrgSetting } from '../config/resolved-config.ts';
import { createSalesforceChangeStream } from '../crm/salesforce/change-stream/change-stream.ts';
import { createTokenSource } from '../crm/salesforce/change-stream/token-source.ts';
import { SalesforceRestClient } from '../crm/salesforce/rest-client.ts';
import type { ChangeBatch, ChangeNotice, ChangeStream, ReplayIdStore } from '../domain/change-stream.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import type { Logger } from '../observability/logger.ts';
import { createOwnerDirectory, type OwnerDirectory } from './instant-sync-owners.ts';

/**
 * Salesforce → mailbox in seconds: one Change Data Capture stream per org on Event changes. A notice names records;
 * this module finds the mailboxes they concern and asks the scheduler for a session of each, and the session reads
 * the records itself. The stream saves its replay id only after a batch was routed, so a restart misses nothing.
 */
export const EVENT_CHANNEL = '/data/EventChangeEvent';

export interface ChangeRoutingStore extends ReplayIdStore {
  mailboxesOfCrmRecords(recordIds: readonly string[]): Promise<Map<string, string[]>>;
}

export interface OrgChangeStreamOptions {
  readonly org: OrgSetting;
  readonly store: ChangeRoutingStore;
  readonly requestSession: (mailboxId: string, trigger: SessionTrigger) => void;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

export function createOrgChangeStream(options: OrgChangeStreamOptions): ChangeStream {
  const { org } = options;
  const logger = options.logger.child({ org: org.id, component: 'instant-sync-crm' });
  const doFetch = options.fetch ?? fetch;
  const client = new SalesforceRestClient({ loginUrl: org.salesforce.loginUrl, auth: org.salesforce.auth, apiVersion: org.salesforce.apiVersion, logger, fetch: doFetch });
  const owners = createOwnerDirectory(org, client, logger);
  const orgMailboxes = new Set(org.mailboxes.map((mailbox) => mailbox.id));

  return createSalesforceChangeStream({
    orgId: org.id,
    channel: EVENT_CHANNEL,
    apiVersion: org.salesforce.apiVersion,
    tokens: createTokenSource(doFetch, org.salesforce.loginUrl, org.salesforce.auth),
    replayStore: options.store,
    logger,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    fetch: doFetch,
    onChanges: async (batch) => {
      const mailboxIds = await mailboxesOfBatch(batch, owners, options.store, orgMailboxes);
      for (const mailboxId of mailboxIds) {
        options.requestSession(mailboxId, 'changeStream');
      }
      if (mailboxIds.size > 0) {
        logger.debug({ notices: batch.notices.length, mailboxes: mailboxIds.size }, 'Salesforce changes asked for sessions');
      }
    },
    onFailure: (failure) => {
      logger.error({ code: failure.code, reason: failure.message }, 'Salesforce change stream stopped; Events created in Salesforce reach mailboxes on the scheduled sessions only');
    },
  });
}

/** The mailboxes a batch concerns; echoes of the engine's own writes concern none. */
async function mailboxesOfBatch(batch: ChangeBatch, owners: OwnerDirectory, store: ChangeRoutingStore, orgMailboxes: ReadonlySet<string>): Promise<Set<string>> {
  const result = new Set<string>();
  const unowned: string[] = [];

  for (const notice of batch.notices) {
    if (!concernsEvents(notice)) {
      continue;
    }
    if (notice.kind === 'reread') {
      // Gaps, overflows and a lost replay id say something changed without saying where: every mailbox looks.
      orgMailboxes.forEach((mailboxId) => result.add(mailboxId));
      continue;
    }
    if (notice.echo) {
      continue;
    }
    if (notice.ownerId !== null) {
      (await owners.mailboxesOf(notice.ownerId)).forEach((mailboxId) => result.add(mailboxId));
    }
    // An update or delete names no owner unless the owner changed; the links say whose mailbox holds the copy.
    unowned.push(...notice.recordIds);
  }

  if (unowned.length > 0) {
    for (const mailboxIds of (await store.mailboxesOfCrmRecords(unowned)).values()) {
      mailboxIds.filter((mailboxId) => orgMailboxes.has(mailboxId)).forEach((mailboxId) => result.add(mailboxId));
    }
  }
  return result;
}

function concernsEvents(notice: ChangeNotice): boolean {
  return notice.entityName === 'Event' || notice.entityName === '*';
}
