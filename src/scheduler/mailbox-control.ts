import type { MailboxSchedule, ScheduleStore } from '../domain/mailbox-state.ts';
import { markAsActive, markAsSuspendedByUser, newSchedule } from './mailbox-states.ts';

/**
 * Actions a person takes on one mailbox from the CLI or the dashboard. Each writes the schedule only. A running
 * scheduler reads the change at its next poll of the store, and its runner applies the state at the next session.
 */

/** The mailbox's state does not allow the action; the message names the state and the command that fixes it. */
export class MailboxStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailboxStateError';
  }
}

/** Suspend sync for the mailbox, keeping all its state. Suspending it again keeps the first reason. */
export async function suspendMailbox(store: ScheduleStore, mailboxId: string, reason: string): Promise<MailboxSchedule> {
  const current = (await store.loadSchedule(mailboxId)) ?? newSchedule(mailboxId, null);
  if (current.state === 'suspendedByUser') {
    return current;
  }
  if (current.state === 'disconnected') {
    throw new MailboxStateError(`Mailbox ${mailboxId} is disconnected (${current.reason ?? 'no reason recorded'}); connect it again instead of suspending it`);
  }

  const suspended = markAsSuspendedByUser(current, reason);
  await store.saveSchedule(suspended);
  return suspended;
}

/**
 * Lift a suspension (by a person or by an error) and ask for a session now; the cursors continue where they stopped.
 * A disconnected mailbox is connected again only with `reconnect`, which the caller sets when the mailbox is in
 * the configuration: one removed from it has nothing to run with.
 */
export async function resumeMailbox(store: ScheduleStore, mailboxId: string, now: Date, options: { reconnect?: boolean } = {}): Promise<MailboxSchedule> {
  const current = (await store.loadSchedule(mailboxId)) ?? newSchedule(mailboxId, now.toISOString());
  if (current.state === 'active' || current.state === 'syncing') {
    return current;
  }
  if (current.state === 'disconnected' && options.reconnect !== true) {
    throw new MailboxStateError(`Mailbox ${mailboxId} is disconnected (${current.reason ?? 'no reason recorded'}); add it to the configuration again, then resume it or restart syncline`);
  }

  const resumed = { ...markAsActive(current, now.toISOString()), failureCount: 0 };
  await store.saveSchedule(resumed);
  return resumed;
}

/**
 * Mark the mailbox for a session now, for a scheduler in another process to pick up. An error suspension is
 * retried now as well, as its automatic resume would; a person's suspension must be lifted with resume first.
 */
export async function queueForcedSession(store: ScheduleStore, mailboxId: string, now: Date): Promise<MailboxSchedule> {
  const current = (await store.loadSchedule(mailboxId)) ?? newSchedule(mailboxId, null);
  if (current.state === 'suspendedByUser' || current.state === 'disconnected') {
    throw new MailboxStateError(`Mailbox ${mailboxId} is ${current.state === 'disconnected' ? 'disconnected' : 'suspended'}; run \`syncline resume\` first, then force a session`);
  }

  const forced = current.state === 'suspendedByError' ? { ...current, resumeAt: now.toISOString() } : { ...current, nextSessionAt: now.toISOString() };
  await store.saveSchedule(forced);
  return forced;
}
