import type { MailboxRecord } from '../domain/accounts.ts';
import type { CrmEventSource, MailboxEventSource, SyncWindow } from '../domain/connector.ts';
import type { SessionReport } from '../domain/session-report.ts';
import type { SyncStateStore } from '../domain/sync-store.ts';
import type { MappingTable } from '../mapping/index.ts';
import type { Logger } from '../observability/logger.ts';
import { runMailboxSession } from './mailbox-session.ts';
import type { SyncPolicy } from './policy.ts';

export interface EventSessionOptions {
  readonly mailbox: MailboxRecord;
  readonly mailboxSource: MailboxEventSource;
  readonly crmSource: CrmEventSource;
  readonly crmRecordUrl: (id: string) => string;
  readonly store: SyncStateStore;
  /** The event table; its kind must be `event`. */
  readonly mapping: MappingTable;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  readonly logger: Logger;
}

/**
 * Run one session for a mailbox's calendar only (see `runMailboxSession`): pull both sides, plan, write, then commit
 * links, bases and cursors in one transaction. A failure that stops the session gives a report with status `failed`
 * and commits nothing, so the next session repeats the work.
 */
export function runEventSession(options: EventSessionOptions): Promise<SessionReport> {
  if (options.mapping.kind !== 'event') {
    throw new TypeError(`runEventSession needs an event mapping table, got ${options.mapping.name} for ${options.mapping.kind}`);
  }
  return runMailboxSession({
    mailbox: options.mailbox,
    kinds: [{ mapping: options.mapping, mailboxSource: options.mailboxSource, crmSource: options.crmSource, crmRecordUrl: options.crmRecordUrl }],
    store: options.store,
    policy: options.policy,
    window: options.window,
    logger: options.logger,
  });
}
