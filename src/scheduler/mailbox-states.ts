import type { MailboxSchedule, MailboxState } from '../domain/mailbox-state.ts';

/**
 * Every legal change of a mailbox's state, read as "from → the states it may go to". A pair missing here is a
 * bug in the caller, so the `markAs…` functions below throw on it instead of writing an unplanned state.
 */
export const MAILBOX_TRANSITIONS: Readonly<Record<MailboxState, readonly MailboxState[]>> = {
  // A session starts; a person suspends; its session jobs keep dying before a session ends; the account goes away.
  active: ['syncing', 'suspendedByUser', 'suspendedByError', 'disconnected'],
  // The session ends (or a crashed one is repaired); a suspend failure stops it; a person suspends meanwhile.
  syncing: ['active', 'suspendedByError', 'suspendedByUser', 'disconnected'],
  // Only a person's resume lifts a person's suspension.
  suspendedByUser: ['active', 'disconnected'],
  // An automatic resume session starts; a person resumes, or suspends it for good.
  suspendedByError: ['syncing', 'active', 'suspendedByUser', 'disconnected'],
  // Connecting the account again.
  disconnected: ['active'],
};

export function isLegalTransition(from: MailboxState, to: MailboxState): boolean {
  return MAILBOX_TRANSITIONS[from].includes(to);
}

/** Build the schedule of a mailbox never scheduled before: active, with its first session due at `nextSessionAt`. */
export function newSchedule(mailboxId: string, nextSessionAt: string | null): MailboxSchedule {
  return { mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt, lastSessionAt: null, lastStatus: null, failureCount: 0 };
}

function transition(schedule: MailboxSchedule, to: MailboxState): MailboxSchedule {
  if (!isLegalTransition(schedule.state, to)) {
    throw new Error(
      `Mailbox ${schedule.mailboxId} cannot go from '${schedule.state}' to '${to}'; legal next states: ${MAILBOX_TRANSITIONS[schedule.state].join(', ')}`,
    );
  }
  return { ...schedule, state: to };
}

export function markAsSyncing(schedule: MailboxSchedule): MailboxSchedule {
  return transition(schedule, 'syncing');
}

/** Back to the schedule: after a session, a person's resume, or a reconnection. Clears any suspension. */
export function markAsActive(schedule: MailboxSchedule, nextSessionAt: string | null): MailboxSchedule {
  return { ...transition(schedule, 'active'), reason: null, resumeAt: null, nextSessionAt };
}

export function markAsSuspendedByError(schedule: MailboxSchedule, reason: string, resumeAt: string): MailboxSchedule {
  return { ...transition(schedule, 'suspendedByError'), reason, resumeAt, nextSessionAt: null };
}

export function markAsSuspendedByUser(schedule: MailboxSchedule, reason: string): MailboxSchedule {
  return { ...transition(schedule, 'suspendedByUser'), reason, resumeAt: null, nextSessionAt: null };
}

export function markAsDisconnected(schedule: MailboxSchedule, reason: string): MailboxSchedule {
  return { ...transition(schedule, 'disconnected'), reason, resumeAt: null, nextSessionAt: null };
}
