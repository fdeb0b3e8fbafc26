import type { Kysely } from 'kysely';

import type { SynclineDatabase } from './database.ts';

/**
 * Take the lease of a mailbox for `holder` until `ttlMs` from now, in one statement: the row is inserted, or
 * taken over when it belongs to the same holder or has expired. Returns false when another holder's lease is live,
 * on both databases, even when two processes race for it.
 */
export async function acquireSessionLease(db: Kysely<SynclineDatabase>, mailboxId: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  const taken = await db
    .insertInto('session_leases')
    .values({ mailbox_id: mailboxId, holder, expires_at: expiresAt })
    .onConflict((conflict) =>
      conflict
        .column('mailbox_id')
        .doUpdateSet({ holder, expires_at: expiresAt })
        .where((eb) => eb.or([eb('session_leases.holder', '=', holder), eb('session_leases.expires_at', '<=', now.toISOString())])),
    )
    .returning('holder')
    .executeTakeFirst();
  return taken?.holder === holder;
}

export async function releaseSessionLease(db: Kysely<SynclineDatabase>, mailboxId: string, holder: string): Promise<void> {
  await db.deleteFrom('session_leases').where('mailbox_id', '=', mailboxId).where('holder', '=', holder).execute();
}

/**
 * Remove the mailbox's lease whoever holds it. Only for a holder known to be dead (its worker process was killed),
 * whose lease would otherwise keep every later session of the mailbox skipped until it expires.
 */
export async function breakSessionLease(db: Kysely<SynclineDatabase>, mailboxId: string): Promise<void> {
  await db.deleteFrom('session_leases').where('mailbox_id', '=', mailboxId).execute();
}
