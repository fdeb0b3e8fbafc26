import type ICAL from 'ical.js';
import type { ContactPhones, MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import { SYNC_ID_PROPERTY } from '../dav/dav-kind.ts';
import { categoriesOf } from '../ical/vevent.ts';

const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

/** Read the canonical contact, its sync id and modification time from a vCard 3.0 or 4.0. */
export function readContact(card: ICAL.Component): { syncId: string | null; modifiedAt: string; item: MailboxContact } {
  const name = structured(card, 'n');
  const org = structured(card, 'org');
  return {
    syncId: text(card, SYNC_ID_PROPERTY),
    modifiedAt: revisionOf(card),
    item: {
      givenName: nonEmpty(name[1]),
      surname: nonEmpty(name[0]),
      salutation: nonEmpty(name[3]),
      emails: emailsOf(card),
      phones: phonesOf(card),
      companyName: nonEmpty(org[0]),
      jobTitle: text(card, 'title'),
      department: nonEmpty(org[1]),
      businessAddress: addressOf(card, 'work'),
      homeAddress: addressOf(card, 'home'),
      notes: text(card, 'note'),
      birthday: birthdayOf(card),
      categories: categoriesOf(card),
    },
  };
}

/** TYPE values of a property in lower case, whether written `TYPE=a,b`, `TYPE=a;TYPE=b` or `TYPE="a,b"`. */
export function typesOf(property: ICAL.Property): string[] {
  const value: unknown = property.getParameter('type');
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.flatMap((entry) => String(entry).split(',')).map((entry) => entry.trim().toLowerCase());
}

function isPreferred(property: ICAL.Property): boolean {
  return typesOf(property).includes('pref') || String(property.getParameter('pref') ?? '') === '1';
}

function emailsOf(card: ICAL.Component): string[] {
  const properties = card.getAllProperties('email');
  const ordered = [...properties.filter(isPreferred), ...properties.filter((property) => !isPreferred(property))];
  return ordered.map((property) => String(property.getFirstValue() ?? '').trim().replace(/^mailto:/i, '')).filter((address) => address !== '');
}

function phonesOf(card: ICAL.Component): ContactPhones {
  const phones: { business: string | null; mobile: string | null; home: string | null; businessFax: string | null } = { business: null, mobile: null, home: null, businessFax: null };
  for (const property of card.getAllProperties('tel')) {
    const types = typesOf(property);
    const number = String(property.getFirstValue() ?? '').trim().replace(/^tel:/i, '');
    if (number === '') {
      continue;
    }
    const slot = types.includes('fax') ? (types.includes('work') ? 'businessFax' : null) : types.includes('cell') ? 'mobile' : types.includes('work') ? 'business' : types.includes('home') ? 'home' : null;
    if (slot !== null && phones[slot] === null) {
      phones[slot] = number;
    }
  }
  return phones;
}

/** ADR is post office box; extended; street; locality; region; postal code; country (RFC 6350 section 6.3.1). */
function addressOf(card: ICAL.Component, type: 'work' | 'home'): PostalAddress | null {
  const property = card.getAllProperties('adr').find((candidate) => typesOf(candidate).includes(type));
  if (property === undefined) {
    return null;
  }
  const parts = valueParts(property.getFirstValue());
  const street = [parts[0], parts[1], parts[2]].map((part) => part?.trim() ?? '').filter((part) => part !== '').join('\n');
  const address: PostalAddress = { street: nonEmpty(street), city: nonEmpty(parts[3]), state: nonEmpty(parts[4]), postalCode: nonEmpty(parts[5]), country: nonEmpty(parts[6]) };
  return Object.values(address).every((value) => value === null) ? null : address;
}

/** A birthday without a year (`--0309`) cannot be stored as a date, so it reads as unknown. */
function birthdayOf(card: ICAL.Component): string | null {
  const value: unknown = card.getFirstPropertyValue('bday');
  const record = value as { year?: number | null; month?: number | null; day?: number | null } | null;
  if (record !== null && typeof record === 'object' && typeof record.year === 'number' && typeof record.month === 'number' && typeof record.day === 'number') {
    return `${String(record.year).padStart(4, '0')}-${String(record.month).padStart(2, '0')}-${String(record.day).padStart(2, '0')}`;
  }
  const match = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(String(value ?? ''));
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

function revisionOf(card: ICAL.Component): string {
  const raw: unknown = card.getFirstProperty('rev')?.toJSON()[3];
  const ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? UNKNOWN_MODIFIED_AT : new Date(ms).toISOString();
}

function structured(card: ICAL.Component, name: string): string[] {
  return valueParts(card.getFirstPropertyValue(name));
}

function valueParts(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.map((part) => unescapeSemicolons(Array.isArray(part) ? part.join(',') : String(part ?? '')));
  }
  return typeof value === 'string' ? value.split(';') : [];
}

function text(card: ICAL.Component, name: string): string | null {
  const value: unknown = card.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : nonEmpty(unescapeSemicolons(String(value)));
}

/** vCard writers escape `;` in plain text too (RFC 6350 section 3.4), which ical.js 2 leaves escaped. */
function unescapeSemicolons(value: string): string {
  return value.replace(/\\;/g, ';');
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
