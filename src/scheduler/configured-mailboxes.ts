import type { MailboxRecord } from '../domain/accounts.ts';
import type { MailboxSchedule, ScheduleStore } from '../domain/mailbox-state.ts';
import type { Logger } from '../observability/logger.ts';
import type { ScheduleQueries } from '../store/mailbox-schedules.ts';
import { markAsActive, markAsDisconnected, newSchedule } from './mailbox-states.ts';

export const REMOVED_FROM_CONFIGURATION = 'Removed from the configuration; add it to orgs[].mailboxes again to sync it';

export interface ConfiguredMailboxStore extends ScheduleStore, Pick<ScheduleQueries, 'addMissingSchedules'> {
  listMailboxes(): Promise<MailboxRecord[]>;
}

export interface ReconcileResult {
  /** Mailboxes new to the store's schedule; their first session is due at once. */
  readonly added: readonly string[];
  /** Disconnected mailboxes that the configuration lists again; active and due at once. */
  readonly reconnected: readonly string[];
  /** Mailboxes of the store that the configuration no longer lists. */
  readonly disconnected: readonly string[];
}

/**
 * Bring the stored schedules in line with the configuration a process starts with. A configured mailbox without a
 * schedule gets one, due now. A disconnected one that is configured again becomes active, due now. A stored mailbox
 * the configuration no longer lists is disconnected with the reason, so `syncline status` shows why it stopped.
 * Every process of a deployment must load the same configuration, or each start undoes what another did.
 */
export async function reconcileSchedules(store: ConfiguredMailboxStore, configuredIds: readonly string[], now: Date, logger: Logger): Promise<ReconcileResult> {
  const configured = new Set(configuredIds);
  const added = await store.addMissingSchedules(configuredIds.map((mailboxId) => newSchedule(mailboxId, now.toISOString())));

  const schedules = new Map((await store.listSchedules()).map((schedule) => [schedule.mailboxId, schedule]));
  const reconnected: string[] = [];
  const disconnected: string[] = [];
  for (const mailbox of await store.listMailboxes()) {
    const schedule: MailboxSchedule = schedules.get(mailbox.id) ?? newSchedule(mailbox.id, null);
    if (configured.has(mailbox.id) && schedule.state === 'disconnected') {
      await store.saveSchedule({ ...markAsActive(schedule, now.toISOString()), failureCount: 0 });
      reconnected.push(mailbox.id);
    } else if (!configured.has(mailbox.id) && schedule.state !== 'disconnected') {
      await store.saveSchedule(markAsDisconnected(schedule, REMOVED_FROM_CONFIGURATION));
      disconnected.push(mailbox.id);
    }
  }

  if (added.length + reconnected.length + disconnected.length > 0) {
    logger.info({ added: added.length, reconnected, disconnected }, 'Schedules brought in line with the configuration');
  }
  return { added, reconnected, disconnected };
}
