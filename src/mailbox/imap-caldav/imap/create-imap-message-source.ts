import type { MessageSource } from '../../../domain/email-message.ts';
import { DEFAULT_SALESFORCE_KEYWORD, DEFAULT_TIMEOUT_MS, type ImapCalDavOptions } from '../connector-options.ts';
import { ensureMarkers } from './ensure-markers.ts';
import type { ImapContext } from './imap-connection.ts';
import { pullMessages } from './pull-messages.ts';
import { readAttachment, readMessages } from './read-messages.ts';

/** Create the message source of one IMAP mailbox: it reads messages and their flags, and never changes mail. */
export function createImapMessageSource(options: ImapCalDavOptions): MessageSource {
  const keyword = options.salesforceKeyword ?? DEFAULT_SALESFORCE_KEYWORD;
  const ctx: ImapContext = {
    server: options.imap,
    logger: options.logger.child({ component: 'imap' }),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    useCondstore: (options.changeDetection ?? 'auto') === 'auto',
    keyword,
    salesforceFolderName: null,
    // Until ensureMarkers names the category, the keyword is reported by its name without the `$`.
    salesforceCategory: keyword.replace(/^\$/, ''),
    calls: 0,
  };
  return {
    get calls() {
      return ctx.calls;
    },
    pullMessages: (cursor, scope) => pullMessages(ctx, cursor, scope),
    readMessages: (ids) => readMessages(ctx, ids),
    readAttachment: (messageId, attachmentId) => readAttachment(ctx, messageId, attachmentId),
    ensureMarkers: (markers) => ensureMarkers(ctx, markers),
  };
}
