import type { Kysely } from 'kysely';
import type { SynclineDatabase } from './database.ts';

/** The reason a record was linked or created, one row per record, use, rule and activity type (see migration 0009). */
export interface LinkExplanationRow {
  readonly orgId: string;
  readonly recordId: string;
  readonly object: string;
  /** `who`, `what`, `relation` or `created`. */
  readonly use: string;
  readonly rule: string;
  readonly activity: string;
  /** The latest reason in words. */
  readonly detail: string;
  /** ISO instants of the first and latest time the rule applied, and how many times it did. */
  readonly firstAt: string;
  readonly lastAt: string;
  readonly times: number;
}

export type LinkingClaimOutcome = { readonly kind: 'claimed' } | { readonly kind: 'done'; readonly recordId: string } | { readonly kind: 'busy' };

/** The linking engine's explanations and creation claims, with their queries beside them. */
export interface LinkingRecords {
  /** Add explanations; a repeat of one (same org, record, use, rule, activity) updates its detail and count. */
  recordLinkExplanations(explanations: readonly { orgId: string; recordId: string; object: string; use: string; rule: string; detail: string; activity: string; at: string }[]): Promise<void>;
  /** The explanations of one record (by its 18-character id) of an org, or of every org when `orgId` is null; newest first. */
  listLinkExplanations(orgId: string | null, recordId: string): Promise<LinkExplanationRow[]>;
  claimLinkingKey(orgId: string, key: string, holder: string, ttlMs: number): Promise<LinkingClaimOutcome>;
  settleLinkingClaim(orgId: string, key: string, holder: string, recordId: string | null): Promise<void>;
}

type LinkingDatabase = {
  link_explanations: {
    org_id: string; record_id: string; object: string; use: string; rule: string; activity: string; detail: string;
    first_at: string; last_at: string; times: number;
  };
  linking_claims: { org_id: string; claim_key: string; holder: string; expires_at: string; record_id: string | null };
};

/** How long a settled claim keeps the created record's id for other workers, once the holder is done. */
const SETTLED_CLAIM_MS = 10 * 60_000;

function linking(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & LinkingDatabase> {
  return db.withTables<LinkingDatabase>();
}

export async function recordLinkExplanations(db: Kysely<SynclineDatabase>, rows: Parameters<LinkingRecords['recordLinkExplanations']>[0]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      await upsertExplanation(trx, row);
    }
  });
}

async function upsertExplanation(db: Kysely<SynclineDatabase>, row: Parameters<LinkingRecords['recordLinkExplanations']>[0][number]): Promise<void> {
  await linking(db)
    .insertInto('link_explanations')
    .values({
      org_id: row.orgId, record_id: row.recordId, object: row.object, use: row.use, rule: row.rule, activity: row.activity,
      detail: row.detail, first_at: row.at, last_at: row.at, times: 1,
    })
    .onConflict((conflict) =>
      conflict.columns(['org_id', 'record_id', 'use', 'rule', 'activity']).doUpdateSet((eb) => ({
        detail: row.detail,
        last_at: row.at,
        times: eb('link_explanations.times', '+', 1),
      })),
    )
    .execute();
}

export async function listLinkExplanations(db: Kysely<SynclineDatabase>, orgId: string | null, recordId: string): Promise<LinkExplanationRow[]> {
  let query = linking(db).selectFrom('link_explanations').selectAll().where('record_id', '=', recordId);
  if (orgId !== null) {
    query = query.where('org_id', '=', orgId);
  }
  const rows = await query.orderBy('last_at', 'desc').orderBy('use').orderBy('rule').execute();
  return rows.map((row) => ({
    orgId: row.org_id, recordId: row.record_id, object: row.object, use: row.use, rule: row.rule, activity: row.activity,
    detail: row.detail, firstAt: row.first_at, lastAt: row.last_at, times: Number(row.times),
  }));
}

/**
 * Claim a key in one statement: insert it, or take it over when it is this holder's or has expired. A live claim
 * of another holder is `busy` until it settles, then `done` with its record until it expires.
 */
export async function claimLinkingKey(db: Kysely<SynclineDatabase>, orgId: string, key: string, holder: string, ttlMs: number): Promise<LinkingClaimOutcome> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  const claimed = await linking(db)
    .insertInto('linking_claims')
    .values({ org_id: orgId, claim_key: key, holder, expires_at: expiresAt, record_id: null })
    .onConflict((conflict) =>
      conflict
        .columns(['org_id', 'claim_key'])
        .doUpdateSet({ holder, expires_at: expiresAt, record_id: null })
        .where((eb) => eb.or([eb('linking_claims.holder', '=', holder), eb('linking_claims.expires_at', '<=', now.toISOString())])),
    )
    .returning('holder')
    .executeTakeFirst();
  if (claimed?.holder === holder) {
    return { kind: 'claimed' };
  }
  const current = await linking(db).selectFrom('linking_claims').select(['record_id']).where('org_id', '=', orgId).where('claim_key', '=', key).executeTakeFirst();
  return current?.record_id ? { kind: 'done', recordId: current.record_id } : { kind: 'busy' };
}

/** Settle this holder's claim: keep the record for a while for other workers, or drop the claim when there is none. */
export async function settleLinkingClaim(db: Kysely<SynclineDatabase>, orgId: string, key: string, holder: string, recordId: string | null): Promise<void> {
  const claim = linking(db).updateTable('linking_claims').where('org_id', '=', orgId).where('claim_key', '=', key).where('holder', '=', holder);
  if (recordId === null) {
    await linking(db).deleteFrom('linking_claims').where('org_id', '=', orgId).where('claim_key', '=', key).where('holder', '=', holder).execute();
    return;
  }
  await claim.set({ record_id: recordId, expires_at: new Date(Date.now() + SETTLED_CLAIM_MS).toISOString() }).execute();
}

export async function clearLinkingRecords(db: Kysely<SynclineDatabase>): Promise<void> {
  await linking(db).deleteFrom('link_explanations').execute();
  await linking(db).deleteFrom('linking_claims').execute();
}
