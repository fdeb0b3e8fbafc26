/**
 * The scheduling state of a mailbox. Legal transitions between these states live in one table,
 * src/scheduler/mailbox-states.ts, which is the only place that changes them.
 */
export const MAILBOX_STATES = ['active', 'syncing', 'suspendedByUser', 'suspendedByError', 'disconnected'] as const;
export type MailboxState = (typeof MAILBOX_STATES)[number];

/** Why a session runs: its interval came, a person forced it, a change notification, the CRM change stream, or an automatic resume. */
export const SESSION_TRIGGERS = ['schedule', 'force', 'notification', 'changeStream', 'resume'] as const;
export type SessionTrigger = (typeof SESSION_TRIGGERS)[number];

/** The schedule of one mailbox, persisted in the store so a restart continues where it stopped. */
export interface MailboxSchedule {
  readonly mailboxId: string;
  readonly state: MailboxState;
  /** Plain words: why the mailbox is suspended or disconnected; null otherwise. */
  readonly reason: string | null;
  /** ISO instant when an error suspension is retried; null when none is pending. */
  readonly resumeAt: string | null;
  /** ISO instant when the next scheduled session is due; null when none is planned. */
  readonly nextSessionAt: string | null;
  readonly lastSessionAt: string | null;
  readonly lastStatus: string | null;
  /** Consecutive failed sessions, for the backoff. */
  readonly failureCount: number;
}

/** The part of the store that keeps the schedules; implemented over SQLite and PostgreSQL. */
export interface ScheduleStore {
  /** Null when the mailbox has never been scheduled. */
  loadSchedule(mailboxId: string): Promise<MailboxSchedule | null>;
  /** Every schedule, or those of one org's mailboxes. */
  listSchedules(orgId?: string): Promise<MailboxSchedule[]>;
  /** Insert or replace the schedule of `schedule.mailboxId`. */
  saveSchedule(schedule: MailboxSchedule): Promise<void>;
}
