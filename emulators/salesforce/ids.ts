/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix + 12) and the 18-character form
 * that appends a 3-character checksum so the id survives case-insensitive systems.
 */
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** Key prefixes of the objects the emulator serves or references. */
export const KEY_PREFIX = {
  Event: '00U', User: '005', Organization: '00D', Contact: '003', Lead: '00Q', Account: '001', Opportunity: '006',
  Task: '00T', Case: '500', EventRelation: '0RE', EmailMessage: '02s', EmailMessageRelation: '0Rl',
  ContentVersion: '068', ContentDocument: '069', ContentDocumentLink: '06A',
} as const;

/** Computes the 3-character suffix: one character per 5-character chunk, one bit per upper-case letter. */
export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const ch = id15.charAt(chunk * 5 + i);
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/** Builds an 18-character id from a prefix and a sequence number; the pod part is fixed for the emulator's org. */
export function makeId(prefix: string, sequence: number): string {
  let body = '';
  let n = sequence;
  while (body.length < 8) {
    body = BASE62.charAt(n % 62) + body;
    n = Math.floor(n / 62);
  }
  const id15 = `${prefix}5g00${body}`;
  return id15 + checksumSuffix(id15);
}

/** True when the text has the shape of a record id (15 or 18 letters and digits). */
export function looksLikeId(text: string): boolean {
  return ID_SHAPE.test(text);
}

/**
 * Returns the canonical 18-character id, or null when the text is not a valid id: wrong shape, or an
 * 18-character id whose suffix does not match its first 15 characters.
 */
export function toId18(text: string): string | null {
  if (!looksLikeId(text)) return null;
  const id15 = text.slice(0, 15);
  const suffix = checksumSuffix(id15);
  if (text.length === 18 && text.slice(15).toUpperCase() !== suffix) return null;
  return id15 + suffix;
}
