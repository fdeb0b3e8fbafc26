import type { MailAddress, MailMessage } from '../domain/email-message.ts';
import type { EmailRecordObject } from '../domain/email-saves.ts';
import type { LinkRequest, PersonRef, PersonRole } from '../domain/linking.ts';
import { mailboxKey, parseAddress } from '../linking/addresses.ts';
import { bulkReason } from './bulk-detection.ts';
import { messageText } from './html-text.ts';

interface LinkContext {
  readonly orgId: string;
  readonly ownerUserId: string;
  /** The mailbox the email was read from: its owner is never a person of the email to link or create. */
  readonly mailbox: { readonly address: string };
  readonly profile: { readonly sobject: EmailRecordObject };
}

/**
 * The linking request for an email: its sender and recipients, its text for signatures, and whether it is bulk.
 * The mailbox owner is left out, however their address is written (case, `+tag`), as for meetings: the email is
 * theirs, so they are neither linked as its person nor created as a Lead.
 */
export function linkRequest(message: MailMessage, context: LinkContext): LinkRequest {
  const owner = keyOf(context.mailbox.address);
  const people: PersonRef[] = [];
  const add = (role: PersonRole, person: MailAddress) => {
    const address = person.address.trim();
    if (address !== '' && (owner === null || keyOf(address) !== owner)) {
      people.push({ address, name: person.name, role });
    }
  };
  if (message.from !== null) {
    add('from', message.from);
  }
  message.to.forEach((person) => add('to', person));
  message.cc.forEach((person) => add('cc', person));
  message.bcc.forEach((person) => add('bcc', person));

  return {
    orgId: context.orgId,
    ownerUserId: context.ownerUserId,
    activity: context.profile.sobject,
    people,
    signatureText: messageText(message),
    isBulk: bulkReason(message.headers) !== null,
  };
}

function keyOf(address: string): string | null {
  const parsed = parseAddress(address);
  return parsed === null ? null : mailboxKey(parsed);
}
