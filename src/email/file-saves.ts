import { isConnectorError, type Failure } from '../domain/errors.ts';
import { attachmentSkipReason, pathOnClient } from './attachment-rules.ts';
import type { BatchContext, BatchResult, EmailWork } from './batch-types.ts';

/**
 * Save the attachments of an email record that the org's rules allow and that it does not carry yet. A file counts
 * as carried when the record has one of the same name and size, so a rerun after a crash uploads nothing twice.
 * Files are read and uploaded one at a time, so at most one attachment is held in memory.
 */
export async function saveFiles(item: EmailWork, context: BatchContext, result: BatchResult): Promise<void> {
  const record = item.record!;
  const mailboxItemId = item.candidate.mailboxItemId;
  const carried = new Map<string, number>();
  for (const file of record.files) {
    const signature = fileSignature(file.pathOnClient, file.size);
    carried.set(signature, (carried.get(signature) ?? 0) + 1);
  }

  for (const attachment of item.candidate.message.attachments) {
    const rules = context.settings.attachments;
    const declaredSkip = attachmentSkipReason(attachment, attachment.size, rules);
    if (declaredSkip !== null) {
      result.skippedAttachments.push({ mailboxItemId, name: attachment.name, reason: declaredSkip });
      continue;
    }

    const bytes = await readAttachment(item, attachment.id, context, result);
    if (bytes === null) {
      continue;
    }
    // The size the mailbox reported may differ from the bytes it returns; the bytes decide.
    if (attachmentSkipReason(attachment, bytes.byteLength, rules) !== null) {
      result.skippedAttachments.push({ mailboxItemId, name: attachment.name, reason: 'tooLarge' });
      continue;
    }

    const path = pathOnClient(attachment.name);
    const signature = fileSignature(path, bytes.byteLength);
    const alreadyThere = carried.get(signature) ?? 0;
    if (alreadyThere > 0) {
      carried.set(signature, alreadyThere - 1);
      continue;
    }

    const ref = `${item.candidate.key}:file:${attachment.id}`;
    const outcome = (await context.writer.uploadFiles([{ ref, recordId: record.recordId, pathOnClient: path, bytes }])).get(ref);
    if (outcome?.ok === true) {
      result.attachmentsSaved += 1;
      continue;
    }
    const failure: Failure = outcome?.ok === false ? outcome.failure : { kind: 'bug', code: 'MISSING_RESULT', message: 'The Salesforce writer returned no result for this file' };
    markFailed(item, failure, context, result);
  }
}

/** Read the attachment's bytes. Returns null after recording why they could not be read, and throws a failure of the whole mailbox. */
async function readAttachment(item: EmailWork, attachmentId: string, context: BatchContext, result: BatchResult): Promise<Uint8Array | null> {
  try {
    return await context.source.readAttachment(item.candidate.mailboxItemId, attachmentId);
  } catch (error) {
    if (isConnectorError(error) && (error.failure.kind === 'itemError' || error.failure.kind === 'notFound')) {
      markFailed(item, error.failure, context, result);
      return null;
    }
    throw error;
  }
}

function markFailed(item: EmailWork, failure: Failure, context: BatchContext, result: BatchResult): void {
  item.complete = false;
  result.failures.push({ mailboxItemId: item.candidate.mailboxItemId, key: item.candidate.key, failure, recordId: item.record?.recordId ?? null });
  context.logger.debug({ mailboxItemId: item.candidate.mailboxItemId, code: failure.code }, 'An attachment of a saved email was not saved');
}

function fileSignature(path: string, size: number): string {
  return `${path.toLowerCase()}\u0000${size}`;
}
