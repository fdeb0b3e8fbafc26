import { randomBytes } from 'node:crypto';

/** Google Calendar event ids use base32hex: the letters a–v and the digits 0–9, 5 to 1024 characters. */
const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

export function newEventId(): string {
  return [...randomBytes(20)].map((byte) => BASE32HEX[byte % 32]).join('');
}

/** Gmail message, thread and history ids are 16 hexadecimal digits. */
export function newGmailId(): string {
  return randomBytes(8).toString('hex');
}

/** Tasks and task lists have opaque base64url ids of about 22 characters. */
export function newTaskId(): string {
  return randomBytes(16).toString('base64url');
}

/** People resource names are `people/c` followed by decimal digits. */
export function newPersonResourceName(): string {
  return `people/c${BigInt(`0x${randomBytes(8).toString('hex')}`).toString(10)}`;
}

export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

let etagCounter = 0;

/** Make a Calendar-style etag: a quoted decimal number that grows with every change. */
export function newNumericEtag(): string {
  etagCounter = (etagCounter + 1) % 1000;
  return `"${Date.now() * 1000 + etagCounter}"`;
}

/** Make a People- or Tasks-style etag: an opaque quoted string. */
export function newOpaqueEtag(): string {
  return `"${randomBytes(12).toString('base64url')}"`;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** Encode a small JSON value as an opaque token (sync or page); a tampered token decodes to null. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T>(token: string): T | null {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}
