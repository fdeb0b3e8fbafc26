import { GraphError } from './graph-error.ts';
import type { MessageRecord, Recipient } from './mail-record.ts';

/**
 * PATCH of a message (api/message-update.md). Categories, read state, importance, flag, focused/other and the
 * receipt requests can change on any message. Subject, body and recipients can change only on a draft, because
 * Exchange rejects them on a message that was sent or received.
 */
const DRAFT_ONLY = new Set(['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo']);

export function patchMessageRecord(message: MessageRecord, input: unknown): void {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new GraphError(400, 'BadRequest', 'Send a JSON object with the message properties to change.');
  }

  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (DRAFT_ONLY.has(key) && !message.isDraft) {
      throw new GraphError(400, 'ErrorInvalidPropertyUpdateSentMessage', `Update operation is not supported for the property '${key}' on a sent or received message; only drafts can change it.`);
    }
    applyProperty(message, key, value);
  }
}

function applyProperty(message: MessageRecord, key: string, value: unknown): void {
  switch (key) {
    case 'categories':
      message.categories = readStrings(value, key);
      return;
    case 'isRead':
      message.isRead = readBoolean(value, key);
      return;
    case 'isReadReceiptRequested':
      message.isReadReceiptRequested = readBoolean(value, key);
      return;
    case 'isDeliveryReceiptRequested':
      message.isDeliveryReceiptRequested = readBoolean(value, key);
      return;
    case 'importance':
      message.importance = readEnum(value, key, ['low', 'normal', 'high'] as const);
      return;
    case 'inferenceClassification':
      message.inferenceClassification = readEnum(value, key, ['focused', 'other'] as const);
      return;
    case 'flag':
      message.flag = { flagStatus: readEnum((value as { flagStatus?: unknown } | null)?.flagStatus, 'flag.flagStatus', ['notFlagged', 'flagged', 'complete'] as const) };
      return;
    case 'subject':
      message.subject = readString(value, key);
      return;
    case 'body':
      message.body = readBody(value);
      return;
    case 'toRecipients':
    case 'ccRecipients':
    case 'bccRecipients':
    case 'replyTo':
      message[key] = readRecipients(value, key);
      return;
    default:
      throw new GraphError(400, 'BadRequest', `The property '${key}' cannot be changed on type 'microsoft.graph.message', or does not exist.`);
  }
}

function readString(value: unknown, property: string): string {
  if (typeof value !== 'string') {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs a string, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function readBoolean(value: unknown, property: string): boolean {
  if (typeof value !== 'boolean') {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs true or false, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function readStrings(value: unknown, property: string): string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs an array of strings, got ${JSON.stringify(value)}.`);
  }
  return [...(value as string[])];
}

function readEnum<T extends string>(value: unknown, property: string, allowed: readonly T[]): T {
  const found = typeof value === 'string' ? allowed.find((option) => option.toLowerCase() === value.toLowerCase()) : undefined;
  if (found === undefined) {
    throw new GraphError(400, 'BadRequest', `Property '${property}' must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return found;
}

function readBody(value: unknown): MessageRecord['body'] {
  const body = (value ?? {}) as { contentType?: unknown; content?: unknown };
  const contentType = readEnum(body.contentType ?? 'text', 'body.contentType', ['text', 'html'] as const);
  return { contentType, content: readString(body.content ?? '', 'body.content') };
}

function readRecipients(value: unknown, property: string): Recipient[] {
  if (!Array.isArray(value)) {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs an array of recipients, got ${JSON.stringify(value)}.`);
  }

  return value.map((entry: unknown, index) => {
    const address = (entry as { emailAddress?: { address?: unknown; name?: unknown } } | null)?.emailAddress;
    if (typeof address?.address !== 'string' || address.address === '') {
      throw new GraphError(400, 'ErrorInvalidRecipients', `${property}[${index}] needs emailAddress.address.`);
    }
    const name = typeof address.name === 'string' && address.name !== '' ? address.name : address.address;
    return { emailAddress: { name, address: address.address } };
  });
}
