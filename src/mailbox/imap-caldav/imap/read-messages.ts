import type { ImapFlow, MailboxObject } from 'imapflow';
import type { FolderRole, MailMessage } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { classifyImapError } from './classify-imap-error.ts';
import { fetchSnapshots } from './fetch-messages.ts';
import { withImap, type ImapContext } from './imap-connection.ts';
import { parseMessageId, type MessageAddress } from './imap-cursor.ts';
import { resolveFolders, roleOfPath } from './imap-folders.ts';
import { attachmentContent } from './message-from-mime.ts';

const ALL_ROLES: readonly FolderRole[] = ['inbox', 'sent', 'drafts', 'salesforce'];

type ReadMessage = { readonly id: string; readonly version: string; readonly item: MailMessage };

/**
 * Read messages by id, one SELECT per folder. An id whose folder is gone, whose UIDVALIDITY changed or whose UID
 * was expunged names no message any more and is left out.
 */
export async function readMessages(ctx: ImapContext, ids: readonly string[]): Promise<Map<string, ReadMessage>> {
  const byFolder = new Map<string, MessageAddress[]>();
  for (const id of new Set(ids)) {
    const address = parseMessageId(id);
    if (address !== null) {
      byFolder.set(address.path, [...(byFolder.get(address.path) ?? []), address]);
    }
  }
  if (byFolder.size === 0) {
    return new Map();
  }

  return withImap(ctx, async (client) => {
    const folders = await resolveFolders(ctx, client, ALL_ROLES);
    const found = new Map<string, ReadMessage>();
    for (const [path, addresses] of byFolder) {
      if (!(await selectFolder(ctx, client, path))) {
        continue;
      }
      try {
        const current = (client.mailbox as MailboxObject).uidValidity.toString();
        const uids = addresses.filter((address) => address.uidValidity === current).map((address) => address.uid);
        for (const snapshot of await fetchSnapshots(ctx, client, uids, roleOfPath(folders, path))) {
          found.set(snapshot.id, { id: snapshot.id, version: snapshot.version, item: snapshot.item });
        }
      } finally {
        await client.mailboxClose().catch(() => undefined);
      }
    }
    return found;
  });
}

/** Read one attachment by refetching its message; the id is the attachment's position in the parsed message. */
export async function readAttachment(ctx: ImapContext, messageId: string, attachmentId: string): Promise<Uint8Array> {
  const address = parseMessageId(messageId);
  const index = Number(attachmentId);
  if (address === null || !Number.isInteger(index) || index < 0) {
    throw new ConnectorError({ kind: 'notFound', code: 'AttachmentNotFound', message: `attachment ${attachmentId} of message ${messageId} is not an IMAP attachment id` });
  }

  const content = await withImap(ctx, async (client) => {
    if (!(await selectFolder(ctx, client, address.path)) || (client.mailbox as MailboxObject).uidValidity.toString() !== address.uidValidity) {
      return null;
    }
    ctx.calls += 1;
    const message = await client.fetchOne(String(address.uid), { uid: true, source: true }, { uid: true });
    return message && message.source ? attachmentContent(message.source, index) : null;
  });
  if (content === null) {
    throw new ConnectorError({ kind: 'notFound', code: 'AttachmentNotFound', message: `attachment ${attachmentId} of message ${messageId} no longer exists` });
  }
  return content;
}

async function selectFolder(ctx: ImapContext, client: ImapFlow, path: string): Promise<boolean> {
  ctx.calls += 1;
  try {
    await client.mailboxOpen(path, { readOnly: true });
    return true;
  } catch (error) {
    if (classifyImapError(error).kind === 'notFound') {
      return false;
    }
    throw error;
  }
}
