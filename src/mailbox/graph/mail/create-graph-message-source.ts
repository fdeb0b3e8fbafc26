import type { MessageSource } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { GraphConnectorOptions } from '../connector-options.ts';
import { createGraphClient } from '../graph-client.ts';
import { ensureMarkers } from './ensure-markers.ts';
import type { MailContext } from './mail-context.ts';
import { FolderDirectory } from './mail-folders.ts';
import { MAIL_PREFERENCES } from './message-query.ts';
import { pullMessages } from './pull-messages.ts';
import { readMessages } from './read-messages.ts';

/**
 * Delta page size asked for with `odata.maxpagesize`. Message pages carry whole bodies, so they are kept smaller
 * than event pages.
 */
// NOTE: Graph documents no maximum for message delta pages; it returns smaller pages when it caps the size, and
// the nextLink loop follows them.
const DEFAULT_MESSAGE_PAGE_SIZE = 50;

/** Create the message source for the Microsoft Graph mailbox of one user: it reads messages and marks, never sends. */
export function createGraphMessageSource(options: GraphConnectorOptions): MessageSource {
  const pageSize = options.pageSize ?? DEFAULT_MESSAGE_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new Error(`pageSize ${pageSize} is invalid: use a whole number of 1 or more, or leave it out`);
  }

  const client = createGraphClient(options, 'messages');
  const ctx: MailContext = { client, pageSize, folders: new FolderDirectory(client) };
  return {
    get calls() {
      return client.http.calls;
    },
    pullMessages: (cursor, scope) => pullMessages(ctx, cursor, scope),
    readMessages: (ids) => readMessages(ctx, ids),
    readAttachment: (messageId, attachmentId) => readAttachment(ctx, messageId, attachmentId),
    ensureMarkers: (markers) => ensureMarkers(ctx, markers),
  };
}

/** Read the raw bytes through `/attachments/{id}/$value`, without the base64 overhead of `contentBytes`. */
async function readAttachment(ctx: MailContext, messageId: string, attachmentId: string): Promise<Uint8Array> {
  const { body } = await ctx.client.http.sendOrThrow({
    method: 'GET',
    url: `${ctx.client.baseUrl}${ctx.client.userPath}/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}/$value`,
    idempotent: true,
    label: 'attachment content',
    preferences: MAIL_PREFERENCES,
    responseType: 'bytes',
  });
  if (!(body instanceof Uint8Array)) {
    throw new ConnectorError({ kind: 'bug', code: 'AttachmentWithoutContent', message: 'Graph returned no content for an attachment $value request' });
  }
  return body;
}
