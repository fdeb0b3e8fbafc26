import type { FolderRole, MailMessage } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { executeBatch, type BatchItem } from '../graph-batch.ts';
import type { GraphPage } from '../graph-types.ts';
import type { GraphAttachment, GraphMessage } from './graph-mail-types.ts';
import type { MailContext } from './mail-context.ts';
import { messageFromGraph } from './message-from-graph.ts';
import { ATTACHMENT_SELECT, MAIL_PREFERENCES, messageQuery } from './message-query.ts';

/** One message as the source hands it out: its id, its version (Graph changeKey) and the canonical message. */
export interface MessageSnapshot {
  readonly id: string;
  readonly version: string;
  readonly modifiedAt: string;
  readonly item: MailMessage;
}

const BATCH_HEADERS = { Prefer: MAIL_PREFERENCES.join(', ') };

/** Read messages by id through `$batch`; an id that Graph no longer has (or cannot parse) is left out. */
export async function readGraphMessages(ctx: MailContext, ids: readonly string[]): Promise<Map<string, GraphMessage>> {
  const unique = [...new Set(ids)];
  const query = messageQuery().toString();
  const requests: BatchItem[] = unique.map((id, index) => ({
    id: String(index),
    method: 'GET',
    url: `${ctx.client.userPath}/messages/${encodeURIComponent(id)}?${query}`,
    headers: BATCH_HEADERS,
    idempotent: true,
  }));
  const outcomes = await executeBatch(ctx.client.batch, requests);

  const found = new Map<string, GraphMessage>();
  unique.forEach((id, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      return;
    }
    if (outcome.ok) {
      found.set(id, { ...(outcome.body as GraphMessage), id });
      return;
    }
    // A malformed id cannot name an existing message either.
    if (outcome.failure.kind === 'notFound' || outcome.failure.code === 'ErrorInvalidIdMalformed') {
      return;
    }
    throw new ConnectorError(outcome.failure);
  });
  return found;
}

/**
 * Read the attachment list of each message that may have one. `hasAttachments` leaves out inline parts, so a message
 * whose HTML refers to a `cid:` part is asked too (message resource, hasAttachments).
 */
export async function readAttachmentLists(ctx: MailContext, messages: readonly GraphMessage[]): Promise<Map<string, GraphAttachment[]>> {
  const wanted = messages.filter(mayHaveAttachments);
  const requests: BatchItem[] = wanted.map((message, index) => ({
    id: String(index),
    method: 'GET',
    url: `${ctx.client.userPath}/messages/${encodeURIComponent(message.id)}/attachments?$select=${ATTACHMENT_SELECT}`,
    idempotent: true,
  }));
  const outcomes = requests.length === 0 ? new Map() : await executeBatch(ctx.client.batch, requests);

  const lists = new Map<string, GraphAttachment[]>();
  wanted.forEach((message, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      return;
    }
    if (outcome.ok) {
      lists.set(message.id, [...((outcome.body as GraphPage<GraphAttachment> | null)?.value ?? [])]);
      return;
    }
    // The message was deleted between the two reads; the next pull no longer lists it.
    if (outcome.failure.kind !== 'notFound') {
      throw new ConnectorError(outcome.failure);
    }
  });
  return lists;
}

function mayHaveAttachments(message: GraphMessage): boolean {
  if (message.hasAttachments === true) {
    return true;
  }
  return message.body?.contentType?.toLowerCase() === 'html' && /\bcid:/i.test(message.body.content ?? '');
}

/** Snapshots of whole Graph messages, attachment lists read in one more batch. */
export async function toSnapshots(ctx: MailContext, messages: readonly GraphMessage[], roleOf: (message: GraphMessage) => FolderRole): Promise<MessageSnapshot[]> {
  const attachments = await readAttachmentLists(ctx, messages);
  return messages.map((message) => ({
    id: message.id,
    version: message.changeKey ?? '',
    modifiedAt: new Date(Date.parse(message.lastModifiedDateTime ?? message.receivedDateTime ?? '') || 0).toISOString(),
    item: messageFromGraph(message, roleOf(message), attachments.get(message.id) ?? []),
  }));
}

/** `MessageSource.readMessages`: whole messages by id with their folder role. */
export async function readMessages(ctx: MailContext, ids: readonly string[]): Promise<Map<string, MessageSnapshot>> {
  await ctx.folders.resolve(['inbox', 'sent', 'drafts', ...(ctx.folders.salesforceFolderName === null ? [] : (['salesforce'] as const))]);
  const messages = await readGraphMessages(ctx, ids);
  const snapshots = await toSnapshots(ctx, [...messages.values()], (message) => ctx.folders.roleOf(message.parentFolderId));
  return new Map(snapshots.map((snapshot) => [snapshot.id, snapshot]));
}
