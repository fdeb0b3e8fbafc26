import type { EmailRetry } from '../domain/email-saves.ts';
import type { ItemErrorReport } from '../domain/session-report.ts';
import type { EmailRecordWriter } from './ports.ts';
import type { BatchResult } from './batch-types.ts';

/** Sessions that try a failing email before it is dropped from the retry list (it stays reported in each). */
export const MAX_EMAIL_ATTEMPTS = 5;

export interface RetryPlan {
  readonly put: EmailRetry[];
  readonly remove: string[];
  readonly itemErrors: ItemErrorReport[];
}

/**
 * Decide the retry list after a batch. A message that failed is tried again next session, up to
 * `MAX_EMAIL_ATTEMPTS` sessions. Every other message on the old list is done: saved, skipped, or gone.
 */
export function planRetries(previous: readonly EmailRetry[], batch: BatchResult, writer: Pick<EmailRecordWriter, 'recordUrl'>): RetryPlan {
  const attemptsBefore = new Map(previous.map((retry) => [retry.mailboxItemId, retry.attempts]));
  const put: EmailRetry[] = [];
  const itemErrors: ItemErrorReport[] = [];
  const failedIds = new Set<string>();

  for (const failure of batch.failures) {
    const attempts = (attemptsBefore.get(failure.mailboxItemId) ?? 0) + 1;
    const final = attempts >= MAX_EMAIL_ATTEMPTS;
    itemErrors.push({
      side: 'crm',
      itemId: failure.mailboxItemId,
      syncId: failure.key,
      code: failure.failure.code,
      message: final ? `${failure.failure.message} (not retried: failed in ${attempts} sessions)` : failure.failure.message,
      recordUrl: failure.recordId === null ? null : writer.recordUrl(failure.recordId),
    });
    if (failedIds.has(failure.mailboxItemId)) {
      continue;
    }
    failedIds.add(failure.mailboxItemId);
    if (!final) {
      put.push({ mailboxItemId: failure.mailboxItemId, code: failure.failure.code, message: failure.failure.message, attempts });
    }
  }

  const kept = new Set(put.map((retry) => retry.mailboxItemId));
  const remove = previous.map((retry) => retry.mailboxItemId).filter((id) => !kept.has(id));
  return { put, remove, itemErrors };
}
