import type { MessageSource } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { createGoogleClient } from '../google-client.ts';
import type { GoogleClientOptions } from '../google-options.ts';
import { ensureLabels } from './ensure-labels.ts';
import { gmailUrl, type GmailContext } from './gmail-context.ts';
import type { GmailMessage } from './gmail-types.ts';
import { LabelDirectory } from './label-directory.ts';
import { attachmentBytes } from './message-from-raw.ts';
import { pullGmailMessages } from './pull-gmail-messages.ts';
import { readGmailMessages } from './read-gmail-messages.ts';

/** Create the message source for one Gmail mailbox: it reads messages and creates labels, never sends or changes mail. */
export function createGmailMessageSource(options: GoogleClientOptions): MessageSource {
  const ctx = gmailContext(options);
  return {
    get calls() {
      return ctx.client.http.calls;
    },
    pullMessages: (cursor, scope) => pullGmailMessages(ctx, cursor, scope),
    readMessages: (ids) => readGmailMessages(ctx, ids),
    readAttachment: (messageId, attachmentId) => readAttachment(ctx, messageId, attachmentId),
    ensureMarkers: (markers) => ensureLabels(ctx, markers),
  };
}

export function gmailContext(options: GoogleClientOptions): GmailContext {
  const client = createGoogleClient(options, 'gmail');
  const userPath = '/gmail/v1/users/me';
  return { client, userPath, batchUrl: `${client.apiBaseUrl}/batch/gmail/v1`, labels: new LabelDirectory(client, userPath) };
}

/** Read the message in raw form again and take the attachment from it, so its bytes are exactly those sent. */
async function readAttachment(ctx: GmailContext, messageId: string, attachmentId: string): Promise<Uint8Array> {
  const { body } = await ctx.client.http.sendOrThrow({
    method: 'GET',
    url: `${gmailUrl(ctx, `/messages/${encodeURIComponent(messageId)}`)}?format=raw`,
    idempotent: true,
    label: 'messages.get',
    gmailMethod: 'messages.get',
  });
  const raw = (body as GmailMessage | null)?.raw;
  const bytes = typeof raw === 'string' ? await attachmentBytes(Buffer.from(raw, 'base64url'), attachmentId) : null;
  if (bytes === null) {
    throw new ConnectorError({ kind: 'notFound', code: 'AttachmentNotFound', message: `the Gmail message has no attachment ${attachmentId}; it changed since it was read or the id is from another source` });
  }
  return bytes;
}
