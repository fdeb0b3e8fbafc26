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

/** UIDs per FETCH of flags and header blocks, which are a few kilobytes each. */
const HEADER_CHUNK = 500;

/**
 * Fetch messages of the selected folder by UID and build their snapshots; UIDs no longer there are skipped. With
 * `bodies: 'marked'` the flags and header blocks come first, and only the messages that can be saved (in the
 * Salesforce folder, or carrying the keyword or category) are fetched in full. The others get no body and no
 * attachments, so a flag change on a large message does not download it again.
 */
export async function fetchSnapshots(
  ctx: ImapContext,
  client: ImapFlow,
  uids: readonly number[],
  folder: FolderRole,
  bodies: 'all' | 'marked' = 'all',
): Promise<ItemSnapshot<MailMessage>[]> {
  const mailbox = client.mailbox as MailboxObject;
  const uidValidity = mailbox.uidValidity.toString();
  const snapshots: ItemSnapshot<MailMessage>[] = [];

  let whole = [...uids];
  if (bodies === 'marked' && folder !== 'salesforce') {
    whole = [];
    for (let start = 0; start < uids.length; start += HEADER_CHUNK) {
      ctx.calls += 1;
      const fetched = await client.fetchAll(uids.slice(start, start + HEADER_CHUNK), { uid: true, flags: true, internalDate: true, headers: true }, { uid: true });
      for (const message of fetched) {
        if (isMarked(message.flags, ctx)) {
          whole.push(message.uid);
        } else {
          snapshots.push(await snapshotOf(ctx, message, message.headers ?? new Uint8Array(), mailbox.path, uidValidity, folder, false));
        }
      }
    }
  }

  for (let start = 0; start < whole.length; start += FETCH_CHUNK) {
    const chunk = whole.slice(start, start + FETCH_CHUNK);
    ctx.calls += 1;
    const fetched = await client.fetchAll(chunk, { uid: true, flags: true, internalDate: true, source: true }, { uid: true });
    for (const message of fetched) {
      snapshots.push(await snapshotOf(ctx, message, message.source ?? new Uint8Array(), mailbox.path, uidValidity, folder, true));
    }
  }
  return snapshots;
}

/** True when the flags hold the Salesforce keyword, or a keyword named like the Salesforce category. */
function isMarked(flags: ReadonlySet<string> | undefined, ctx: ImapContext): boolean {
  const wanted = new Set([ctx.keyword.toLowerCase(), ctx.salesforceCategory.trim().toLowerCase()]);
  return [...(flags ?? [])].some((flag) => wanted.has(flag.trim().toLowerCase()));
}

async function snapshotOf(
  ctx: ImapContext,
  message: FetchMessageObject,
  source: Uint8Array,
  path: string,
  uidValidity: string,
  folder: FolderRole,
  whole: boolean,
): Promise<ItemSnapshot<MailMessage>> {
  const flags = message.flags ?? new Set<string>();
  const parsed = await messageFromMime({
    source,
    flags,
    internalDate: message.internalDate ?? null,
    folder,
    keyword: ctx.keyword,
    category: ctx.salesforceCategory,
  });
  // A header block parses as a message with an empty body, so the body fields are set to null (not read).
  const item: MailMessage = whole ? parsed : { ...parsed, bodyText: null, bodyHtml: null, attachments: [] };
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
