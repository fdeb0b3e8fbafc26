import type { Kysely } from 'kysely';
import type { SynclineDatabase } from './database.ts';
import { toSortableTime } from './row-values.ts';

/** One change notification subscription of a mailbox as the store keeps it (migrations 0005 and 0011). */
export interface MailboxSubscription {
  readonly mailboxId: string;
  /** Watched part of the mailbox: `events`, `inbox` or `sentItems`; a mailbox has one subscription per resource at most. */
  readonly resource: string;
  /** The id Graph gave the subscription; notifications name it. */
  readonly subscriptionId: string;
  /** The secret Graph echoes in each notification; a notification without it is not from Graph. */
  readonly clientState: string;
  /** Graph change types the subscription covers, e.g. `created`, `updated`. */
  readonly changeTypes: readonly string[];
  /** ISO instant when Graph drops the subscription unless it is renewed. */
  readonly expiresAt: string;
}

type MailboxSubscriptionsTable = {
  mailbox_id: string;
  resource: string;
  subscription_id: string;
  client_state: string;
  /** Comma-separated, as Graph writes `changeType`. */
  change_types: string;
  expires_at: string;
  updated_at: string;
};

type SubscriptionsDatabase = {
  mailbox_subscriptions: MailboxSubscriptionsTable;
};

/** Returns the database typed with the subscription table, which is declared here beside its queries. */
function subscriptions(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & SubscriptionsDatabase> {
  return db.withTables<SubscriptionsDatabase>();
}

export async function loadMailboxSubscription(db: Kysely<SynclineDatabase>, mailboxId: string, resource: string): Promise<MailboxSubscription | null> {
  const row = await subscriptions(db)
    .selectFrom('mailbox_subscriptions')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .where('resource', '=', resource)
    .executeTakeFirst();
  return row ? toSubscription(row) : null;
}

export async function listMailboxSubscriptions(db: Kysely<SynclineDatabase>, mailboxId: string): Promise<MailboxSubscription[]> {
  const rows = await subscriptions(db).selectFrom('mailbox_subscriptions').selectAll().where('mailbox_id', '=', mailboxId).orderBy('resource').execute();
  return rows.map(toSubscription);
}

export async function findMailboxSubscription(db: Kysely<SynclineDatabase>, subscriptionId: string): Promise<MailboxSubscription | null> {
  const row = await subscriptions(db).selectFrom('mailbox_subscriptions').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
  return row ? toSubscription(row) : null;
}

export async function saveMailboxSubscription(db: Kysely<SynclineDatabase>, subscription: MailboxSubscription): Promise<void> {
  const row = {
    subscription_id: subscription.subscriptionId,
    client_state: subscription.clientState,
    change_types: subscription.changeTypes.join(','),
    expires_at: toSortableTime(subscription.expiresAt, `subscription of mailbox ${subscription.mailboxId} expiresAt`),
    updated_at: new Date().toISOString(),
  };
  await subscriptions(db)
    .insertInto('mailbox_subscriptions')
    .values({ mailbox_id: subscription.mailboxId, resource: subscription.resource, ...row })
    .onConflict((conflict) => conflict.columns(['mailbox_id', 'resource']).doUpdateSet(row))
    .execute();
}

export async function deleteMailboxSubscription(db: Kysely<SynclineDatabase>, mailboxId: string, resource: string): Promise<void> {
  await subscriptions(db).deleteFrom('mailbox_subscriptions').where('mailbox_id', '=', mailboxId).where('resource', '=', resource).execute();
}

/** Deletes every subscription row; `truncateAll` runs it before the mailbox rows go. */
export async function clearMailboxSubscriptions(db: Kysely<SynclineDatabase>): Promise<void> {
  await subscriptions(db).deleteFrom('mailbox_subscriptions').execute();
}

/** Ids per query, well under the bound-parameter limits of SQLite and PostgreSQL. */
const LOOKUP_CHUNK = 500;

/** The mailboxes whose links pair with these Salesforce records, by record id; a record no link names is absent. */
export async function mailboxesOfCrmRecords(db: Kysely<SynclineDatabase>, recordIds: readonly string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (recordIds.length === 0) {
    return result;
  }

  const unique = [...new Set(recordIds)];
  for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
    const chunk = unique.slice(start, start + LOOKUP_CHUNK);
    const rows = await db.selectFrom('links').select(['crm_record_id', 'mailbox_id']).where('crm_record_id', 'in', chunk).execute();
    for (const row of rows) {
      const mailboxes = result.get(row.crm_record_id) ?? [];
      mailboxes.push(row.mailbox_id);
      result.set(row.crm_record_id, mailboxes);
    }
  }
  return result;
}

function toSubscription(row: MailboxSubscriptionsTable): MailboxSubscription {
  return {
    mailboxId: row.mailbox_id,
    resource: row.resource,
    subscriptionId: row.subscription_id,
    clientState: row.client_state,
    changeTypes: row.change_types.split(',').filter((part) => part !== ''),
    expiresAt: row.expires_at,
  };
}
