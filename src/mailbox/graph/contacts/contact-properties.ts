import { odataString, SYNC_ID_PROPERTY_ID } from '../sync-id-property.ts';
import type { GraphContact } from './graph-contact-types.ts';

/**
 * The extended properties the contact connector reads and writes. The sync id uses the same named property as
 * events. Graph v1.0 has no fax property on contact, so the business fax is the MAPI property
 * PidTagBusinessFaxNumber (tag 0x3A24, a string), which Outlook shows as "Business fax".
 */
export const BUSINESS_FAX_PROPERTY_ID = 'String 0x3A24';

/** `$expand` that brings the sync id and the business fax along with a contact, and no other extended data. */
export const EXPAND_CONTACT_PROPERTIES = `$expand=${encodeURIComponent(
  `singleValueExtendedProperties($filter=id eq ${odataString(SYNC_ID_PROPERTY_ID)} or id eq ${odataString(BUSINESS_FAX_PROPERTY_ID)})`,
)}`;

/** Read an extended property of a contact; null when it is absent or empty. */
export function contactPropertyValue(contact: GraphContact, propertyId: string): string | null {
  const expectedId = propertyId.toLowerCase();
  // Graph may echo the id with other letter case in the GUID or tag.
  const property = contact.singleValueExtendedProperties?.find((candidate) => candidate.id.toLowerCase() === expectedId);
  const value = property?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}
