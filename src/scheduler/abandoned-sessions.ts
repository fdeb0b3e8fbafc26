import type { ScheduleStore } from '../domain/mailbox-state.ts';
import type { Logger } from '../observability/logger.ts';
import { markAsActive } from './mailbox-states.ts';

export interface AbandonedSessionStore extends ScheduleStore {
  breakSessionLease(mailboxId: string): Promise<void>;
}

/**
 * Hand the mailboxes of sessions abandoned at shutdown back to the schedule. Each session's lease is broken and its
 * mailbox made due now, so another worker, or the next start, runs it at once instead of finding the lease taken
 * for its full 30 minutes. Only call this once the store those sessions write to is closed. Then none of them can
 * commit any more, and a session that committed nothing left nothing to protect.
 */
export async function releaseAbandonedSessions(store: AbandonedSessionStore, mailboxIds: readonly string[], now: Date, logger: Logger): Promise<void> {
  for (const mailboxId of mailboxIds) {
    await store.breakSessionLease(mailboxId);
    const schedule = await store.loadSchedule(mailboxId);
    // A person's suspension made during the session stays; only the syncing mark of the cut session is undone.
    if (schedule?.state === 'syncing') {
      await store.saveSchedule(markAsActive(schedule, now.toISOString()));
    }
  }
  if (mailboxIds.length > 0) {
    logger.info({ mailboxes: mailboxIds }, 'Released the leases of the abandoned sessions; their mailboxes are due now');
  }
}
