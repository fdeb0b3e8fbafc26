import type { Kysely, Transaction } from 'kysely';
import { SIDES } from '../domain/glossary.ts';
import type { SessionCommit } from '../domain/sync-store.ts';
import { inBatches } from './batches.ts';
import { appendConflicts, deleteConflictUndos } from './conflict-ledger.ts';
import type { SynclineDatabase } from './database.ts';
import { toLinkRow, toPendingRow } from './link-rows.ts';
import { clearPlannedBases, upsertPlannedBases } from './planned-bases.ts';
import { insertQuarantine, markRestored, purgeQuarantine, replaceHeldDeletions } from './quarantine.ts';

const LINK_COLUMNS = 11;
const PENDING_COLUMNS = 7;

type Trx = Transaction<SynclineDatabase>;

/**
 * Stores everything a session decided in one transaction. If any step fails, nothing changes, so a cursor never
 * moves past links that were not saved. Links are deleted before links are upserted because a new link may take
 * the item id of a pair removed in the same commit.
 */
export async function commitSession(db: Kysely<SynclineDatabase>, commit: SessionCommit): Promise<void> {
  assertCommitIsConsistent(commit);
  const now = new Date().toISOString();

  // Every step writes, so on SQLite the first statement takes the write lock and busy_timeout covers the wait.
  await db.transaction().execute(async (trx) => {
    await deleteLinks(trx, commit);
    await setCursors(trx, commit, now);
    await deleteResolvedIntents(trx, commit);
    await replacePending(trx, commit);
    await clearPlannedBases(trx, commit.mailboxId, commit.objectKind);
    await upsertPlannedBases(trx, commit.keptPlannedBases ?? []);
    await appendConflicts(trx, commit.conflicts, now);
    await upsertLinks(trx, commit);
    await commitReviews(trx, commit, now);
  });
}

/** Store the quarantine, held deletions and undo requests the session settled, in the transaction of its links. */
async function commitReviews(trx: Trx, commit: SessionCommit, now: string): Promise<void> {
  if (commit.purgeQuarantineBefore !== undefined) {
    await purgeQuarantine(trx, commit.mailboxId, commit.objectKind, commit.purgeQuarantineBefore);
  }
  await insertQuarantine(trx, commit.quarantine ?? []);
  await markRestored(trx, commit.restoredQuarantine ?? [], now);
  if (commit.heldDeletions !== undefined) {
    await replaceHeldDeletions(trx, commit.mailboxId, commit.objectKind, commit.heldDeletions);
  }
  await deleteConflictUndos(trx, commit.mailboxId, commit.objectKind, commit.settledUndos ?? []);
}

async function deleteLinks(trx: Trx, commit: SessionCommit): Promise<void> {
  for (const batch of inBatches(commit.deleteLinks, 1)) {
    await trx
      .deleteFrom('links')
      .where('mailbox_id', '=', commit.mailboxId)
      .where('object_kind', '=', commit.objectKind)
      .where('sync_id', 'in', batch)
      .execute();
  }
}

async function setCursors(trx: Trx, commit: SessionCommit, now: string): Promise<void> {
  for (const side of SIDES) {
    const cursor = commit.cursors[side];
    if (cursor === undefined) {
      continue;
    }
    await trx
      .insertInto('cursors')
      .values({ mailbox_id: commit.mailboxId, object_kind: commit.objectKind, side, cursor, updated_at: now })
      .onConflict((conflict) =>
        conflict.columns(['mailbox_id', 'object_kind', 'side']).doUpdateSet({ cursor, updated_at: now }),
      )
      .execute();
  }
}

async function deleteResolvedIntents(trx: Trx, commit: SessionCommit): Promise<void> {
  for (const batch of inBatches(commit.resolvedIntents, 1)) {
    await trx
      .deleteFrom('intents')
      .where('mailbox_id', '=', commit.mailboxId)
      .where('object_kind', '=', commit.objectKind)
      .where('sync_id', 'in', batch)
      .execute();
  }
}

async function replacePending(trx: Trx, commit: SessionCommit): Promise<void> {
  await trx
    .deleteFrom('pending_items')
    .where('mailbox_id', '=', commit.mailboxId)
    .where('object_kind', '=', commit.objectKind)
    .execute();

  for (const batch of inBatches(commit.pending.map(toPendingRow), PENDING_COLUMNS)) {
    await trx.insertInto('pending_items').values(batch).execute();
  }
}

async function upsertLinks(trx: Trx, commit: SessionCommit): Promise<void> {
  for (const batch of inBatches(commit.upsertLinks.map(toLinkRow), LINK_COLUMNS)) {
    await trx
      .insertInto('links')
      .values(batch)
      .onConflict((conflict) =>
        conflict.columns(['mailbox_id', 'object_kind', 'sync_id']).doUpdateSet((eb) => ({
          mailbox_item_id: eb.ref('excluded.mailbox_item_id'),
          crm_record_id: eb.ref('excluded.crm_record_id'),
          mailbox_version: eb.ref('excluded.mailbox_version'),
          crm_version: eb.ref('excluded.crm_version'),
          base: eb.ref('excluded.base'),
          base_hash: eb.ref('excluded.base_hash'),
          origin: eb.ref('excluded.origin'),
          tombstone: eb.ref('excluded.tombstone'),
        })),
      )
      .execute();
  }
}

/**
 * Rejects a commit that touches another mailbox or kind or names one key twice. PostgreSQL rejects an upsert
 * that hits the same row twice, and a sync id that is both upserted and deleted has no single meaning.
 */
function assertCommitIsConsistent(commit: SessionCommit): void {
  const scope = `${commit.mailboxId}/${commit.objectKind}`;
  const records = [...commit.upsertLinks, ...commit.pending, ...commit.conflicts, ...(commit.quarantine ?? []), ...(commit.heldDeletions ?? [])];
  const stray = records.find((record) => record.mailboxId !== commit.mailboxId || record.objectKind !== commit.objectKind);
  if (stray) {
    throw new Error(
      `commitSession for ${scope} contains a record of ${stray.mailboxId}/${stray.objectKind}: commit each mailbox and kind on its own`,
    );
  }

  const upserted = new Set<string>();
  for (const link of commit.upsertLinks) {
    if (upserted.has(link.syncId)) {
      throw new Error(`commitSession for ${scope} upserts link ${link.syncId} twice: pass each link once`);
    }
    upserted.add(link.syncId);
  }

  const both = commit.deleteLinks.find((syncId) => upserted.has(syncId));
  if (both !== undefined) {
    throw new Error(`commitSession for ${scope} both upserts and deletes link ${both}: keep only the one you mean`);
  }

  const pendingKeys = new Set<string>();
  for (const item of commit.pending) {
    const key = `${item.side}/${item.itemId}`;
    if (pendingKeys.has(key)) {
      throw new Error(`commitSession for ${scope} lists pending item ${key} twice: pass each item once`);
    }
    pendingKeys.add(key);
  }
}
