import type { SessionReport } from './session-report.ts';

export const MAILBOX_KINDS = ['graph', 'ews', 'imap-caldav', 'google'] as const;
export type MailboxKind = (typeof MAILBOX_KINDS)[number];

export interface OrgRecord {
  readonly id: string;
  readonly name: string;
}

export interface MailboxRecord {
  readonly id: string;
  readonly orgId: string;
  readonly kind: MailboxKind;
  /** Primary SMTP address; also the Graph user id or principal name the connector addresses. */
  readonly address: string;
  /** IANA zone the mailbox owner works in; new events written from Salesforce use it. */
  readonly timeZone: string;
}

export interface AccountStore {
  upsertOrg(org: OrgRecord): Promise<void>;
  upsertMailbox(mailbox: MailboxRecord): Promise<void>;
  listMailboxes(orgId?: string): Promise<MailboxRecord[]>;
  getMailbox(id: string): Promise<MailboxRecord | null>;
}

export interface SessionLog {
  recordSession(report: SessionReport): Promise<void>;
  /** Newest first. */
  listSessions(mailboxId: string, limit: number): Promise<SessionReport[]>;
}
