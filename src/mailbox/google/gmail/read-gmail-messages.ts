import type { MailMessage } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { executeBatch, type BatchItem } from '../google-batch.ts';
import type { GmailContext } from './gmail-context.ts';
import type { GmailMessage } from './gmail-types.ts';
import { messageFromRaw } from './message-from-raw.ts';

export interface MessageSnapshot {
  readonly id: string;
  /** The message's history id, which moves when its labels change. */
  readonly version: string;
  readonly modifiedAt: string;
  readonly item: MailMessage;
}

/** Fetch messages in `raw` format through Gmail batches; a message deleted meanwhile (404) is left out. */
export async function fetchRawMessages(ctx: GmailContext, ids: readonly string[]): Promise<GmailMessage[]> {
  const unique = [...new Set(ids)];
  const items: BatchItem[] = unique.map((id, index) => ({ id: String(index), method: 'GET', path: `${ctx.userPath}/messages/${encodeURIComponent(id)}?format=raw`, idempotent: true, gmailMethod: 'messages.get' }));
  const outcomes = await executeBatch({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'messages.get' }, items);

  const messages: GmailMessage[] = [];
  unique.forEach((_id, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined || (!outcome.ok && outcome.failure.kind === 'notFound')) {
      return;
    }
    if (!outcome.ok) {
      throw new ConnectorError(outcome.failure);
    }
    messages.push(outcome.body as GmailMessage);
  });
  return messages;
}

export async function toSnapshot(ctx: GmailContext, message: GmailMessage): Promise<MessageSnapshot> {
  if (typeof message.raw !== 'string') {
    throw new ConnectorError({ kind: 'bug', code: 'MessageWithoutRaw', message: `Gmail returned message ${message.id} without its raw content` });
  }
  const labelIds = message.labelIds ?? [];
  const item = await messageFromRaw(Buffer.from(message.raw, 'base64url'), {
    threadId: message.threadId ?? null,
    internalDate: message.internalDate ?? null,
    folder: ctx.labels.roleOf(labelIds),
    isDraft: labelIds.includes('DRAFT'),
    categories: ctx.labels.userLabelNames(labelIds),
  });
  return { id: message.id, version: message.historyId ?? '', modifiedAt: item.receivedAt ?? new Date(0).toISOString(), item };
}

export async function readGmailMessages(ctx: GmailContext, ids: readonly string[]): Promise<Map<string, MessageSnapshot>> {
  await ctx.labels.load();
  const found = new Map<string, MessageSnapshot>();
  for (const message of await fetchRawMessages(ctx, ids)) {
    found.set(message.id, await toSnapshot(ctx, message));
  }
  return found;
}
