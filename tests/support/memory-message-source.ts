import PostalMime, { type Address, type Email, type Mailbox } from 'postal-mime';
import type { Change, PullResult } from '../../src/domain/connector.ts';
import type { FolderRole, MailAddress, MailMessage, MessageScope, MessageSource } from '../../src/domain/email-message.ts';
import { ConnectorError } from '../../src/domain/errors.ts';

/**
 * A mailbox's messages held in memory, behind the MessageSource contract: a pull lists the messages changed since
 * the cursor (a change sequence number) in the scope's folders. Tests put messages, move them, expire the cursor,
 * and make reads fail.
 */
export class MemoryMessageSource implements MessageSource {
  calls = 0;
  /** Markers ensureMarkers was asked for, in order. */
  readonly markerCalls: { category: string; folderName: string }[] = [];
  private sequence = 0;
  private expireNextCursor = false;
  private readonly messages = new Map<string, { item: MailMessage; changedAt: number; attachments: Map<string, Uint8Array> }>();

  /** Add or replace a message; it is reported by the next pull. */
  put(id: string, item: MailMessage, attachments: ReadonlyMap<string, Uint8Array> = new Map()): void {
    this.sequence += 1;
    this.messages.set(id, { item, changedAt: this.sequence, attachments: new Map(attachments) });
  }

  /** Change a stored message (a move, a category) as the mailbox user would. */
  update(id: string, change: Partial<MailMessage>): void {
    const stored = this.messages.get(id);
    if (stored === undefined) {
      throw new Error(`No message ${id} in the memory mailbox`);
    }
    this.put(id, { ...stored.item, ...change }, stored.attachments);
  }

  expireCursor(): void {
    this.expireNextCursor = true;
  }

  async pullMessages(cursor: string | null, scope: MessageScope): Promise<PullResult<MailMessage>> {
    this.calls += 1;
    if (cursor !== null && this.expireNextCursor) {
      this.expireNextCursor = false;
      throw new ConnectorError({ kind: 'cursorExpired', code: 'syncStateNotFound', message: 'The delta token expired' });
    }
    const after = cursor === null ? 0 : Number(cursor);
    const changes: Change<MailMessage>[] = [];
    for (const [id, stored] of this.messages) {
      if (stored.changedAt > after && scope.folders.includes(stored.item.folder)) {
        changes.push({ kind: 'upsert', id, version: String(stored.changedAt), modifiedAt: new Date(0).toISOString(), syncId: null, item: stored.item });
      }
    }
    return { changes, nextCursor: String(this.sequence), isFullListing: cursor === null };
  }

  async readMessages(ids: readonly string[]) {
    this.calls += 1;
    const found = new Map<string, { id: string; version: string; item: MailMessage }>();
    for (const id of ids) {
      const stored = this.messages.get(id);
      if (stored !== undefined) {
        found.set(id, { id, version: String(stored.changedAt), item: stored.item });
      }
    }
    return found;
  }

  async readAttachment(messageId: string, attachmentId: string): Promise<Uint8Array> {
    this.calls += 1;
    const bytes = this.messages.get(messageId)?.attachments.get(attachmentId);
    if (bytes === undefined) {
      throw new ConnectorError({ kind: 'notFound', code: 'ErrorItemNotFound', message: `No attachment ${attachmentId} on message ${messageId}` });
    }
    return bytes;
  }

  async ensureMarkers(markers: { readonly category: string; readonly folderName: string }): Promise<void> {
    this.markerCalls.push({ ...markers });
  }
}

export interface ParsedEml {
  readonly message: MailMessage;
  readonly attachments: Map<string, Uint8Array>;
  readonly parsed: Email;
}

/** Build a MailMessage (and its attachment bytes) from raw RFC 5322 bytes, the way a mailbox connector reports it. */
export async function mailMessageFromEml(raw: Uint8Array, overrides: Partial<MailMessage> = {}): Promise<ParsedEml> {
  const parsed = await PostalMime.parse(raw);
  const attachments = new Map<string, Uint8Array>();
  const infos = parsed.attachments.map((attachment, index) => {
    const id = `att-${index}`;
    const bytes = typeof attachment.content === 'string' ? new TextEncoder().encode(attachment.content) : new Uint8Array(attachment.content);
    attachments.set(id, bytes);
    return {
      id,
      name: attachment.filename ?? '',
      contentType: attachment.mimeType,
      size: bytes.byteLength,
      isInline: attachment.disposition === 'inline' || attachment.related === true,
      contentId: attachment.contentId ?? null,
    };
  });
  const headers: Record<string, string> = {};
  for (const header of parsed.headers) {
    headers[header.key] ??= header.value;
  }
  const date = parsed.date !== undefined && !Number.isNaN(Date.parse(parsed.date)) ? new Date(parsed.date).toISOString() : null;
  const message: MailMessage = {
    internetMessageId: parsed.messageId ?? null,
    conversationId: null,
    inReplyTo: parsed.inReplyTo ?? null,
    references: (parsed.references ?? '').split(/\s+/).filter((part) => part !== ''),
    subject: parsed.subject ?? '',
    from: parsed.from === undefined ? null : (mailboxesOf([parsed.from])[0] ?? null),
    to: mailboxesOf(parsed.to ?? []),
    cc: mailboxesOf(parsed.cc ?? []),
    bcc: mailboxesOf(parsed.bcc ?? []),
    sentAt: date,
    receivedAt: date,
    bodyText: parsed.text ?? null,
    bodyHtml: parsed.html ?? null,
    headers,
    categories: [],
    folder: 'inbox' as FolderRole,
    isDraft: false,
    attachments: infos,
    ...overrides,
  };
  return { message, attachments, parsed };
}

/** List the mailboxes of an address list, with the members of groups. */
export function mailboxesOf(addresses: readonly Address[]): MailAddress[] {
  return addresses
    .flatMap((address): Mailbox[] => ('group' in address && Array.isArray(address.group) ? address.group : [address as Mailbox]))
    .filter((mailbox) => typeof mailbox.address === 'string' && mailbox.address !== '')
    .map((mailbox) => ({ address: mailbox.address, name: mailbox.name === '' ? null : mailbox.name }));
}
