import type { InstantSyncTrigger, OrgSetting } from '../config/resolved-config.ts';
import { imapCaldavOptions } from '../mailbox/imap-caldav/index.ts';
import { watchImap, type ImapChange } from '../mailbox/imap-caldav/imap/watch-imap.ts';
import { keepWatches, mailboxesOfKind, requestIfTriggered, type MailboxWatches, type WatchSettings } from './instant-sync-watch.ts';

/**
 * Instant sync for mailboxes of kind `imap-caldav`: one IMAP connection per mailbox idles on its INBOX (RFC 2177) and
 * reconnects by itself. A new message, a changed flag (the Salesforce keyword) or a removed message requests a
 * session. CalDAV and CardDAV have no push, so calendars, tasks and contacts keep their scheduled sessions.
 */

export interface ImapWatchOptions extends WatchSettings {
  readonly orgs: readonly OrgSetting[];
  /** Waits before reconnecting a dropped IDLE connection; the watcher's defaults when absent. */
  readonly reconnectDelaysMs?: readonly number[];
}

/** How long opening a watch waits for its first IDLE before it counts as open and reconnects on its own. */
const FIRST_IDLE_WAIT_MS = 10_000;

const TRIGGER_OF: Readonly<Record<ImapChange['kind'], InstantSyncTrigger>> = { exists: 'create', flags: 'update', expunge: 'delete' };

export function startImapWatches(options: ImapWatchOptions): MailboxWatches {
  const logger = options.logger.child({ component: 'instant-sync-imap' });
  const mailboxes = options.resources.has('inbox') ? mailboxesOfKind(options.orgs, 'imap-caldav') : [];
  const targets = mailboxes.map(({ org, mailbox }) => ({
    mailboxId: mailbox.id,
    open: async () => {
      const connection = imapCaldavOptions(mailbox, logger.child({ org: org.id }));
      const watch = watchImap(
        connection,
        (change) => requestIfTriggered({ ...options, logger }, mailbox.id, TRIGGER_OF[change.kind]),
        { folder: 'INBOX', ...(options.reconnectDelaysMs === undefined ? {} : { reconnectDelaysMs: options.reconnectDelaysMs }) },
      );
      // A server that is down keeps the watch reconnecting by itself, so opening waits only a while for the first IDLE.
      await Promise.race([watch.started, new Promise((resolve) => setTimeout(resolve, FIRST_IDLE_WAIT_MS).unref())]);
      return watch;
    },
  }));
  return keepWatches(targets, { ...options, logger }, 'IMAP IDLE watch');
}
