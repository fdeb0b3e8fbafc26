import type { ItemErrorReport } from '../domain/session-report.ts';
import type { Logger } from '../observability/logger.ts';
import type { SkippedAttachment } from './attachment-rules.ts';
import { identifyCandidates } from './identify.ts';
import { readSessionMessages } from './mailbox-pull.ts';
import { planRetries } from './retries.ts';
import type { BatchResult } from './batch-types.ts';
import { saveBatchAndRelease, selectionRulesOf, type EmailSaveOptions } from './save-options.ts';
import { selectCandidates } from './session-selection.ts';

export type SaveMailboxEmailsOptions = EmailSaveOptions;

export interface EmailSaveReport {
  /** Messages of this mailbox saved this session, to a new record or to the record another mailbox saved. */
  readonly emailsSaved: number;
  /** Of those, the ones whose Salesforce record this session created. */
  readonly recordsCreated: number;
  readonly relationsAdded: number;
  readonly attachmentsSaved: number;
  /** Messages not saved, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly skippedAttachments: readonly SkippedAttachment[];
  readonly itemErrors: readonly ItemErrorReport[];
  readonly messagesRead: number;
  readonly apiCalls: { readonly mailbox: number; readonly crm: number };
}

/**
 * Save the mailbox's emails that the org's rules select, once per org. The steps: pull the messages changed since
 * the email cursor and read the ones waiting for a retry, then select, identify, link and write them, and commit the
 * cursor with the registry in one store transaction. A failure of one email is reported and retried next session.
 * A failure that stops the mailbox (a suspend, or a temporary failure that outlasted its retries) is thrown, and
 * nothing of this session is committed.
 */
export async function saveMailboxEmails(options: SaveMailboxEmailsOptions): Promise<EmailSaveReport> {
  const now = options.now ?? (() => new Date());
  const settings = options.settings;
  const ownerAddress = options.mailbox.address.trim().toLowerCase();
  const logger = options.logger.child({ mailboxId: options.mailbox.id, component: 'email-saving' });
  const rules = selectionRulesOf(settings, options.userBlocklist);

  const profile = await options.writer.loadProfile(settings.recordMode);
  const ownerUserId = await options.writer.resolveUserId(options.owner);
  await options.source.ensureMarkers({ category: settings.category, folderName: settings.folderName });
  const state = await options.store.loadEmailSaveState(options.mailbox.id);
  const { pull, messages } = await readSessionMessages(options.source, state.cursor, state.retries, settings, now());

  const selection = await selectCandidates(messages, rules, options, ownerAddress);
  const holder = `session:${options.mailbox.id}`;
  const identified = await identifyCandidates(selection.candidates, options.orgId, options.store);
  const run = { ownerAddress, ownerUserId, profile, addInEmail: false, holder, logger, now };
  return saveBatchAndRelease(options, identified, run, async (batch) => {
    const retries = planRetries(state.retries, batch, options.writer);
    const usedMarks = identified.filter((candidate) => candidate.path === 'compose' && batch.saved.has(candidate.mailboxItemId) && candidate.messageIdHash !== null);
    await options.store.commitEmailSaves({
      orgId: options.orgId,
      mailboxId: options.mailbox.id,
      cursor: pull.nextCursor,
      saves: batch.saves,
      mailboxSaves: batch.mailboxSaves,
      retries: { put: retries.put, remove: retries.remove },
      composeMarks: { add: selection.composeMarks, remove: usedMarks.map((candidate) => candidate.messageIdHash!) },
      at: now().toISOString(),
    });

    const skipped = countReasons([...selection.skipped, ...batch.skipped.values()]);
    const report = reportOf(batch, retries.itemErrors, skipped, messages.length, { mailbox: options.source.calls, crm: options.writer.calls });
    logOutcome(logger, report, retries.put.length);
    return report;
  });
}

function countReasons(reasons: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const reason of reasons) {
    counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}

function reportOf(batch: BatchResult, itemErrors: ItemErrorReport[], skipped: Record<string, number>, messagesRead: number, apiCalls: EmailSaveReport['apiCalls']): EmailSaveReport {
  return {
    emailsSaved: [...batch.saved.values()].filter((item) => !item.alreadySaved).length,
    recordsCreated: batch.recordsCreated,
    relationsAdded: batch.relationsAdded,
    attachmentsSaved: batch.attachmentsSaved,
    skipped,
    skippedAttachments: batch.skippedAttachments,
    itemErrors,
    messagesRead,
    apiCalls,
  };
}

function logOutcome(logger: Logger, report: EmailSaveReport, retried: number): void {
  for (const error of report.itemErrors) {
    logger.debug({ mailboxItemId: error.itemId, code: error.code }, 'An email was not saved this session');
  }
  if (retried > 0) {
    logger.warn({ emails: retried }, 'Some emails failed to save; the next session tries them again');
  }
  const { emailsSaved, recordsCreated, relationsAdded, attachmentsSaved, skipped } = report;
  logger.info({ emailsSaved, recordsCreated, relationsAdded, attachmentsSaved, skipped, itemErrors: report.itemErrors.length }, 'Saved emails to Salesforce');
}
