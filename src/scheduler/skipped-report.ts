import { randomUUID } from 'node:crypto';
import type { MailboxRecord } from '../domain/accounts.ts';
import type { SessionReport } from '../domain/session-report.ts';

/**
 * Build the report of a session that did not run, for commands that print one entry per mailbox (`sync --once`): status
 * `skipped`, nothing read or written, and a note with the cause and the fix. It is not recorded in the session
 * log, because no session ran.
 */
export function skippedReport(mailbox: MailboxRecord, note: string, at: Date): SessionReport {
  const zero = { created: 0, updated: 0, deleted: 0 };
  return {
    sessionId: randomUUID(),
    mailboxId: mailbox.id,
    mailbox: mailbox.address,
    kind: mailbox.kind,
    status: 'skipped',
    startedAt: at.toISOString(),
    endedAt: at.toISOString(),
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 0, crm: 0 },
    writes: { mailbox: zero, crm: zero, byObject: {} },
    apiCalls: { mailbox: 0, crm: 0 },
    conflicts: 0,
    itemErrors: [],
    notes: [note],
  };
}
