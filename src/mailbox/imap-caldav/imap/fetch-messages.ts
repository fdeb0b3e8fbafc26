import type { FetchMessageObject, ImapFlow, MailboxObject } from 'imapflow';
import type { ItemSnapshot } from '../../../domain/connector.ts';
import type { FolderRole, MailMessage } from '../../../domain/email-message.ts';
import type { ImapContext } from './imap-connection.ts';
import { messageIdOf } from './imap-cursor.ts';
import { messageFromMime } from './message-from-mime.ts';

/** UIDs per FETCH of whole messages, so one command's response stays a few megabytes on ordinary mail. */
const FETCH_CHUNK = 50;

/** Modification time of a message without an internal date: the oldest possible, so it never wins a conflict. */
const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

/** Fetch whole messages of the selected folder by UID and build their snapshots; UIDs no longer there are skipped. */
export async function fetchSnapshots(
  ctx: ImapContext,
  client: ImapFlow,
  uids: readonly number[],
  folder: FolderRole,
): Promise<ItemSnapshot<MailMessage>[]> {
  const mailbox = client.mailbox as MailboxObject;
  const uidValidity = mailbox.uidValidity.toString();
  const snapshots: ItemSnapshot<MailMessage>[] = [];

  for (let start = 0; start < uids.length; start += FETCH_CHUNK) {
    const chunk = [...uids.slice(start, start + FETCH_CHUNK)];
    ctx.calls += 1;
    const fetched = await client.fetchAll(chunk, { uid: true, flags: true, internalDate: true, source: true }, { uid: true });
    for (const message of fetched) {
      snapshots.push(await snapshotOf(ctx, message, mailbox.path, uidValidity, folder));
    }
  }
  return snapshots;
}

async function snapshotOf(ctx: ImapContext, message: FetchMessageObject, path: string, uidValidity: string, folder: FolderRole): Promise<ItemSnapshot<MailMessage>> {
  const flags = message.flags ?? new Set<string>();
  const item = await messageFromMime({
    source: message.source ?? new Uint8Array(),
    flags,
    internalDate: message.internalDate ?? null,
    folder,
    keyword: ctx.keyword,
    category: ctx.salesforceCategory,
  });
  return {
    id: messageIdOf({ path, uidValidity, uid: message.uid }),
    version: versionOf(message),
    modifiedAt: item.receivedAt ?? UNKNOWN_MODIFIED_AT,
    syncId: null,
    item,
  };
}

/** MODSEQ moves on every flag change; without CONDSTORE the sorted flags stand in for it. */
function versionOf(message: FetchMessageObject): string {
  if (message.modseq !== undefined) {
    return `modseq:${message.modseq.toString()}`;
  }
  return `flags:${[...(message.flags ?? [])].sort().join(' ')}`;
}
