import type { MessageSource } from '../domain/email-message.ts';
import type { EmailSaveStore } from '../domain/email-saves.ts';
import type { LinkResolver } from '../domain/linking.ts';
import type { Logger } from '../observability/logger.ts';
import { parseAddressPatterns } from './address-rules.ts';
import type { BatchContext, BatchResult } from './batch-types.ts';
import { DEFAULT_CLAIM_OPTIONS, type ClaimOptions } from './claims.ts';
import type { IdentifiedCandidate } from './identify.ts';
import type { EmailOrgProfile, EmailRecordWriter, MailboxOwner } from './ports.ts';
import { saveBatch } from './save-batch.ts';
import type { SelectionRules } from './selection.ts';
import type { EmailSavingSettings } from './settings.ts';

/** Options shared by a mailbox's session and a single requested save. */
export interface EmailSaveOptions {
  readonly orgId: string;
  /** `address` is the mailbox's primary address and `timeZone` is its owner's IANA zone. */
  readonly mailbox: { readonly id: string; readonly address: string; readonly timeZone: string };
  /** The mailbox owner's Salesforce User, by id or by email. */
  readonly owner: MailboxOwner;
  readonly source: MessageSource;
  readonly writer: EmailRecordWriter;
  readonly resolver: LinkResolver;
  readonly store: EmailSaveStore;
  readonly settings: EmailSavingSettings;
  /** The mailbox owner's own blocklist, added to the org's. */
  readonly userBlocklist?: readonly string[];
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly claims?: ClaimOptions;
}

/** Parse the org's own domains and the org's and owner's blocklists into selection rules. */
export function selectionRulesOf(settings: EmailSavingSettings, userBlocklist: readonly string[] = []): SelectionRules {
  return {
    settings,
    ownDomains: parseAddressPatterns(settings.ownDomains),
    blocklist: parseAddressPatterns([...settings.blocklist, ...userBlocklist]),
  };
}

/** Per-run values of a batch that the options do not contain. */
export interface BatchRun {
  /** Lower-case primary address of the mailbox. */
  readonly ownerAddress: string;
  readonly ownerUserId: string;
  readonly profile: EmailOrgProfile;
  readonly addInEmail: boolean;
  readonly holder: string;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * Save the identified candidates as one batch, runs `commit` on the result, and then releases the batch's email
 * claims. A failed release is logged and not raised, because claims lapse after their TTL.
 */
export async function saveBatchAndRelease<T>(
  options: EmailSaveOptions,
  identified: readonly IdentifiedCandidate[],
  run: BatchRun,
  commit: (batch: BatchResult) => Promise<T>,
): Promise<T> {
  const context: BatchContext = {
    orgId: options.orgId,
    mailbox: { id: options.mailbox.id, address: run.ownerAddress, timeZone: options.mailbox.timeZone },
    ownerUserId: run.ownerUserId,
    source: options.source,
    writer: options.writer,
    resolver: options.resolver,
    store: options.store,
    settings: options.settings,
    profile: run.profile,
    addInEmail: run.addInEmail,
    holder: run.holder,
    claims: options.claims ?? DEFAULT_CLAIM_OPTIONS,
    logger: run.logger,
    now: run.now,
  };
  const claimed = new Set<string>();
  try {
    const batch = await saveBatch(identified, claimed, context);
    return await commit(batch);
  } finally {
    if (claimed.size > 0) {
      await options.store.releaseEmailKeys(options.orgId, run.holder, [...claimed]).catch((error: unknown) => {
        run.logger.warn({ err: error, holder: run.holder, keys: claimed.size }, 'Failed to release email claims; they lapse after their TTL');
      });
    }
  }
}
