import type { ExtendedProperty } from './event-record.ts';
import type { LoggedItem } from './item-log.ts';

/** Text properties of a contact, in the order of the documented contact resource. */
export const CONTACT_TEXT_PROPERTIES = [
  'fileAs',
  'displayName',
  'givenName',
  'initials',
  'middleName',
  'nickName',
  'surname',
  'title',
  'yomiGivenName',
  'yomiSurname',
  'yomiCompanyName',
  'generation',
  'jobTitle',
  'companyName',
  'department',
  'officeLocation',
  'profession',
  'businessHomePage',
  'assistantName',
  'manager',
  'mobilePhone',
  'spouseName',
  'personalNotes',
] as const;
export type ContactTextProperty = (typeof CONTACT_TEXT_PROPERTIES)[number];

export const CONTACT_ADDRESS_PROPERTIES = ['homeAddress', 'businessAddress', 'otherAddress'] as const;
export type ContactAddressProperty = (typeof CONTACT_ADDRESS_PROPERTIES)[number];

export const CONTACT_LIST_PROPERTIES = ['categories', 'imAddresses', 'homePhones', 'businessPhones', 'children'] as const;
export type ContactListProperty = (typeof CONTACT_LIST_PROPERTIES)[number];

/** A physicalAddress; a property the client never set is absent, and an empty address renders as `{}`. */
export type PhysicalAddress = Partial<Record<'street' | 'city' | 'state' | 'countryOrRegion' | 'postalCode', string>>;

/** A folder of contacts; the default one is also reachable by the well-known name `contacts`. */
export interface ContactFolderRecord {
  id: string;
  ownerId: string;
  parentFolderId: string;
  displayName: string;
  isDefault: boolean;
}

/** One contact as the emulator stores it. */
export interface ContactRecord extends LoggedItem {
  text: Record<ContactTextProperty, string | null>;
  lists: Record<ContactListProperty, string[]>;
  addresses: Record<ContactAddressProperty, PhysicalAddress>;
  emailAddresses: { name: string; address: string }[];
  /** ISO instant; Graph's birthday is a DateTimeOffset. */
  birthday: string | null;
  /** Name properties the client never wrote; they follow the name parts, as Outlook fills them in. */
  derived: { displayName: boolean; fileAs: boolean };
  extendedProperties: ExtendedProperty[];
  /** vCard UID of a seeded contact, so seeding the same card again updates it; the emulator's own, never rendered. */
  seedUid: string | null;
}
