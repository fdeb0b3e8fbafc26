import { DateTime } from 'luxon';
import type { ContactAddressProperty, ContactFolderRecord, ContactListProperty, ContactRecord, ContactTextProperty, PhysicalAddress } from './contact-record.ts';
import { CONTACT_ADDRESS_PROPERTIES, CONTACT_LIST_PROPERTIES, CONTACT_TEXT_PROPERTIES } from './contact-record.ts';
import { propertyKey } from './event-input.ts';
import { readExtendedProperties } from './event-input-values.ts';
import { badRequest } from './graph-error.ts';
import { InputReader } from './item-input.ts';

const reader = new InputReader('BadRequest');
const ADDRESS_FIELDS = ['street', 'city', 'state', 'countryOrRegion', 'postalCode'] as const;

/** Written by the server; a client sending them back (a read-modify-write) is tolerated and ignored. */
const IGNORED = new Set(['id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'parentFolderId']);

export function createContactRecord(folder: ContactFolderRecord, body: unknown): ContactRecord {
  const input = reader.object(body, 'body');
  const contact: ContactRecord = {
    id: '',
    ownerId: folder.ownerId,
    containerId: folder.id,
    seq: 0,
    createdSeq: 0,
    deleted: false,
    changeKey: '',
    createdDateTime: '',
    lastModifiedDateTime: '',
    text: Object.fromEntries(CONTACT_TEXT_PROPERTIES.map((name) => [name, null])) as ContactRecord['text'],
    lists: Object.fromEntries(CONTACT_LIST_PROPERTIES.map((name) => [name, []])) as unknown as ContactRecord['lists'],
    addresses: { homeAddress: {}, businessAddress: {}, otherAddress: {} },
    emailAddresses: [],
    birthday: null,
    derived: { displayName: true, fileAs: true },
    extendedProperties: [],
    seedUid: null,
  };
  patchContactRecord(contact, input);
  return contact;
}

/** Apply a PATCH: only the properties sent change; an address is replaced as a whole. */
export function patchContactRecord(contact: ContactRecord, body: unknown): void {
  const input = reader.object(body, 'body');
  for (const [key, value] of Object.entries(input)) {
    if (IGNORED.has(key) || key.startsWith('@odata.')) {
      continue;
    }
    writeProperty(contact, key, value);
  }
  deriveNames(contact);
}

function writeProperty(contact: ContactRecord, key: string, value: unknown): void {
  if ((CONTACT_TEXT_PROPERTIES as readonly string[]).includes(key)) {
    const name = key as ContactTextProperty;
    contact.text[name] = reader.nullableString(value, key);
    if (name === 'displayName' || name === 'fileAs') {
      contact.derived[name] = contact.text[name] === null;
    }
    return;
  }
  if ((CONTACT_LIST_PROPERTIES as readonly string[]).includes(key)) {
    contact.lists[key as ContactListProperty] = value === null ? [] : reader.stringArray(value, key);
    return;
  }
  if ((CONTACT_ADDRESS_PROPERTIES as readonly string[]).includes(key)) {
    contact.addresses[key as ContactAddressProperty] = readAddress(value, key);
    return;
  }

  switch (key) {
    case 'emailAddresses':
      contact.emailAddresses = readEmailAddresses(value);
      return;
    case 'birthday':
      contact.birthday = readBirthday(value);
      return;
    case 'singleValueExtendedProperties':
      mergeProperties(contact, readExtendedProperties(value));
      return;
    default:
      throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.contact'; send only contact properties.`, 'RequestBodyRead');
  }
}

function readAddress(value: unknown, property: string): PhysicalAddress {
  if (value === null) {
    return {};
  }

  const input = reader.object(value, property);
  const address: PhysicalAddress = {};
  for (const [key, field] of Object.entries(input)) {
    if (!(ADDRESS_FIELDS as readonly string[]).includes(key)) {
      throw badRequest(`Property '${property}.${key}' does not exist on type 'microsoft.graph.physicalAddress'; use ${ADDRESS_FIELDS.join(', ')}.`, 'RequestBodyRead');
    }
    if (field !== null) {
      address[key as (typeof ADDRESS_FIELDS)[number]] = reader.string(field, `${property}.${key}`);
    }
  }
  return address;
}

function readEmailAddresses(value: unknown): ContactRecord['emailAddresses'] {
  if (value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw reader.error("Property 'emailAddresses' needs an array of { name, address }.");
  }

  return value.map((entry: unknown, index) => {
    const email = reader.object(entry, `emailAddresses[${index}]`);
    const address = reader.string(email.address, `emailAddresses[${index}].address`);
    const name = email.name === undefined || email.name === null ? address : reader.string(email.name, `emailAddresses[${index}].name`);
    return { name, address };
  });
}

/** Read a date (`1974-07-22`) or a date-time with offset as a UTC instant. */
function readBirthday(value: unknown): string | null {
  if (value === null) {
    return null;
  }

  const text = reader.string(value, 'birthday');
  const parsed = DateTime.fromISO(text, { zone: 'UTC', setZone: true });
  if (!parsed.isValid) {
    throw reader.error(`Property 'birthday' ${JSON.stringify(text)} is not a date or date-time like 1974-07-22T00:00:00Z.`);
  }
  return parsed.toUTC().toISO({ suppressMilliseconds: true }) as string;
}

function mergeProperties(contact: ContactRecord, incoming: ContactRecord['extendedProperties']): void {
  for (const property of incoming) {
    const key = propertyKey(property.id);
    const existing = contact.extendedProperties.find((candidate) => propertyKey(candidate.id) === key);
    if (existing) {
      existing.value = property.value;
    } else {
      contact.extendedProperties.push({ ...property });
    }
  }
}

function deriveNames(contact: ContactRecord): void {
  const { givenName, middleName, surname } = contact.text;
  if (contact.derived.displayName) {
    const parts = [givenName, middleName, surname].filter((part): part is string => part !== null && part !== '');
    contact.text.displayName = parts.length > 0 ? parts.join(' ') : null;
  }
  if (contact.derived.fileAs) {
    const firstNames = [givenName, middleName].filter((part): part is string => part !== null && part !== '').join(' ');
    contact.text.fileAs = surname && firstNames ? `${surname}, ${firstNames}` : surname || firstNames || null;
  }
}
