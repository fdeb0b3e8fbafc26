import { randomBytes } from 'node:crypto';

/**
 * Identifiers shaped like Exchange Online's. Immutable event ids are about 150 characters of URL-safe base64
 * that start with `AAMkA`. Change keys are 22 bytes of standard base64: the first 16 bytes are the same for
 * every item of a mailbox and the tail grows with every edit, as the documented delta responses show.
 */
const EVENT_ID_PREFIX = 'AAMkA';

export function newEventId(): string {
  return `${EVENT_ID_PREFIX}${randomBytes(105).toString('base64url')}=`;
}

/** A well-formed id starts like every Exchange store id; anything else is rejected as malformed, as Graph does. */
export function isWellFormedEventId(id: string): boolean {
  return id.startsWith(EVENT_ID_PREFIX) && /^[A-Za-z0-9_=-]+$/.test(id) && id.length >= 12;
}

export function newChangeKeyPrefix(): string {
  return randomBytes(16).toString('base64');
}

export function changeKeyFor(prefixBase64: string, counter: number): string {
  const tail = Buffer.alloc(6);
  tail.writeUIntBE(counter, 0, 6);
  return Buffer.concat([Buffer.from(prefixBase64, 'base64'), tail]).toString('base64');
}

/** Outlook's iCalUId: the fixed Outlook class id, then a random global object id in upper-case hex. */
export function newICalUId(): string {
  const fixed = '040000008200E00074C5B7101A82E00800000000';
  return `${fixed}${randomBytes(36).toString('hex').toUpperCase()}`;
}

export function newUserId(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `2017-04-15T03:00:50.7579581Z`: Graph's seven fractional digits. */
export function graphTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}Z`;
}
