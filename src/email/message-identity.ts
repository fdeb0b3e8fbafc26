import { createHash } from 'node:crypto';
import type { MailMessage } from '../domain/email-message.ts';
import { messageText } from './html-text.ts';

/** Characters of the body that the fingerprint covers, after whitespace is collapsed. */
const FINGERPRINT_BODY_CHARS = 500;
/** Characters of the subject that the fingerprint covers: Salesforce may cut longer subjects. */
const FINGERPRINT_SUBJECT_CHARS = 255;

/**
 * Normalize a Message-ID for comparison: comments, folding whitespace and angle brackets removed, lower case. RFC
 * 5322 compares the left part case-sensitively, but gateways that change its case are more common than two emails
 * whose ids differ only in case. Returns null for a value that contains no id.
 */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  const withoutComments = value.replace(/\([^()]*\)/g, '');
  const bracketed = /<([^<>]+)>/.exec(withoutComments);
  const id = (bracketed?.[1] ?? withoutComments).replace(/\s+/g, '').toLowerCase();
  return id === '' ? null : id;
}

/** List every Message-ID that References or In-Reply-To values name, normalized, in order, without repeats. */
export function listMessageIds(values: readonly string[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    const bracketed = value.match(/<[^<>]+>/g);
    for (const part of bracketed ?? [value]) {
      const id = normalizeMessageId(part);
      if (id !== null && !ids.includes(id)) {
        ids.push(id);
      }
    }
  }
  return ids;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Hash a normalized Message-ID, as the registry stores and compares it. */
export function messageIdHash(normalizedId: string): string {
  return sha256Hex(`message-id:${normalizedId}`);
}

/**
 * Compute the content fingerprint, the identity of an email without a usable Message-ID: sender address, send time
 * to the second, subject and the start of the text body, each normalized.
 */
export function contentFingerprint(message: MailMessage): string {
  return sha256Hex([...headerParts(message), `body:${collapse(messageText(message) ?? '').slice(0, FINGERPRINT_BODY_CHARS)}`].join('\n'));
}

/**
 * Compute the header fingerprint: sender address, send time to the second and subject. A Message-ID registered with another
 * header fingerprint was reused for another email. The body is left out because copies of one email differ there:
 * a disclaimer that the mail server appends is in the recipients' copies, not in the sender's Sent Items.
 */
export function headerFingerprint(message: MailMessage): string {
  return sha256Hex(headerParts(message).join('\n'));
}

/**
 * Leading tags that a mail gateway adds to the subject of one copy only, such as `[EXTERNAL]` or `[SPAM]`: bracketed,
 * at most 20 characters each.
 */
const GATEWAY_TAGS = /^(?:\s*\[[^\]]{1,20}\]\s*)+/u;

function headerParts(message: MailMessage): string[] {
  // The send time only: the receive time differs from one recipient's copy to the next.
  const sent = message.sentAt;
  const subject = collapse(message.subject).replace(GATEWAY_TAGS, '');
  return [
    `from:${(message.from?.address ?? '').trim().toLowerCase()}`,
    `date:${sent === null ? '' : secondPrecision(sent)}`,
    `subject:${subject.slice(0, FINGERPRINT_SUBJECT_CHARS)}`,
  ];
}

/** Prefix of the keys that come from a Message-ID. */
export const MESSAGE_ID_KEY_PREFIX = 'm-';

/** Return the External ID value for an email known by its Message-ID. */
export function keyFromMessageId(normalizedId: string): string {
  return `${MESSAGE_ID_KEY_PREFIX}${messageIdHash(normalizedId)}`;
}

/** Return the External ID value for an email known by its content only. */
export function keyFromFingerprint(fingerprint: string): string {
  return `f-${fingerprint}`;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function secondPrecision(instant: string): string {
  const ms = Date.parse(instant);
  return Number.isNaN(ms) ? instant : new Date(Math.floor(ms / 1000) * 1000).toISOString();
}
