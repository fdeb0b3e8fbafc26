import ICAL from 'ical.js';
import type { MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import { requireCalendarDate, setCategories } from '../ical/ical-write.ts';
import { readContact, typesOf } from './contact-from-vcard.ts';

/**
 * Write the fields present in `patch` onto a vCard, keeping its version and every property Syncline does not map.
 * N, FN and ORG are rewritten from the whole contact, so a patch of one name part keeps the others.
 */
export function applyContactPatch(card: ICAL.Component, patch: Partial<MailboxContact>): void {
  const version = String(card.getFirstPropertyValue('version') ?? '3.0');
  const contact = { ...readContact(card).item, ...patch };

  if (patch.givenName !== undefined || patch.surname !== undefined || patch.salutation !== undefined) {
    card.updatePropertyWithValue('n', [contact.surname ?? '', contact.givenName ?? '', '', contact.salutation ?? '', '']);
  }
  // FN is required in both versions.
  const formatted = [contact.givenName, contact.surname].filter((part) => part !== null && part !== '').join(' ') || contact.companyName || contact.emails[0] || '';
  card.updatePropertyWithValue('fn', formatted);
  if (patch.companyName !== undefined || patch.department !== undefined) {
    setOrRemove(card, 'org', contact.companyName === null && contact.department === null ? null : [contact.companyName ?? '', contact.department ?? '']);
  }
  if (patch.jobTitle !== undefined) {
    setOrRemove(card, 'title', patch.jobTitle);
  }
  if (patch.notes !== undefined) {
    setOrRemove(card, 'note', patch.notes);
  }
  if (patch.emails !== undefined) {
    card.removeAllProperties('email');
    patch.emails.forEach((address, index) => card.addProperty(typed('email', address, index === 0 ? ['internet', 'pref'] : ['internet'], version)));
  }
  if (patch.phones !== undefined) {
    replacePhones(card, patch.phones, version);
  }
  if (patch.businessAddress !== undefined) {
    replaceAddress(card, 'work', patch.businessAddress, version);
  }
  if (patch.homeAddress !== undefined) {
    replaceAddress(card, 'home', patch.homeAddress, version);
  }
  if (patch.birthday !== undefined) {
    setBirthday(card, patch.birthday);
  }
  if (patch.categories !== undefined) {
    setCategories(card, patch.categories);
  }
  card.removeAllProperties('rev');
  // REV is a date-time in vCard 3.0 and a timestamp in 4.0.
  card.addProperty(new ICAL.Property(['rev', {}, version === '4.0' ? 'timestamp' : 'date-time', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')]));
}

const PHONE_TYPES = { business: ['work', 'voice'], mobile: ['cell', 'voice'], home: ['home', 'voice'], businessFax: ['work', 'fax'] } as const;

function replacePhones(card: ICAL.Component, phones: MailboxContact['phones'], version: string): void {
  // Only the numbers Syncline maps are replaced; a pager or a second mobile stays.
  for (const property of card.getAllProperties('tel')) {
    const types = typesOf(property);
    const mapped = types.includes('cell') || (types.includes('fax') && types.includes('work')) || (!types.includes('fax') && (types.includes('work') || types.includes('home')));
    if (mapped) {
      card.removeProperty(property);
    }
  }
  for (const [slot, types] of Object.entries(PHONE_TYPES) as [keyof typeof PHONE_TYPES, readonly string[]][]) {
    const number = phones[slot];
    if (number !== null && number.trim() !== '') {
      card.addProperty(typed('tel', number, types, version));
    }
  }
}

function replaceAddress(card: ICAL.Component, type: 'work' | 'home', address: PostalAddress | null, version: string): void {
  card.getAllProperties('adr').filter((property) => typesOf(property).includes(type)).forEach((property) => card.removeProperty(property));
  if (address === null) {
    return;
  }
  const property = new ICAL.Property('adr', card);
  property.setParameter('type', version === '4.0' ? type : type.toUpperCase());
  property.setValue(['', '', address.street ?? '', address.city ?? '', address.state ?? '', address.postalCode ?? '', address.country ?? ''] as unknown as string);
  card.addProperty(property);
}

function setBirthday(card: ICAL.Component, birthday: string | null): void {
  card.removeAllProperties('bday');
  if (birthday === null) {
    return;
  }
  requireCalendarDate(birthday, 'birthday');
  card.addPropertyWithValue('bday', ICAL.VCardTime.fromDateAndOrTimeString(birthday, 'date'));
}

/** vCard 3.0 writes types as `TYPE=WORK,VOICE`, 4.0 as lower-case values. */
function typed(name: string, value: string, types: readonly string[], version: string): ICAL.Property {
  const property = new ICAL.Property(name);
  property.setParameter('type', types.map((type) => (version === '4.0' ? type : type.toUpperCase())));
  property.setValue(value);
  return property;
}

function setOrRemove(card: ICAL.Component, name: string, value: string | string[] | null): void {
  card.removeAllProperties(name);
  if (value === null || value === '') {
    return;
  }
  const property = new ICAL.Property(name, card);
  property.setValue(value as string);
  card.addProperty(property);
}
