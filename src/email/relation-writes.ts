import type { EmailRelation } from './ports.ts';
import type { BatchContext, BatchResult, EmailWork } from './batch-types.ts';

/**
 * Write the relations an existing EmailMessage lacks for this mailbox's copy (matched by type and address), and
 * point the owner's own relation at their User when it points at nobody. Relations already there stay as they are.
 */
export async function completeRelations(item: EmailWork, wanted: readonly EmailRelation[], context: BatchContext, result: BatchResult): Promise<void> {
  const record = item.record!;
  const missing = wanted.filter((relation) => !record.relations.some((existing) => existing.type === relation.type && existing.address === relation.address));
  const unlinkedOwner = record.relations.filter((existing) => existing.address === context.mailbox.address && existing.relationId === null);

  if (missing.length > 0) {
    const writes = missing.map((relation, index) => ({ ref: `${item.candidate.key}:${index}`, emailRecordId: record.recordId, relation }));
    const outcomes = await context.writer.addRelations(writes);
    for (const write of writes) {
      const outcome = outcomes.get(write.ref);
      if (outcome?.ok === true) {
        result.relationsAdded += 1;
        continue;
      }
      item.complete = false;
      const failure = outcome?.ok === false ? outcome.failure : { kind: 'bug' as const, code: 'MISSING_RESULT', message: 'The Salesforce writer returned no result for this relation' };
      result.failures.push({ mailboxItemId: item.candidate.mailboxItemId, key: item.candidate.key, failure, recordId: record.recordId });
    }
  }

  if (unlinkedOwner.length > 0) {
    const outcomes = await context.writer.relinkRelations(unlinkedOwner.map((existing) => ({ relationRecordId: existing.id, relationId: context.ownerUserId })));
    for (const existing of unlinkedOwner) {
      const outcome = outcomes.get(existing.id);
      if (outcome?.ok !== true) {
        item.complete = false;
        const failure = outcome?.ok === false ? outcome.failure : { kind: 'bug' as const, code: 'MISSING_RESULT', message: 'The Salesforce writer returned no result for this relation' };
        result.failures.push({ mailboxItemId: item.candidate.mailboxItemId, key: item.candidate.key, failure, recordId: record.recordId });
      }
    }
  }
}
