import type { EmailRecordObject } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';
import type { LinkResult } from '../domain/linking.ts';
import type { BatchContext, BatchResult, EmailWork } from './batch-types.ts';
import { claimKeys } from './claims.ts';
import { saveFiles } from './file-saves.ts';
import type { IdentifiedCandidate } from './identify.ts';
import { MESSAGE_ID_KEY_PREFIX } from './message-identity.ts';
import { linkRequest } from './link-requests.ts';
import type { ExistingRelation } from './ports.ts';
import { emailMessageValues, emailTaskValues, messageDate, wantedRelations, type ShapeContext } from './record-shape.ts';
import { completeRelations } from './relation-writes.ts';
import { isOutbound } from './selection.ts';

/**
 * Save a batch of identified messages exactly once per org. Each email is written under a claim on its message key,
 * after Salesforce is asked what already carries the key, so a second mailbox, a rerun after a crash or a concurrent
 * session adds what is missing (relations, files) instead of a second record. The keys claimed are added to `claimed`
 * as they are taken; the caller commits the result and then releases them, also when the batch or the commit fails.
 */
export async function saveBatch(candidates: readonly IdentifiedCandidate[], claimed: Set<string>, context: BatchContext): Promise<BatchResult> {
  const result: BatchResult = {
    saves: [], mailboxSaves: [], saved: new Map(), skipped: new Map(), failures: [], skippedAttachments: [],
    relationsAdded: 0, attachmentsSaved: 0, recordsCreated: 0,
  };

  const unique = new Map<string, IdentifiedCandidate>();
  for (const candidate of candidates) {
    if (unique.has(candidate.key)) {
      result.skipped.set(candidate.mailboxItemId, 'duplicate');
      continue;
    }
    unique.set(candidate.key, candidate);
  }

  await claimKeys([...unique.keys()], context, claimed, async (keys) => {
    await saveClaimed(keys.map((key) => unique.get(key)!), context, result);
  }, (key, failure) => {
    const candidate = unique.get(key)!;
    result.failures.push({ mailboxItemId: candidate.mailboxItemId, key, failure, recordId: null });
  });
  return result;
}

const REUSED_ID_FAILURE: Failure = {
  kind: 'retryLater',
  code: 'MessageIdReused',
  message: 'another email with the same Message-ID was saved at the same time, so the next session saves this one under its content fingerprint',
};

/** Save emails whose keys this batch holds. */
async function saveClaimed(candidates: readonly IdentifiedCandidate[], context: BatchContext, result: BatchResult): Promise<void> {
  // Read the registry again: another session may have committed these emails while the claims were awaited.
  const registry = await context.store.findSavedEmails(context.orgId, candidates.map((candidate) => candidate.key));
  const work: EmailWork[] = [];
  for (const candidate of candidates) {
    const registered = registry.get(candidate.key) ?? null;
    if (registered !== null && candidate.key.startsWith(MESSAGE_ID_KEY_PREFIX) && registered.save.fingerprint !== candidate.fingerprint) {
      // Another session registered this Message-ID for a different email while this one waited for the claim. Adding
      // relations would put this email's people on that record, so the email waits for the next session, which
      // identifies it by its content instead.
      result.failures.push({ mailboxItemId: candidate.mailboxItemId, key: candidate.key, failure: REUSED_ID_FAILURE, recordId: null });
      continue;
    }
    if (registered?.mailboxIds.includes(context.mailbox.id) === true) {
      result.skipped.set(candidate.mailboxItemId, 'alreadySaved');
      result.saved.set(candidate.mailboxItemId, {
        key: candidate.key, recordId: registered.save.recordId, sobject: registered.save.sobject, created: false, alreadySaved: true,
      });
      continue;
    }
    work.push({ candidate, registered, record: null, created: false, relationsWritten: false, complete: true });
  }
  if (work.length === 0) {
    return;
  }

  await findRecords(work, context);
  const live = work.filter((item) => {
    if (item.record === null && item.registered !== null) {
      // Saved before but deleted in Salesforce since: a deletion is never undone.
      result.skipped.set(item.candidate.mailboxItemId, 'deletedInSalesforce');
      return false;
    }
    return true;
  });

  const links = await resolveLinks(live, context);
  await createMissingRecords(live.filter((item) => item.record === null), links, context, result);

  for (const item of live) {
    if (item.record === null) {
      continue;
    }
    if (item.record.sobject === 'EmailMessage' && !item.relationsWritten) {
      const wanted = wantedRelations(item.candidate.message, links.get(item.candidate.key) ?? null, context.ownerUserId, context.mailbox.address);
      await completeRelations(item, wanted, context, result);
    }
    await saveFiles(item, context, result);
    recordSaved(item, context, result);
  }
}

/** Look the keys up in Salesforce, each in the object its registry row names (or the org's save object). */
async function findRecords(work: readonly EmailWork[], context: BatchContext): Promise<void> {
  const byObject = new Map<EmailRecordObject, EmailWork[]>();
  for (const item of work) {
    const sobject = item.registered?.save.sobject ?? context.profile.sobject;
    byObject.set(sobject, [...(byObject.get(sobject) ?? []), item]);
  }
  for (const [sobject, items] of byObject) {
    const found = await context.writer.findByKeys(sobject, items.map((item) => item.candidate.key));
    for (const item of items) {
      item.record = found.get(item.candidate.key) ?? null;
    }
  }
}

async function resolveLinks(work: readonly EmailWork[], context: BatchContext): Promise<Map<string, LinkResult>> {
  const links = new Map<string, LinkResult>();
  if (work.length === 0) {
    return links;
  }
  const requests = work.map((item) => linkRequest(item.candidate.message, context));
  const results = await context.resolver.resolve(requests);
  work.forEach((item, index) => {
    const link = results[index];
    if (link !== undefined) {
      links.set(item.candidate.key, link);
    }
  });
  return links;
}

/**
 * Upsert new records by message key, with their relations. A record whose write failed is looked up once more:
 * when Salesforce has it after all (a concurrent writer, or an upsert Salesforce refused because the record exists
 * and is no longer editable), the email continues as an existing one.
 */
async function createMissingRecords(work: readonly EmailWork[], links: Map<string, LinkResult>, context: BatchContext, result: BatchResult): Promise<void> {
  if (work.length === 0) {
    return;
  }
  const sobject = context.profile.sobject;
  const records = work.map((item) => {
    const message = item.candidate.message;
    const shape: ShapeContext = {
      profile: context.profile,
      outbound: isOutbound(message, context.mailbox.address),
      link: links.get(item.candidate.key) ?? null,
      ownerUserId: context.ownerUserId,
      ownerAddress: context.mailbox.address,
      timeZone: context.mailbox.timeZone,
    };
    return {
      key: item.candidate.key,
      sobject,
      values: sobject === 'EmailMessage' ? emailMessageValues(message, shape) : emailTaskValues(message, shape),
      addInEmail: context.addInEmail,
      relations: sobject === 'EmailMessage' ? wantedRelations(message, shape.link, context.ownerUserId, context.mailbox.address) : [],
    };
  });

  const outcomes = await context.writer.createRecords(records);
  const failed: EmailWork[] = [];
  for (const item of work) {
    const outcome = outcomes.get(item.candidate.key);
    if (outcome === undefined || !outcome.record.ok) {
      failed.push(item);
      continue;
    }
    const recordId = outcome.record.id;
    item.created = outcome.record.created !== false;
    result.recordsCreated += item.created ? 1 : 0;
    item.relationsWritten = true;
    const relations = records.find((record) => record.key === item.candidate.key)!.relations;
    const written: ExistingRelation[] = [];
    relations.forEach((relation, index) => {
      const relationOutcome = outcome.relations[index];
      if (relationOutcome?.ok === true) {
        written.push({ ...relation, id: relationOutcome.id });
      } else if (relationOutcome !== undefined) {
        // The next session reads the record back and writes the relations still missing.
        item.complete = false;
        result.failures.push({ mailboxItemId: item.candidate.mailboxItemId, key: item.candidate.key, failure: relationOutcome.failure, recordId });
      }
    });
    result.relationsAdded += written.length;
    item.record = { key: item.candidate.key, sobject, recordId, relations: written, files: [] };
  }

  if (failed.length === 0) {
    return;
  }
  const found = await context.writer.findByKeys(sobject, failed.map((item) => item.candidate.key));
  for (const item of failed) {
    const record = found.get(item.candidate.key);
    if (record !== undefined) {
      item.record = record;
      continue;
    }
    const outcome = outcomes.get(item.candidate.key);
    const failure: Failure = outcome !== undefined && !outcome.record.ok
      ? outcome.record.failure
      : { kind: 'bug', code: 'MISSING_RESULT', message: 'The Salesforce writer returned no result for this email' };
    result.failures.push({ mailboxItemId: item.candidate.mailboxItemId, key: item.candidate.key, failure, recordId: null });
  }
}

/** Register the email and, when every write for this mailbox's copy succeeded, this mailbox's save of it. */
function recordSaved(item: EmailWork, context: BatchContext, result: BatchResult): void {
  const record = item.record!;
  const candidate = item.candidate;
  if (item.registered === null) {
    result.saves.push({
      orgId: context.orgId,
      messageKey: candidate.key,
      messageIdHash: candidate.messageIdHash,
      fingerprint: candidate.fingerprint,
      conversationId: candidate.message.conversationId,
      messageDate: messageDate(candidate.message),
      sobject: record.sobject,
      recordId: record.recordId,
      addInEmail: context.addInEmail,
      savedAt: context.now().toISOString(),
    });
  }
  if (!item.complete) {
    return;
  }
  result.mailboxSaves.push({ messageKey: candidate.key, mailboxId: context.mailbox.id, mailboxItemId: candidate.mailboxItemId });
  result.saved.set(candidate.mailboxItemId, { key: candidate.key, recordId: record.recordId, sobject: record.sobject, created: item.created, alreadySaved: false });
}

