import type { EmailSaveStore } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';

export interface ClaimOptions {
  /** How long a claim holds when its holder dies without releasing it, in milliseconds. */
  readonly ttlMs: number;
  /** How long to wait for keys another session holds before reporting them for the next session, in milliseconds. */
  readonly waitMs: number;
  /** Pause between attempts to take held keys, in milliseconds. */
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A claim outlives any one batch of writes; the wait covers a concurrent session finishing the same email. */
export const DEFAULT_CLAIM_OPTIONS: ClaimOptions = { ttlMs: 5 * 60_000, waitMs: 30_000, pollMs: 250 };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ClaimContext {
  readonly orgId: string;
  readonly holder: string;
  readonly store: EmailSaveStore;
  readonly claims: ClaimOptions;
  readonly now: () => Date;
}

/**
 * Claim the keys and run `work` on each group as it is claimed: first the keys nobody held, then, after pauses, the
 * keys other sessions released. Keys still held by others after `waitMs` go to `giveUp`. Every key claimed is added
 * to `claimed`, so the caller can release them whatever happens.
 */
export async function claimKeys(
  keys: readonly string[],
  context: ClaimContext,
  claimed: Set<string>,
  work: (keys: string[]) => Promise<void>,
  giveUp: (key: string, failure: Failure) => void,
): Promise<void> {
  const sleep = context.claims.sleep ?? defaultSleep;
  const deadline = context.now().getTime() + context.claims.waitMs;
  let pending = [...keys];

  while (pending.length > 0) {
    const taken = await context.store.claimEmailKeys(context.orgId, context.holder, pending, context.claims.ttlMs);
    taken.forEach((key) => claimed.add(key));
    if (taken.length > 0) {
      await work(taken);
    }
    pending = pending.filter((key) => !claimed.has(key));
    if (pending.length === 0) {
      return;
    }
    if (context.now().getTime() >= deadline) {
      const failure: Failure = {
        kind: 'retryLater',
        code: 'EMAIL_BEING_SAVED',
        message: 'Another session or request was saving this email at the same time; the next session adds this mailbox to it',
      };
      pending.forEach((key) => giveUp(key, failure));
      return;
    }
    await sleep(context.claims.pollMs);
  }
}
