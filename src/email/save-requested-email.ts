import { randomUUID } from 'node:crypto';
import type { EmailRecordObject } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';
import type { SkippedAttachment } from './attachment-rules.ts';
import { identifyCandidates } from './identify.ts';
import type { EmailRecordWriter } from './ports.ts';
import type { BatchResult } from './batch-types.ts';
import { planRetries } from './retries.ts';
import { saveBatchAndRelease, selectionRulesOf, type EmailSaveOptions } from './save-options.ts';
import { selectMessage, type SkipReason } from './selection.ts';

export interface SaveRequestedEmailOptions extends EmailSaveOptions {
  /** The mailbox side's id of the message that a person requested to save. */
  readonly mailboxItemId: string;
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
  const rules = selectionRulesOf(options.settings, options.userBlocklist);
  const selection = selectMessage(read.item, rules, { ownerAddress, requested: true, composeMarked: false, savedMessageIdHashes: new Set(), savedConversations: new Map() });
  if (!selection.save) {
    return { status: 'rejected', reason: selection.reason };
  }

  const state = await options.store.loadEmailSaveState(options.mailbox.id);
  const previousRetries = state.retries.filter((retry) => retry.mailboxItemId === options.mailboxItemId);
  const profile = await options.writer.loadProfile(options.settings.recordMode);
  const ownerUserId = await options.writer.resolveUserId(options.owner);
  const identified = await identifyCandidates([{ mailboxItemId: options.mailboxItemId, message: read.item, path: 'api' }], options.orgId, options.store);
  // Each request takes its claims under its own name, so it never takes over a claim of a running session.
  const holder = `request:${randomUUID()}`;
  const run = { ownerAddress, ownerUserId, profile, addInEmail: true, holder, logger, now };
  return saveBatchAndRelease(options, identified, run, async (batch) => {
    const retries = planRetries(previousRetries, batch, options.writer);
    await options.store.commitEmailSaves({
      orgId: options.orgId,
      mailboxId: options.mailbox.id,
      saves: batch.saves,
      mailboxSaves: batch.mailboxSaves,
      // A part that failed is written by the next session, which reads the message again by id. The attempts
      // continue from the mailbox's retry entry, so that a request does not restart the count of a failing email.
      retries: { put: retries.put, remove: retries.remove },
      composeMarks: { add: [], remove: [] },
      at: now().toISOString(),
    });
    return resultOf(batch, options.mailboxItemId, options.writer);
  });
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
