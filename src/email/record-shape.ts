import type { MailAddress, MailMessage } from '../domain/email-message.ts';
import type { LinkResult } from '../domain/linking.ts';
import { cutHtmlBody, cutShort, cutTextBody, joinAddresses } from './body-cut.ts';
import { messageText } from './html-text.ts';
import type { EmailOrgProfile, EmailRelation, RelationType } from './ports.ts';

/** Key prefixes of the records an EmailMessageRelation may point at: Contact, Lead, User. */
const PERSON_ID_PREFIXES = ['003', '00Q', '005'];

/** Lengths used when describe gives none; they are Salesforce's own (Object Reference, API version 62.0). */
const DEFAULT_LENGTHS: Readonly<Record<string, number>> = {
  Subject: 3000, ToAddress: 4000, CcAddress: 4000, BccAddress: 4000, TextBody: 131_072, HtmlBody: 131_072, Headers: 32_000,
  MessageIdentifier: 255, ThreadIdentifier: 255, FromName: 1000, Description: 32_000,
};

/** Task subjects are at most 255 characters. */
const TASK_SUBJECT_LENGTH = 255;

/** The mailbox and linking facts a record is shaped from. */
export interface ShapeContext {
  readonly profile: EmailOrgProfile;
  readonly outbound: boolean;
  readonly link: LinkResult | null;
  readonly ownerUserId: string;
  /** Lower case. */
  readonly ownerAddress: string;
  /** IANA zone of the mailbox owner, for the Task's due date. */
  readonly timeZone: string;
}

/** Standard fields of the EmailMessage (Enhanced Email) for a message. */
export function emailMessageValues(message: MailMessage, context: ShapeContext): Record<string, unknown> {
  const length = (field: string) => context.profile.fieldLengths[field] ?? DEFAULT_LENGTHS[field] ?? 255;
  const text = messageText(message);
  const messageId = message.internetMessageId?.trim() ?? '';
  const threadRoot = (message.references[0] ?? message.inReplyTo ?? message.internetMessageId ?? '').trim();
  const values: Record<string, unknown> = {
    Subject: cutShort(message.subject, length('Subject')),
    FromName: message.from?.name === null || message.from?.name === undefined ? null : cutShort(message.from.name, length('FromName')),
    ToAddress: joinAddresses(addresses(message.to), length('ToAddress')),
    CcAddress: joinAddresses(addresses(message.cc), length('CcAddress')),
    BccAddress: joinAddresses(addresses(message.bcc), length('BccAddress')),
    MessageDate: messageDate(message),
    // 3 is Sent. The read state of a received email is not in MailMessage, so it is stored as 1 (Read), not 0 (New).
    Status: context.outbound ? '3' : '1',
    Incoming: !context.outbound,
    TextBody: text === null ? null : cutTextBody(text, length('TextBody')),
    HtmlBody: message.bodyHtml === null ? null : cutHtmlBody(message.bodyHtml, length('HtmlBody')),
    // An id cut to fit would name another email, so an id longer than the field is left out.
    MessageIdentifier: messageId !== '' && messageId.length <= length('MessageIdentifier') ? messageId : null,
    ThreadIdentifier: threadRoot !== '' && threadRoot.length <= length('ThreadIdentifier') ? threadRoot : null,
    RelatedToId: context.link?.whatId ?? null,
  };
  if (isEmailAddress(message.from?.address)) {
    values.FromAddress = message.from!.address.trim();
  }
  // Salesforce documents Headers for received emails only.
  if (!context.outbound) {
    values.Headers = cutTextBody(headerBlock(message), length('Headers'));
  }
  return withoutNulls(values);
}

/** Fields of the completed Task that stands for the email where the org lacks Enhanced Email. */
export function emailTaskValues(message: MailMessage, context: ShapeContext): Record<string, unknown> {
  const descriptionLength = context.profile.fieldLengths.Description ?? DEFAULT_LENGTHS.Description!;
  const subjectLength = Math.min(context.profile.fieldLengths.Subject ?? TASK_SUBJECT_LENGTH, TASK_SUBJECT_LENGTH);
  const date = messageDate(message);
  const description = `${summaryLines(message).join('\n')}\n\n${messageText(message) ?? ''}`.trimEnd();
  return withoutNulls({
    Subject: cutShort(`Email: ${message.subject}`, subjectLength),
    Status: 'Completed',
    TaskSubtype: 'Email',
    Priority: 'Normal',
    ActivityDate: date === null ? null : localDate(date, context.timeZone),
    Description: cutTextBody(description, descriptionLength),
    WhoId: context.link?.whoId ?? null,
    WhatId: context.link?.whatId ?? null,
    OwnerId: context.ownerUserId,
  });
}

/**
 * The relations an email should have from this mailbox's copy: its sender and every recipient, each pointing at the
 * Contact, Lead or User linking found. The mailbox owner points at their own User, and an owner missing from the
 * headers (a blind copy) is added as a Bcc recipient.
 */
export function wantedRelations(message: MailMessage, link: LinkResult | null, ownerUserId: string, ownerAddress: string): EmailRelation[] {
  const relations: EmailRelation[] = [];
  const add = (type: RelationType, person: MailAddress) => {
    const address = person.address.trim().toLowerCase();
    if (!isEmailAddress(address) || relations.some((relation) => relation.type === type && relation.address === address)) {
      return;
    }
    relations.push({ type, address, relationId: personIdFor(address, link, ownerUserId, ownerAddress) });
  };

  if (message.from !== null) {
    add('FromAddress', message.from);
  }
  message.to.forEach((person) => add('ToAddress', person));
  message.cc.forEach((person) => add('CcAddress', person));
  message.bcc.forEach((person) => add('BccAddress', person));
  if (!relations.some((relation) => relation.address === ownerAddress)) {
    add('BccAddress', { address: ownerAddress, name: null });
  }
  return relations;
}

/** The send time of a message, else its receive time, as an ISO instant; null when neither is known. */
export function messageDate(message: MailMessage): string | null {
  const value = message.sentAt ?? message.receivedAt;
  if (value === null || Number.isNaN(Date.parse(value))) {
    return null;
  }
  return new Date(Date.parse(value)).toISOString();
}

function personIdFor(address: string, link: LinkResult | null, ownerUserId: string, ownerAddress: string): string | null {
  if (address === ownerAddress) {
    return ownerUserId;
  }
  const id = link?.byAddress[address] ?? null;
  return id !== null && PERSON_ID_PREFIXES.includes(id.slice(0, 3)) ? id : null;
}

function addresses(people: readonly MailAddress[]): string[] {
  return people.map((person) => person.address.trim()).filter(isEmailAddress);
}

function isEmailAddress(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && /^[^@\s]+@[^@\s]+$/.test(value.trim());
}

/** The header fields Syncline knows of a message, one `Name: value` line each. */
function headerBlock(message: MailMessage): string {
  const lines = summaryLines(message);
  if (message.internetMessageId !== null) {
    lines.push(`Message-ID: ${message.internetMessageId}`);
  }
  if (message.inReplyTo !== null) {
    lines.push(`In-Reply-To: ${message.inReplyTo}`);
  }
  if (message.references.length > 0) {
    lines.push(`References: ${message.references.join(' ')}`);
  }
  const written = new Set(lines.map((line) => line.slice(0, line.indexOf(':')).toLowerCase()));
  for (const [name, value] of Object.entries(message.headers)) {
    if (!written.has(name)) {
      lines.push(`${displayHeaderName(name)}: ${value}`);
    }
  }
  return lines.join('\n');
}

function summaryLines(message: MailMessage): string[] {
  const list = (people: readonly MailAddress[]) => people.map(formatAddress).join(', ');
  const lines: string[] = [];
  if (message.from !== null) {
    lines.push(`From: ${formatAddress(message.from)}`);
  }
  if (message.to.length > 0) {
    lines.push(`To: ${list(message.to)}`);
  }
  if (message.cc.length > 0) {
    lines.push(`Cc: ${list(message.cc)}`);
  }
  if (message.bcc.length > 0) {
    lines.push(`Bcc: ${list(message.bcc)}`);
  }
  const date = messageDate(message);
  if (date !== null) {
    lines.push(`Date: ${date}`);
  }
  lines.push(`Subject: ${message.subject}`);
  return lines;
}

function formatAddress(person: MailAddress): string {
  return person.name === null || person.name === '' ? person.address : `${person.name} <${person.address}>`;
}

function displayHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1)))
    .join('-');
}

function localDate(instant: string, timeZone: string): string {
  // en-CA formats a date as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined));
}
