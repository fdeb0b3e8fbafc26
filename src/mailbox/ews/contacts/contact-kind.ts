import type { ContactPhones, MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import type { EwsItemKind } from '../items/item-kind.ts';
import { syncIdProperty } from '../items/sync-id-property.ts';
import {
  bodyTextOf,
  bodyXml,
  categoriesOf,
  deleteExtendedField,
  deleteIndexedField,
  deleteItemField,
  invalidValue,
  setExtendedField,
  setIndexedField,
  setItemField,
  stringsXml,
  textOf,
} from '../items/ews-values.ts';
import { child, children, type XmlNode } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';

/** The name prefix (`Dr.`) has no EWS element; it is the MAPI property PidTagDisplayNamePrefix. */
const SALUTATION_FIELD_URI = element('t:ExtendedFieldURI', { PropertyTag: '0x3A45', PropertyType: 'String' });

/** Exchange keeps three email address slots per contact. */
const EMAIL_KEYS = ['EmailAddress1', 'EmailAddress2', 'EmailAddress3'] as const;
const PHONE_KEYS: Readonly<Record<keyof ContactPhones, string>> = { business: 'BusinessPhone', mobile: 'MobilePhone', home: 'HomePhone', businessFax: 'BusinessFax' };
const ADDRESS_PARTS: readonly (readonly [keyof PostalAddress, string])[] = [
  ['street', 'Street'],
  ['city', 'City'],
  ['state', 'State'],
  ['country', 'CountryOrRegion'],
  ['postalCode', 'PostalCode'],
];

const CONTACT_FIELD_URIS = [
  'item:Body',
  'item:Categories',
  'item:LastModifiedTime',
  'item:DateTimeCreated',
  'contacts:GivenName',
  'contacts:Surname',
  'contacts:CompanyName',
  'contacts:JobTitle',
  'contacts:Department',
  'contacts:Birthday',
  'contacts:EmailAddresses',
  'contacts:PhoneNumbers',
  'contacts:PhysicalAddresses',
];

/** Contacts of the default Contacts folder. */
export function contactKind(): EwsItemKind<MailboxContact> {
  return {
    label: 'contact',
    folder: 'contacts',
    fieldUris: CONTACT_FIELD_URIS,
    extraShape: [SALUTATION_FIELD_URI],
    writeAttributes: { create: {}, update: {}, delete: {} },
    toItem: contactFromEws,
    createXml: contactXml,
    updateParts: contactUpdateParts,
  };
}

function contactFromEws(node: XmlNode): MailboxContact {
  const emails = entries(node, 'EmailAddresses');
  const phones = entries(node, 'PhoneNumbers');
  return {
    givenName: textOf(node, 'GivenName'),
    surname: textOf(node, 'Surname'),
    salutation: salutationOf(node),
    emails: EMAIL_KEYS.map((key) => emails.get(key)?.text.trim() ?? '').filter((email) => email !== ''),
    phones: {
      business: phoneOf(phones, 'business'),
      mobile: phoneOf(phones, 'mobile'),
      home: phoneOf(phones, 'home'),
      businessFax: phoneOf(phones, 'businessFax'),
    },
    companyName: textOf(node, 'CompanyName'),
    jobTitle: textOf(node, 'JobTitle'),
    department: textOf(node, 'Department'),
    businessAddress: addressOf(entries(node, 'PhysicalAddresses').get('Business')),
    homeAddress: addressOf(entries(node, 'PhysicalAddresses').get('Home')),
    notes: bodyTextOf(node),
    birthday: birthdayOf(textOf(node, 'Birthday')),
    categories: categoriesOf(node),
  };
}

function entries(node: XmlNode, list: string): Map<string, XmlNode> {
  return new Map(children(child(node, list), 'Entry').map((entry) => [entry.attributes.Key ?? '', entry]));
}

function phoneOf(phones: Map<string, XmlNode>, key: keyof ContactPhones): string | null {
  const value = phones.get(PHONE_KEYS[key])?.text.trim();
  return value ? value : null;
}

function addressOf(entry: XmlNode | undefined): PostalAddress | null {
  if (entry === undefined) {
    return null;
  }
  const address = Object.fromEntries(ADDRESS_PARTS.map(([field, name]) => [field, textOf(entry, name)])) as unknown as PostalAddress;
  return Object.values(address).every((value) => value === null) ? null : address;
}

function salutationOf(node: XmlNode): string | null {
  for (const property of children(node, 'ExtendedProperty')) {
    if (child(property, 'ExtendedFieldURI')?.attributes.PropertyTag?.toLowerCase() === '0x3a45') {
      return textOf(property, 'Value');
    }
  }
  return null;
}

/**
 * The birthday's date. Exchange stores it as an instant: midnight UTC when written through EWS, the user's local
 * midnight when written by Outlook. The nearest UTC midnight gives the date for every zone from -12 to +12 hours.
 */
function birthdayOf(value: string | null): string | null {
  const ms = value === null ? Number.NaN : Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms + 12 * 3600_000).toISOString().slice(0, 10);
}

function birthdayXml(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw invalidValue('birthday', date, 'a date such as 1981-03-09');
  }
  return textElement('t:Birthday', `${date}T00:00:00Z`);
}

/** The `t:Contact` of a CreateItem, its elements in schema order. */
function contactXml(contact: MailboxContact, syncId: string): string {
  const displayName = [contact.givenName, contact.surname].filter((part) => part !== null && part !== '').join(' ');
  return element(
    't:Contact',
    {},
    bodyXml(contact.notes ?? ''),
    contact.categories.length > 0 ? stringsXml('t:Categories', contact.categories) : '',
    syncIdProperty(syncId),
    contact.salutation === null ? '' : element('t:ExtendedProperty', {}, SALUTATION_FIELD_URI, textElement('t:Value', contact.salutation)),
    displayName === '' ? '' : textElement('t:DisplayName', displayName),
    optional('t:GivenName', contact.givenName),
    optional('t:CompanyName', contact.companyName),
    emailsXml(contact.emails),
    addressesXml(contact),
    phonesXml(contact.phones),
    contact.birthday === null ? '' : birthdayXml(contact.birthday),
    optional('t:Department', contact.department),
    optional('t:JobTitle', contact.jobTitle),
    optional('t:Surname', contact.surname),
  );
}

function optional(name: string, value: string | null): string {
  return value === null || value === '' ? '' : textElement(name, value);
}

function emailsXml(emails: readonly string[]): string {
  const present = EMAIL_KEYS.slice(0, emails.length).map((key, index) => textElement('t:Entry', emails[index] as string, { Key: key }));
  return present.length === 0 ? '' : element('t:EmailAddresses', {}, ...present);
}

function phonesXml(phones: ContactPhones): string {
  const present = (Object.keys(PHONE_KEYS) as (keyof ContactPhones)[]).flatMap((field) => {
    const value = phones[field];
    return value === null || value === '' ? [] : [textElement('t:Entry', value, { Key: PHONE_KEYS[field] })];
  });
  return present.length === 0 ? '' : element('t:PhoneNumbers', {}, ...present);
}

function addressesXml(contact: MailboxContact): string {
  const present = (
    [
      ['Business', contact.businessAddress],
      ['Home', contact.homeAddress],
    ] as const
  ).flatMap(([key, address]) => (address === null ? [] : [element('t:Entry', { Key: key }, ...ADDRESS_PARTS.map(([field, name]) => optional(`t:${name}`, address[field])))]));
  return present.length === 0 ? '' : element('t:PhysicalAddresses', {}, ...present);
}

function contactUpdateParts(patch: Partial<MailboxContact>): { updates: string[]; skipped: string[] } {
  const updates: string[] = [];
  const setText = (uri: string, name: string, value: string | null | undefined) => {
    if (value === undefined) return;
    updates.push(value === null || value === '' ? deleteItemField(uri) : setItemField(uri, 't:Contact', textElement(name, value)));
  };

  setText('contacts:GivenName', 't:GivenName', patch.givenName);
  setText('contacts:Surname', 't:Surname', patch.surname);
  setText('contacts:CompanyName', 't:CompanyName', patch.companyName);
  setText('contacts:JobTitle', 't:JobTitle', patch.jobTitle);
  setText('contacts:Department', 't:Department', patch.department);
  if (patch.notes !== undefined) updates.push(setItemField('item:Body', 't:Contact', bodyXml(patch.notes ?? '')));
  if (patch.birthday !== undefined) updates.push(patch.birthday === null ? deleteItemField('contacts:Birthday') : setItemField('contacts:Birthday', 't:Contact', birthdayXml(patch.birthday)));
  if (patch.categories !== undefined) {
    updates.push(patch.categories.length === 0 ? deleteItemField('item:Categories') : setItemField('item:Categories', 't:Contact', stringsXml('t:Categories', patch.categories)));
  }
  if (patch.salutation !== undefined) {
    updates.push(patch.salutation === null || patch.salutation === '' ? deleteExtendedField(SALUTATION_FIELD_URI) : setExtendedField(SALUTATION_FIELD_URI, 't:Contact', patch.salutation));
  }
  if (patch.emails !== undefined) updates.push(...emailUpdates(patch.emails));
  if (patch.phones !== undefined) updates.push(...phoneUpdates(patch.phones));
  if (patch.businessAddress !== undefined) updates.push(...addressUpdates('Business', patch.businessAddress));
  if (patch.homeAddress !== undefined) updates.push(...addressUpdates('Home', patch.homeAddress));

  const skipped = patch.emails !== undefined && patch.emails.length > EMAIL_KEYS.length ? ['emails beyond the third'] : [];
  return { updates, skipped };
}

function emailUpdates(emails: readonly string[]): string[] {
  return EMAIL_KEYS.map((key, index) => {
    const email = emails[index];
    return email === undefined || email === ''
      ? deleteIndexedField('contacts:EmailAddress', key)
      : setIndexedField('contacts:EmailAddress', key, 't:Contact', element('t:EmailAddresses', {}, textElement('t:Entry', email, { Key: key })));
  });
}

function phoneUpdates(phones: ContactPhones): string[] {
  return (Object.keys(PHONE_KEYS) as (keyof ContactPhones)[]).map((field) => {
    const value = phones[field];
    const key = PHONE_KEYS[field];
    return value === null || value === ''
      ? deleteIndexedField('contacts:PhoneNumber', key)
      : setIndexedField('contacts:PhoneNumber', key, 't:Contact', element('t:PhoneNumbers', {}, textElement('t:Entry', value, { Key: key })));
  });
}

function addressUpdates(key: 'Business' | 'Home', address: PostalAddress | null): string[] {
  return ADDRESS_PARTS.map(([field, name]) => {
    const value = address?.[field] ?? null;
    const uri = `contacts:PhysicalAddress:${name}`;
    return value === null || value === ''
      ? deleteIndexedField(uri, key)
      : setIndexedField(uri, key, 't:Contact', element('t:PhysicalAddresses', {}, element('t:Entry', { Key: key }, textElement(`t:${name}`, value))));
  });
}
