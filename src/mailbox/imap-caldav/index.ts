import type { MailboxContactSource, MailboxEventSource, MailboxTaskSource } from '../../domain/connector.ts';
import type { MessageSource } from '../../domain/email-message.ts';
import { toIanaZone } from '../../domain/time-zones.ts';
import { validateOptions, type ImapCalDavOptions } from './connector-options.ts';
import { createDavHttp, createDavSource } from './create-dav-sources.ts';
import { eventKind } from './ical/event-kind.ts';
import { taskKind } from './ical/task-kind.ts';
import { createImapMessageSource } from './imap/create-imap-message-source.ts';
import { contactKind } from './vcard/contact-kind.ts';

export type { ImapCalDavOptions } from './connector-options.ts';
export { imapCaldavOptions } from './setting-options.ts';
export { watchImap, type ImapChange } from './imap/watch-imap.ts';

export interface ImapCalDavConnector {
  readonly events: MailboxEventSource;
  readonly tasks: MailboxTaskSource;
  readonly contacts: MailboxContactSource;
  readonly messages: MessageSource;
}

/**
 * Create the sources of one mailbox reached over open standards: events and tasks over CalDAV, contacts over CardDAV,
 * messages over IMAP. The CalDAV and CardDAV sources share one HTTP layer and its request count.
 */
export function createImapCalDavConnector(options: ImapCalDavOptions): ImapCalDavConnector {
  validateOptions(options);
  const mailboxTimeZone = toIanaZone(options.mailboxTimeZone);
  if (mailboxTimeZone === null) {
    throw new Error(`mailboxTimeZone "${options.mailboxTimeZone}" is not a known zone: use an IANA name such as Europe/Berlin`);
  }

  const http = createDavHttp(options);
  return {
    events: createDavSource(options, http, 'events', eventKind(mailboxTimeZone, options.logger.child({ component: 'caldav' }))),
    tasks: createDavSource(options, http, 'tasks', taskKind(mailboxTimeZone)),
    contacts: createDavSource(options, http, 'contacts', contactKind()),
    messages: createImapMessageSource(options),
  };
}
