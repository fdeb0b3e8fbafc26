import type { ClaimOutcome, InsertOutcome, LinkingLogger, LinkingState } from './ports.ts';

export interface ClaimOptions {
  readonly orgId: string;
  /** Unique per resolver, so a claim is known as this resolver's own. */
  readonly holder: string;
  readonly state: LinkingState;
  readonly logger: LinkingLogger;
  /** How long a claim protects its key; a holder that dies frees it after this time. */
  readonly claimTtlMs: number;
  /** Pause between looks at a key another resolver holds. */
  readonly pollMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Outcome for a key: an existing or new record, or nothing when the insert failed or the wait timed out. */
export type ClaimedResult =
  | { readonly kind: 'existing'; readonly id: string; readonly how: 'found' | 'createdByOther' }
  | { readonly kind: 'created'; readonly id: string; readonly accountId: string | null }
  | { readonly kind: 'duplicate'; readonly id: string; readonly rule: string }
  | { readonly kind: 'failed'; readonly reason: string };

export interface ClaimedWork {
  /** Look the key up again in Salesforce once the claim is held: another worker may have created it meanwhile. */
  findExisting(): Promise<string | null>;
  insert(): Promise<InsertOutcome>;
}

/**
 * Create the record for `key` at most once per org, across sessions, workers and machines. The key is claimed in
 * the store first; a resolver that finds it claimed waits for the holder and takes the record it created. The
 * holder looks the key up in Salesforce once more before inserting, and the insert itself runs the org's duplicate
 * rules, so a record made outside Syncline is found too.
 */
export async function createOnce(options: ClaimOptions, key: string, work: ClaimedWork): Promise<ClaimedResult> {
  const deadline = Date.now() + options.claimTtlMs * 2;
  let claim: ClaimOutcome = await options.state.claimLinkingKey(options.orgId, key, options.holder, options.claimTtlMs);
  while (claim.kind === 'busy') {
    if (Date.now() > deadline) {
      return { kind: 'failed', reason: `another worker held the claim on ${key} for too long` };
    }
    await options.sleep(options.pollMs);
    claim = await options.state.claimLinkingKey(options.orgId, key, options.holder, options.claimTtlMs);
  }
  if (claim.kind === 'done') {
    return { kind: 'existing', id: claim.recordId, how: 'createdByOther' };
  }

  let recordId: string | null = null;
  try {
    const existing = await work.findExisting();
    if (existing !== null) {
      recordId = existing;
      return { kind: 'existing', id: existing, how: 'found' };
    }
    const outcome = await work.insert();
    if (outcome.kind === 'created') {
      recordId = outcome.id;
      return { kind: 'created', id: outcome.id, accountId: outcome.accountId ?? null };
    }
    if (outcome.kind === 'duplicate' && outcome.ids[0] !== undefined) {
      recordId = outcome.ids[0];
      return { kind: 'duplicate', id: outcome.ids[0], rule: outcome.rule };
    }
    const reason = outcome.kind === 'failed' ? `${outcome.code}: ${outcome.message}` : 'the duplicate rule named no record';
    options.logger.warn({ org: options.orgId, code: outcome.kind === 'failed' ? outcome.code : 'DUPLICATES_DETECTED' }, 'Failed to create a record for an unknown person, so the activity stays unlinked to them');
    return { kind: 'failed', reason };
  } finally {
    await options.state.settleLinkingClaim(options.orgId, key, options.holder, recordId);
  }
}
