import { randomUUID } from 'node:crypto';
import type { MessageSource } from '../domain/email-message.ts';
import type { EmailRecordObject, EmailSaveStore } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';
import type { LinkResolver } from '../domain/linking.ts';
import type { Logger } from '../observability/logger.ts';
import { parseAddressPatterns } from './address-rules.ts';
import type { SkippedAttachment } from './attachment-rules.ts';
import { DEFAULT_CLAIM_OPTIONS, type ClaimOptions } from './claims.ts';
import { identifyCandidates } from './identify.ts';
import type { EmailRecordWriter, MailboxOwner } from './ports.ts';
import type { BatchResult } from './batch-types.ts';
import { saveBatch } from './save-batch.ts';
import { selectMessage, type SkipReason } from './selection.ts';
import type { EmailSavingSettings } from './settings.ts';

export interface SaveRequestedEmailOptions {
  readonly orgId: string;
  readonly mailbox: { readonly id: string; readonly address: string; readonly timeZone: string };
  /** The mailbox owner's Salesforce User, by id or by email. */
  readonly owner: MailboxOwner;
  /** The mailbox side's id of the message a person asked to save. */
  readonly mailboxItemId: string;
  readonly source: MessageSource;
  readonly writer: EmailRecordWriter;
  readonly resolver: LinkResolver;
  readonly store: EmailSaveStore;
  readonly settings: EmailSavingSettings;
  readonly userBlocklist?: readonly string[];
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly claims?: ClaimOptions;
}

export type RequestedSaveResult =
  | {
      readonly status: 'saved';
      readonly recordId: string;
      readonly sobject: EmailRecordObject;
      /** True when this request created the Salesforce record; false when the org had saved the email already. */
      readonly created: boolean;
      /** True when this mailbox had saved the email before, so nothing was written. */
      readonly alreadySaved: boolean;
      readonly recordUrl: string;
      readonly relationsAdded: number;
      readonly attachmentsSaved: number;
      readonly skippedAttachments: readonly SkippedAttachment[];
      /** Parts that failed (a relation, a file); the next session of the mailbox writes them. */
      readonly partialFailures: readonly Failure[];
    }
  | { readonly status: 'notFound' }
  | { readonly status: 'rejected'; readonly reason: SkipReason | 'deletedInSalesforce' }
  | { readonly status: 'failed'; readonly failure: Failure };

/**
 * Save one message now because a person asked for it (an add-in, a browser extension). The record gets the API mark,
 * and the mailbox's next session finds the email registered and leaves it alone. Blocklists still apply; the bulk and
 * internal-only rules do not, because a person chose this email.
 */
export async function saveRequestedEmail(options: SaveRequestedEmailOptions): Promise<RequestedSaveResult> {
  const now = options.now ?? (() => new Date());
  const ownerAddress = options.mailbox.address.trim().toLowerCase();
  const logger = options.logger.child({ mailboxId: options.mailbox.id, component: 'email-saving' });

  const read = (await options.source.readMessages([options.mailboxItemId])).get(options.mailboxItemId);
  if (read === undefined) {
    return { status: 'notFound' };
  }
  const selection = selectMessage(read.item, {
    settings: options.settings,
    ownDomains: parseAddressPatterns(options.settings.ownDomains),
    blocklist: parseAddressPatterns([...options.settings.blocklist, ...(options.userBlocklist ?? [])]),
  }, { ownerAddress, requested: true, composeMarked: false, savedMessageIdHashes: new Set(), savedConversations: new Map() });
  if (!selection.save) {
    return { status: 'rejected', reason: selection.reason };
  }

  const profile = await options.writer.loadProfile(options.settings.recordMode);
  const ownerUserId = await options.writer.resolveUserId(options.owner);
  const identified = await identifyCandidates([{ mailboxItemId: options.mailboxItemId, message: read.item, path: 'api' }], options.orgId, options.store);
  // Each request holds its claims under its own name, so it never takes over a claim of a running session.
  const holder = `request:${randomUUID()}`;
  const claimed = new Set<string>();
  try {
    const batch = await saveBatch(identified, claimed, {
      orgId: options.orgId,
      mailbox: { id: options.mailbox.id, address: ownerAddress, timeZone: options.mailbox.timeZone },
      ownerUserId,
      source: options.source,
      writer: options.writer,
      resolver: options.resolver,
      store: options.store,
      settings: options.settings,
      profile,
      addInEmail: true,
      holder,
      claims: options.claims ?? DEFAULT_CLAIM_OPTIONS,
      logger,
      now,
    });
    await options.store.commitEmailSaves({
      orgId: options.orgId,
      mailboxId: options.mailbox.id,
      saves: batch.saves,
      mailboxSaves: batch.mailboxSaves,
      // A part that failed is written by the next session, which reads the message again by id.
      retries: { put: retriesOf(batch, options.mailboxItemId), remove: [] },
      composeMarks: { add: [], remove: [] },
      at: now().toISOString(),
    });
    return resultOf(batch, options.mailboxItemId, options.writer);
  } finally {
    if (claimed.size > 0) {
      await options.store.releaseEmailKeys(options.orgId, holder, [...claimed]).catch((error: unknown) => {
        logger.warn({ err: error }, 'Could not release email claims; they lapse by themselves');
      });
    }
  }
}

function retriesOf(batch: BatchResult, mailboxItemId: string) {
  const failure = batch.failures.find((entry) => entry.mailboxItemId === mailboxItemId);
  return failure === undefined ? [] : [{ mailboxItemId, code: failure.failure.code, message: failure.failure.message, attempts: 1 }];
}

function resultOf(batch: BatchResult, mailboxItemId: string, writer: EmailRecordWriter): RequestedSaveResult {
  const failures = batch.failures.filter((entry) => entry.mailboxItemId === mailboxItemId);
  const saved = batch.saved.get(mailboxItemId);
  const recordId = saved?.recordId ?? failures.find((entry) => entry.recordId !== null)?.recordId ?? null;
  if (batch.skipped.get(mailboxItemId) === 'deletedInSalesforce') {
    return { status: 'rejected', reason: 'deletedInSalesforce' };
  }
  if (recordId === null) {
    return { status: 'failed', failure: failures[0]?.failure ?? { kind: 'bug', code: 'MISSING_RESULT', message: 'The email was neither saved nor reported as failed' } };
  }
  const registered = batch.saves.find((save) => save.recordId === recordId);
  return {
    status: 'saved',
    recordId,
    sobject: saved?.sobject ?? registered?.sobject ?? 'EmailMessage',
    created: saved?.created ?? batch.recordsCreated > 0,
    alreadySaved: saved?.alreadySaved ?? false,
    recordUrl: writer.recordUrl(recordId),
    relationsAdded: batch.relationsAdded,
    attachmentsSaved: batch.attachmentsSaved,
    skippedAttachments: batch.skippedAttachments,
    partialFailures: failures.map((entry) => entry.failure),
  };
}
