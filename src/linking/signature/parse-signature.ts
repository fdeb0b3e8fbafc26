import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { foldName, isNameToken, localPartTokens, parseDisplayName, splitPersonName } from '../names.ts';
import {
  hasEmail, hasLegalForm, isAddressLine, isClientLine, isDisclaimer, isLegal, isProse, isSeparator, isValediction,
  websiteOf, withoutLinkTails,
} from './line-kinds.ts';
import { hasPhoneLabel, phonesOfLine } from './phone-lines.ts';
import { stripQuotedText } from './quoted-text.ts';

/** The sender's details found in a message; each field is null when the text does not give it. */
export interface SignatureFields {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly title: string | null;
  readonly company: string | null;
  /** E.164 numbers. */
  readonly phone: string | null;
  readonly mobilePhone: string | null;
  readonly fax: string | null;
  /** Host and path without scheme, e.g. `www.example.com`. */
  readonly website: string | null;
}

/** The sender of the text, by which the signature's name line is recognised. */
export interface SignatureHints {
  readonly address: string | null;
  readonly displayName: string | null;
  /**
   * Country for numbers written without a country code when the address's top-level domain names none (`.com`,
   * `.org`): `linking.defaultPhoneRegion`, default US.
   */
  readonly defaultRegion?: CountryCode;
}

export const EMPTY_SIGNATURE: SignatureFields = {
  firstName: null, lastName: null, title: null, company: null, phone: null, mobilePhone: null, fax: null, website: null,
};

/** Country of numbers without a country code when neither the address nor the settings name one. */
export const DEFAULT_PHONE_REGION: CountryCode = 'US';

/** Maximum lines a signature block spans after its opening line; later lines are footers or noise. */
const MAX_BLOCK_LINES = 30;
const GOOGLE_INVITATION = /Invitation from Google Calendar|^~~\/\/~~$/m;
/** Conference dial-in details: their numbers belong to the meeting service, not to a person. */
const MEETING_INFO = /^(?:join (?:by phone|with google meet|microsoft teams|zoom meeting|on your computer)|meeting id|conference id|dial[- ]in|or call in|more phone numbers|einwahl|join the meeting)/i;

/**
 * Parse the signature of a plain-text message or invitation: the sender's name, title, company, phone numbers and
 * website. Quoted replies, forwarded headers, disclaimers and legal footers are never read as the signature.
 */
export function parseSignature(text: string, hints: SignatureHints): SignatureFields {
  if (GOOGLE_INVITATION.test(text)) {
    return parseGoogleInvitation(text);
  }
  const lines = cutMeetingInfo(stripQuotedText(text));
  const start = findBlockStart(lines, hints);
  if (start === null) {
    return EMPTY_SIGNATURE;
  }
  return readBlock(lines.slice(start.index, start.index + MAX_BLOCK_LINES), hints, start.nameRequired);
}

interface BlockStart {
  readonly index: number;
  /** True when the block was found by a name line, so the first text line must be that name. */
  readonly nameRequired: boolean;
}

/**
 * Find where the signature begins: after the last `-- ` delimiter, else after the last closing phrase ("Best
 * regards"), else after a separator line followed by a name, else at the last line that names the sender.
 */
function findBlockStart(lines: readonly string[], hints: SignatureHints): BlockStart | null {
  const delimiter = findLast(lines, (line) => line === '-- ' || line.trim() === '--');
  if (delimiter !== null) {
    return { index: delimiter + 1, nameRequired: false };
  }
  const valediction = findLast(lines, isValediction);
  if (valediction !== null) {
    return { index: valediction + 1, nameRequired: false };
  }
  const separator = findLast(lines, (line, index) => /^[-_=]{3,}$/.test(line.trim()) && nameLineAt(lines, index + 1, hints));
  if (separator !== null) {
    return { index: separator + 1, nameRequired: false };
  }
  const tail = Math.max(0, lines.length - 12);
  const named = findLast(lines, (line, index) => index >= tail && matchesSender(line, hints));
  return named === null ? null : { index: named, nameRequired: true };
}

function nameLineAt(lines: readonly string[], from: number, hints: SignatureHints): boolean {
  const next = lines.slice(from).find((line) => line.trim() !== '');
  return next !== undefined && nameFromLine(next, hints) !== null;
}

interface BlockReader {
  fields: { -readonly [K in keyof SignatureFields]: SignatureFields[K] };
  /** The index of the line that held the name, and of the title line after it. */
  nameLine: number | null;
  titleLine: number | null;
  companyLine: number | null;
  textLinesSeen: number;
}

function readBlock(block: readonly string[], hints: SignatureHints, nameRequired: boolean): SignatureFields {
  const reader: BlockReader = { fields: { ...EMPTY_SIGNATURE }, nameLine: null, titleLine: null, companyLine: null, textLinesSeen: 0 };
  const country = countryOfAddress(hints.address) ?? hints.defaultRegion ?? DEFAULT_PHONE_REGION;

  for (const [index, raw] of block.entries()) {
    const line = raw.trim();
    if (line === '' || isSeparator(line) || isClientLine(line) || isLegal(line)) {
      continue;
    }
    if (isDisclaimer(line) || (reader.textLinesSeen > 0 && isProse(line))) {
      break;
    }
    if (readContactLine(reader, line, country)) {
      continue;
    }
    readTextLine(reader, index, withoutLinkTails(line).replace(/^-(?=\p{L})/u, ''), block, hints);
    if (nameRequired && reader.nameLine === null) {
      return EMPTY_SIGNATURE;
    }
  }
  return reader.fields;
}

/** Read a phone, website, address or email line; returns false for any other line. */
function readContactLine(reader: BlockReader, line: string, country: CountryCode | undefined): boolean {
  const phones = phonesOfLine(line, country);
  for (const phone of phones) {
    const key = phone.kind === 'mobile' ? 'mobilePhone' : phone.kind;
    reader.fields[key] ??= phone.e164;
  }
  if (phones.length > 0 || hasPhoneLabel(line)) {
    return true;
  }
  const website = websiteOf(line);
  if (website !== null) {
    reader.fields.website ??= website;
    return true;
  }
  return hasEmail(line) || isAddressLine(line) || /https?:\/\//i.test(line);
}

/** Read a line of words: the name first, then the title right under it, then the company. */
function readTextLine(reader: BlockReader, index: number, line: string, block: readonly string[], hints: SignatureHints): void {
  reader.textLinesSeen += 1;
  const fields = reader.fields;

  if (reader.nameLine === null && reader.textLinesSeen === 1) {
    const named = nameWithTitle(line, hints);
    if (named !== null) {
      fields.firstName = named.firstName;
      fields.lastName = named.lastName;
      fields.title = named.title;
      reader.nameLine = index;
      reader.titleLine = named.title === null ? null : index;
    }
    return;
  }

  const rightUnder = (above: number | null) => above !== null && index === above + 1;
  const words = line.split(/\s+/).length;
  if (fields.company === null && hasLegalForm(line) && words <= 8) {
    fields.company = joinContinuation(line, block[index + 1]);
    reader.companyLine = index;
    return;
  }
  if (fields.title === null && rightUnder(reader.nameLine) && words <= 8 && line.length <= 80) {
    fields.title = line;
    reader.titleLine = index;
    return;
  }
  if (fields.company === null && rightUnder(reader.titleLine) && words <= 5 && /^\p{Lu}/u.test(line)) {
    fields.company = line;
    reader.companyLine = index;
  }
}

/** Join a company name split over two lines after `&` or `& Co.` (`Example Service AG & Co.` / `Management OHG`). */
function joinContinuation(line: string, next: string | undefined): string {
  const following = next?.trim() ?? '';
  if (/&(?:\s*Co\.?)?$/.test(line) && following !== '' && hasLegalForm(following) && following.split(/\s+/).length <= 4) {
    return `${line} ${following}`;
  }
  return line;
}

interface NamedLine {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly title: string | null;
}

/** Read the name on a line, or on its part before a comma when the rest is a title (`Ann Lee, Account Manager`). */
function nameWithTitle(line: string, hints: SignatureHints): NamedLine | null {
  const whole = nameFromLine(line, hints);
  if (whole !== null) {
    return { ...whole, title: null };
  }
  const comma = line.indexOf(',');
  if (comma <= 0) {
    return null;
  }
  const before = line.slice(0, comma);
  const after = line.slice(comma + 1).trim();
  if (!matchesSender(before, hints) || after === '' || after.split(/\s+/).length > 8) {
    return null;
  }
  const named = nameFromLine(before, hints);
  return named === null ? null : { ...named, title: after };
}

/**
 * Read the name a line contains: one to four name tokens. Lower-case names count only when they name the sender; a single
 * word counts only as the sender's first name. Lists of people ("John & Marc") are no name.
 */
function nameFromLine(line: string, hints: SignatureHints): { firstName: string | null; lastName: string | null } | null {
  const text = line.trim().replace(/[,;]$/, '');
  if (/[&+/]|\b(?:and|und|et|y)\b/i.test(text) || isValediction(text)) {
    return null;
  }
  const tokens = text.split(/\s+/);
  if (tokens.length < 1 || tokens.length > 4 || !tokens.every(isNameToken)) {
    return null;
  }
  const sender = matchesSender(text, hints);
  const capitalized = tokens.every((token) => /^\p{Lu}/u.test(token));
  if (tokens.length === 1) {
    return sender ? { firstName: tokens[0]!, lastName: null } : null;
  }
  if (!sender && !capitalized) {
    return null;
  }
  const localPart = hints.address === null ? null : hints.address.slice(0, hints.address.indexOf('@'));
  const name = splitPersonName(text, localPart);
  return name === null ? null : { firstName: name.firstName, lastName: name.lastName };
}

/** True when a token of the line is a token of the sender's display name or of their address's local part. */
function matchesSender(line: string, hints: SignatureHints): boolean {
  const senderTokens = new Set<string>();
  const localPart = hints.address === null ? null : hints.address.slice(0, hints.address.indexOf('@'));
  const display = parseDisplayName(hints.displayName, localPart);
  for (const part of [display.name?.firstName, display.name?.lastName]) {
    for (const token of (part ?? '').split(/\s+/)) {
      foldName(token).forEach((folded) => senderTokens.add(folded));
    }
  }
  for (const token of localPart === null ? [] : localPartTokens(localPart)) {
    senderTokens.add(token);
  }
  senderTokens.delete('');
  return line.trim().split(/\s+/).some((token) => isNameToken(token) && foldName(token).some((folded) => folded.length >= 2 && senderTokens.has(folded)));
}

/** Read the organizer's name from a Google Calendar invitation; its dial-in numbers are the meeting's, not a person's. */
function parseGoogleInvitation(text: string): SignatureFields {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((line) => line.trim());
  const organizer = lines.findIndex((line) => /^organi[sz]er$/i.test(line));
  const nameLine = organizer === -1 ? undefined : lines.slice(organizer + 1).find((line) => line !== '');
  const name = nameLine === undefined ? null : splitPersonName(nameLine);
  return name === null ? EMPTY_SIGNATURE : { ...EMPTY_SIGNATURE, firstName: name.firstName, lastName: name.lastName };
}

function cutMeetingInfo(lines: readonly string[]): string[] {
  const index = lines.findIndex((line) => MEETING_INFO.test(line.trim()));
  return index === -1 ? [...lines] : lines.slice(0, index);
}

/** Return the country a ccTLD names (`.de` gives DE, `.uk` gives GB), for numbers written without a country code. */
function countryOfAddress(address: string | null): CountryCode | undefined {
  const tld = address?.slice(address.lastIndexOf('.') + 1).toUpperCase() ?? '';
  const code = tld === 'UK' ? 'GB' : tld;
  return code.length === 2 && isSupportedCountry(code) ? code : undefined;
}

function findLast(lines: readonly string[], test: (line: string, index: number) => boolean): number | null {
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if (test(lines[index]!, index)) {
      return index;
    }
  }
  return null;
}
