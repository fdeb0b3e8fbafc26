import type { ItemSnapshot } from '../../../domain/connector.ts';
import type { MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import { dateOfMidnight, modifiedAtOf, nonEmpty, versionOf } from '../items/item-values.ts';
import { SYNC_ID_PROPERTY_ID } from '../sync-id-property.ts';
import { BUSINESS_FAX_PROPERTY_ID, contactPropertyValue } from './contact-properties.ts';
import type { GraphContact, GraphPhysicalAddress } from './graph-contact-types.ts';

/**
 * Map a Graph contact, read with its sync id and business fax expanded, to the canonical contact. Outlook keeps two
 * business and two home numbers; the canonical contact has one of each, the first.
 */
export function contactFromGraph(contact: GraphContact, mailboxTimeZone: string): MailboxContact {
  return {
    givenName: nonEmpty(contact.givenName),
    surname: nonEmpty(contact.surname),
    salutation: nonEmpty(contact.title),
    emails: (contact.emailAddresses ?? []).map((email) => nonEmpty(email.address)).filter((address): address is string => address !== null),
    phones: {
      business: firstNumber(contact.businessPhones),
      mobile: nonEmpty(contact.mobilePhone),
      home: firstNumber(contact.homePhones),
      businessFax: contactPropertyValue(contact, BUSINESS_FAX_PROPERTY_ID),
    },
    companyName: nonEmpty(contact.companyName),
    jobTitle: nonEmpty(contact.jobTitle),
    department: nonEmpty(contact.department),
    businessAddress: addressFromGraph(contact.businessAddress),
    homeAddress: addressFromGraph(contact.homeAddress),
    notes: notesFromGraph(contact.personalNotes),
    // Graph's birthday is a DateTimeOffset; clients store the day as midnight of some zone or as a mid-day instant.
    birthday: contact.birthday ? dateOfMidnight({ dateTime: contact.birthday, timeZone: 'UTC' }, mailboxTimeZone) : null,
    categories: (contact.categories ?? []).filter((category) => nonEmpty(category) !== null),
  };
}

export function contactSnapshot(contact: GraphContact, mailboxTimeZone: string): ItemSnapshot<MailboxContact> {
  return {
    id: contact.id,
    version: versionOf(contact),
    modifiedAt: modifiedAtOf(contact),
    syncId: contactPropertyValue(contact, SYNC_ID_PROPERTY_ID),
    item: contactFromGraph(contact, mailboxTimeZone),
  };
}

function firstNumber(numbers: readonly string[] | null | undefined): string | null {
  return (numbers ?? []).map(nonEmpty).find((number) => number !== null) ?? null;
}

/** An address with no part filled in, such as the `{}` Graph returns for an empty one, is no address. */
function addressFromGraph(address: GraphPhysicalAddress | null | undefined): PostalAddress | null {
  const result: PostalAddress = {
    street: nonEmpty(address?.street?.replace(/\r\n/g, '\n')),
    city: nonEmpty(address?.city),
    state: nonEmpty(address?.state),
    postalCode: nonEmpty(address?.postalCode),
    country: nonEmpty(address?.countryOrRegion),
  };
  return Object.values(result).every((part) => part === null) ? null : result;
}

function notesFromGraph(notes: string | null | undefined): string | null {
  return nonEmpty(notes?.replace(/\r\n/g, '\n').trimEnd());
}
