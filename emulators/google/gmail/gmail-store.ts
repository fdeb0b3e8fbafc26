import { GoogleApiError, invalid } from '../google-error.ts';
import { decodeToken, encodeToken, newGmailId } from '../ids.ts';
import type { PushDelivery } from '../push-delivery.ts';
import { HISTORY_TYPES, type HistoryRecord, type HistoryType, type MessageRecord, type UserState } from '../state.ts';

/**
 * One user's Gmail: messages with their labels, and the history of changes. Every change takes the next history id
 * and is recorded, so `history.list` from a stored id returns what happened since. Gmail keeps history for a limited
 * time; `expireHistory` makes every earlier id too old, so `history.list` returns 404 for it.
 */

export interface NewMessage {
  readonly raw: Buffer;
  readonly labelIds: readonly string[];
  readonly internalDate: number;
  readonly messageIdHeader: string | null;
  readonly referencedIds: readonly string[];
  readonly snippet: string;
  readonly seedKey: string;
}

export function addMessage(user: UserState, message: NewMessage, push: PushDelivery): MessageRecord {
  checkLabels(user, message.labelIds);
  const historyId = nextHistoryId(user);
  const record: MessageRecord = {
    id: newGmailId(),
    threadId: threadOf(user, message.referencedIds),
    labelIds: [...new Set(message.labelIds)],
    raw: message.raw.toString('base64url'),
    internalDate: String(message.internalDate),
    historyId,
    snippet: message.snippet,
    sizeEstimate: message.raw.length,
    messageIdHeader: message.messageIdHeader,
    referencedIds: [...message.referencedIds],
    seedKey: message.seedKey,
    deleted: false,
  };
  user.gmail.messages[record.id] = record;
  appendHistory(user, { id: historyId, type: 'messageAdded', messageId: record.id, threadId: record.threadId, labelIds: record.labelIds });
  push.gmailChanged(user, historyId, record.labelIds);
  return record;
}

/** Replace a message's bytes (a seed file that changed); Gmail has no such call, so it is recorded as deleted and added. */
export function replaceMessage(user: UserState, existing: MessageRecord, message: NewMessage, push: PushDelivery): MessageRecord {
  deleteMessage(user, existing.id, push);
  return addMessage(user, { ...message, labelIds: existing.labelIds }, push);
}

export function deleteMessage(user: UserState, id: string, push: PushDelivery): void {
  const message = getMessage(user, id);
  message.deleted = true;
  const historyId = nextHistoryId(user);
  appendHistory(user, { id: historyId, type: 'messageDeleted', messageId: id, threadId: message.threadId, labelIds: message.labelIds });
  push.gmailChanged(user, historyId, message.labelIds);
}

export function getMessage(user: UserState, id: string): MessageRecord {
  const message = user.gmail.messages[id];
  if (!message || message.deleted) {
    throw new GoogleApiError(404, 'notFound', 'Requested entity was not found.');
  }
  return message;
}

export function changeLabels(user: UserState, id: string, add: readonly string[], remove: readonly string[], push: PushDelivery): MessageRecord {
  const message = getMessage(user, id);
  checkLabels(user, [...add, ...remove]);
  const added = add.filter((label) => !message.labelIds.includes(label));
  const removed = remove.filter((label) => message.labelIds.includes(label) && !add.includes(label));
  if (added.length === 0 && removed.length === 0) {
    return message;
  }

  message.labelIds = [...message.labelIds.filter((label) => !removed.includes(label)), ...added];
  const historyId = nextHistoryId(user);
  message.historyId = historyId;
  if (added.length > 0) appendHistory(user, { id: historyId, type: 'labelAdded', messageId: id, threadId: message.threadId, labelIds: added });
  if (removed.length > 0) appendHistory(user, { id: historyId, type: 'labelRemoved', messageId: id, threadId: message.threadId, labelIds: removed });
  push.gmailChanged(user, historyId, [...added, ...removed, ...message.labelIds]);
  return message;
}

/** Forget the history so far: every history id issued until now is too old for `history.list`. */
export function expireHistory(user: UserState): number {
  user.gmail.historyFloor = user.gmail.historyId + 1;
  user.gmail.history = [];
  return user.gmail.historyFloor;
}

interface HistoryPageToken {
  readonly after: number;
  readonly upTo: number;
}

export function listHistory(user: UserState, params: URLSearchParams): Record<string, unknown> {
  const start = Number(params.get('startHistoryId') ?? Number.NaN);
  if (!Number.isInteger(start) || start < 0) {
    throw invalid('Invalid startHistoryId: expected the historyId of a message or of a previous history.list response.');
  }
  if (start < user.gmail.historyFloor) {
    throw new GoogleApiError(404, 'notFound', 'Requested entity was not found.');
  }

  const types = params.getAll('historyTypes').filter((type): type is HistoryType => (HISTORY_TYPES as readonly string[]).includes(type));
  const labelId = params.get('labelId');
  const maxResults = Math.min(Math.max(Number(params.get('maxResults') ?? 100) || 100, 1), 500);
  const pageToken = params.get('pageToken');
  const page = pageToken === null ? null : decodeToken<HistoryPageToken>(pageToken);
  const after = page?.after ?? start;
  const upTo = page?.upTo ?? user.gmail.historyId;

  const ids = [...new Set(user.gmail.history.filter((entry) => entry.id > after && entry.id <= upTo && matches(user, entry, types, labelId)).map((entry) => entry.id))].sort((a, b) => a - b);
  const pageIds = ids.slice(0, maxResults);
  const history = pageIds.map((id) => historyEntry(user, id, types, labelId));
  const body: Record<string, unknown> = { historyId: String(upTo) };
  if (history.length > 0) body.history = history;
  if (ids.length > maxResults) body.nextPageToken = encodeToken({ after: pageIds[pageIds.length - 1] ?? after, upTo } satisfies HistoryPageToken);
  return body;
}

function matches(user: UserState, entry: HistoryRecord, types: readonly HistoryType[], labelId: string | null): boolean {
  if (types.length > 0 && !types.includes(entry.type)) {
    return false;
  }
  return labelId === null || (user.gmail.messages[entry.messageId]?.labelIds ?? entry.labelIds).includes(labelId);
}

function historyEntry(user: UserState, id: number, types: readonly HistoryType[], labelId: string | null): Record<string, unknown> {
  const entries = user.gmail.history.filter((entry) => entry.id === id && matches(user, entry, types, labelId));
  const messageOf = (entry: HistoryRecord) => ({ id: entry.messageId, threadId: entry.threadId, labelIds: user.gmail.messages[entry.messageId]?.labelIds ?? entry.labelIds });
  const result: Record<string, unknown> = { id: String(id), messages: entries.map((entry) => ({ id: entry.messageId, threadId: entry.threadId })) };
  const added = entries.filter((entry) => entry.type === 'messageAdded').map((entry) => ({ message: messageOf(entry) }));
  const deleted = entries.filter((entry) => entry.type === 'messageDeleted').map((entry) => ({ message: messageOf(entry) }));
  const labelsAdded = entries.filter((entry) => entry.type === 'labelAdded').map((entry) => ({ message: messageOf(entry), labelIds: entry.labelIds }));
  const labelsRemoved = entries.filter((entry) => entry.type === 'labelRemoved').map((entry) => ({ message: messageOf(entry), labelIds: entry.labelIds }));
  if (added.length > 0) result.messagesAdded = added;
  if (deleted.length > 0) result.messagesDeleted = deleted;
  if (labelsAdded.length > 0) result.labelsAdded = labelsAdded;
  if (labelsRemoved.length > 0) result.labelsRemoved = labelsRemoved;
  return result;
}

export function checkLabels(user: UserState, labelIds: readonly string[]): void {
  const unknown = labelIds.find((label) => !user.gmail.labels[label]);
  if (unknown !== undefined) {
    throw invalid(`Invalid label: ${unknown}`);
  }
}

/** Return the id of the user label with this name, and create the label when it is missing. */
export function ensureUserLabel(user: UserState, name: string): string {
  const existing = labelByName(user, name);
  if (existing !== null) {
    return existing;
  }
  const id = `Label_${Object.keys(user.gmail.labels).length + 1}`;
  user.gmail.labels[id] = { id, name, type: 'user', messageListVisibility: 'show', labelListVisibility: 'labelShow' };
  return id;
}

export function labelByName(user: UserState, name: string): string | null {
  const wanted = name.toLowerCase();
  return Object.values(user.gmail.labels).find((label) => label.name.toLowerCase() === wanted)?.id ?? null;
}

function nextHistoryId(user: UserState): number {
  user.gmail.historyId += 1;
  return user.gmail.historyId;
}

function appendHistory(user: UserState, entry: HistoryRecord): void {
  user.gmail.history.push(entry);
}

/** Gmail threads a reply with the message it references; the emulator follows In-Reply-To and References. */
function threadOf(user: UserState, referencedIds: readonly string[]): string {
  const referenced = new Set(referencedIds);
  const parent = Object.values(user.gmail.messages).find((message) => message.messageIdHeader !== null && referenced.has(message.messageIdHeader));
  return parent?.threadId ?? newGmailId();
}
