import { createHash, randomBytes } from 'node:crypto';

/**
 * Identifiers of the mail side, shaped like Exchange Online's: store ids start with `AAMkA` (messages, folders,
 * attachments), conversation ids with `AAQkA`. A message change key is 30 bytes: a 4-byte item class (9 for a
 * message, so it starts `CQAAAB`), the length 22, the mailbox's fixed 16 bytes and a 6-byte counter, as in the
 * documented message payloads.
 */
const STORE_ID_PREFIX = 'AAMkA';
const CONVERSATION_ID_PREFIX = 'AAQkA';
const MESSAGE_CHANGE_KEY_HEAD = Buffer.from([0x09, 0, 0, 0, 0x16, 0, 0, 0]);

export function newMessageId(): string {
  return `${STORE_ID_PREFIX}${randomBytes(105).toString('base64url')}=`;
}

export function newFolderId(): string {
  return `${STORE_ID_PREFIX}${randomBytes(36).toString('base64url')}AAA=`;
}

export function newAttachmentId(): string {
  return `${STORE_ID_PREFIX}${randomBytes(120).toString('base64url')}=`;
}

/** Derive a thread's conversation id from the Message-ID that started it, so every reply lands in one conversation. */
export function conversationIdFor(rootKey: string): string {
  return `${CONVERSATION_ID_PREFIX}${createHash('sha256').update(rootKey).digest('base64url').slice(0, 40)}=`;
}

export function messageChangeKey(prefixBase64: string, counter: number): string {
  const tail = Buffer.alloc(6);
  tail.writeUIntBE(counter, 0, 6);
  return Buffer.concat([MESSAGE_CHANGE_KEY_HEAD, Buffer.from(prefixBase64, 'base64'), tail]).toString('base64');
}

/** `2018-09-09T03:15:08Z`: message times carry whole seconds, as in the documented message payloads. */
export function messageTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
