import type { MailboxSetting } from '../../config/resolved-config.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ImapCalDavOptions } from './connector-options.ts';

/** Build the connector options of a configured mailbox of kind `imap-caldav`. */
export function imapCaldavOptions(setting: MailboxSetting, logger: Logger): ImapCalDavOptions {
  const servers = setting.imapCaldav;
  if (servers === undefined) {
    // The configuration check rejects this; a hand-built configuration could still reach it.
    throw new Error(`mailbox ${setting.address} has kind 'imap-caldav' but no imapCaldav settings; add its "imapCaldav" block (docs/connect-imap-caldav.md)`);
  }
  return {
    imap: servers.imap,
    dav: servers.dav,
    salesforceKeyword: servers.salesforceKeyword,
    changeDetection: servers.changeDetection,
    mailboxTimeZone: setting.timeZone,
    logger: logger.child({ mailbox: setting.id }),
  };
}
