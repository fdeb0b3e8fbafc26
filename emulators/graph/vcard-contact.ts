import type ICAL from 'ical.js';
import type { ContactSeed } from './contact-seed.ts';

/** Graph's business fax of a contact: the MAPI property PidTagBusinessFaxNumber, a string. */
const BUSINESS_FAX_PROPERTY_ID = 'String 0x3A24';
/** Outlook keeps three email addresses, two business and two home numbers per contact. */
const MAX_EMAILS = 3;
const MAX_NUMBERS = 2;
/** Apple writes this year for a birthday whose year is unknown. */
const UNKNOWN_YEAR = 1604;

type Property = ICAL.Property;
type Body = Record<string, unknown>;

/**
 * Map one parsed vCard (3.0 or 4.0) to a Graph contact body, and list in `warnings` what Outlook cannot keep.
 * Returns null when the card has nothing to import (no name, no email address, no phone number).
 */
export function contactSeedFromCard(card: ICAL.Component, label: string, warnings: string[]): ContactSeed | null {
  const reader = new CardReader(card, label, warnings);
  const body: Body = { ...reader.names(), ...reader.organization() };
  const emails = reader.emails();
  const phones = reader.phones();
  Object.assign(body, phones.body, reader.addresses(), reader.texts());

  const birthday = reader.birthday();
  if (birthday !== null) {
    body.birthday = birthday;
  }
  if (emails.length > 0) {
    body.emailAddresses = emails.map((address) => ({ address, name: address }));
  }
  if (phones.fax !== null) {
    body.singleValueExtendedProperties = [{ id: BUSINESS_FAX_PROPERTY_ID, value: phones.fax }];
  }

  const hasName = ['givenName', 'surname', 'displayName'].some((key) => typeof body[key] === 'string');
  if (!hasName && emails.length === 0 && Object.keys(phones.body).length === 0 && phones.fax === null) {
    warnings.push(`${label}: no name, email address or phone number; not imported`);
    return null;
  }
  if (!hasName) {
    body.displayName = emails[0] ?? phones.first;
    warnings.push(`${label}: no name (N or FN); imported under ${emails.length > 0 ? 'its email address' : 'its phone number'}`);
  }

  const uid = reader.text('uid');
  return { uid, contact: body };
}

class CardReader {
  constructor(
    private readonly card: ICAL.Component,
    private readonly label: string,
    private readonly warnings: string[],
  ) {}

  /** Properties by name, whatever group (`item1.`) they belong to. */
  all(name: string): Property[] {
    return this.card.getAllProperties().filter((property) => baseName(property.name) === name);
  }

  text(name: string): string | null {
    const property = this.all(name)[0];
    return property === undefined ? null : stringValue(property);
  }

  names(): Body {
    const body: Body = {};
    const names = this.all('n');
    if (names.length > 1) {
      this.warnings.push(`${this.label}: ${names.length} N properties; the first is used`);
    }

    const parts = components(names[0]);
    setText(body, 'surname', parts[0]);
    setText(body, 'givenName', parts[1]);
    setText(body, 'middleName', parts[2]);
    setText(body, 'title', parts[3]);
    setText(body, 'generation', parts[4]);
    setText(body, 'displayName', this.text('fn') ?? undefined);
    setText(body, 'nickName', joined(this.all('nickname')[0]?.getValues() ?? [], ', '));
    return body;
  }

  organization(): Body {
    const body: Body = {};
    const parts = components(this.all('org')[0]);
    setText(body, 'companyName', parts[0]);
    setText(body, 'department', parts.slice(1).filter((part) => part !== '').join(', '));
    setText(body, 'jobTitle', this.text('title') ?? undefined);
    setText(body, 'profession', this.text('role') ?? undefined);
    return body;
  }

  /** Email addresses with the preferred one first; Outlook keeps three. */
  emails(): string[] {
    const ordered = [...this.all('email')].sort((a, b) => Number(isPreferred(b)) - Number(isPreferred(a)));
    const addresses = unique(ordered.map((property) => stringValue(property)).filter((address): address is string => address !== null));
    if (addresses.length > MAX_EMAILS) {
      this.warnings.push(`${this.label}: ${addresses.length} email addresses; Outlook keeps ${MAX_EMAILS}, so ${addresses.slice(MAX_EMAILS).join(', ')} were not imported`);
    }
    return addresses.slice(0, MAX_EMAILS);
  }

  /** Telephone numbers by TYPE: cell, work and home (untyped ones count as work), and the work fax. */
  phones(): { body: Body; fax: string | null; first: string | null } {
    const business: string[] = [];
    const home: string[] = [];
    const mobile: string[] = [];
    const fax: string[] = [];
    const dropped: string[] = [];

    for (const property of this.all('tel')) {
      const number = stringValue(property)?.replace(/^tel:/i, '') ?? null;
      if (number === null) {
        continue;
      }
      const types = typesOf(property);
      if (types.includes('fax')) {
        (types.includes('home') ? dropped : fax).push(number);
      } else if (types.includes('cell')) {
        mobile.push(number);
      } else if (types.includes('pager')) {
        dropped.push(number);
      } else if (types.includes('home')) {
        home.push(number);
      } else {
        business.push(number);
      }
    }

    dropped.push(...business.slice(MAX_NUMBERS), ...home.slice(MAX_NUMBERS), ...mobile.slice(1), ...fax.slice(1));
    if (dropped.length > 0) {
      this.warnings.push(`${this.label}: Outlook has no place for the numbers ${dropped.join(', ')} (pager, home fax, or more than it keeps per kind); not imported`);
    }

    const body: Body = {};
    if (business.length > 0) body.businessPhones = business.slice(0, MAX_NUMBERS);
    if (home.length > 0) body.homePhones = home.slice(0, MAX_NUMBERS);
    if (mobile.length > 0) body.mobilePhone = mobile[0];
    return { body, fax: fax[0] ?? null, first: business[0] ?? home[0] ?? mobile[0] ?? fax[0] ?? null };
  }

  /** Read the first work and home address, and one more as the other address; the rest is reported. */
  addresses(): Body {
    const body: Body = {};
    const extra: string[] = [];
    for (const property of this.all('adr')) {
      const types = typesOf(property);
      const key = types.includes('work') ? 'businessAddress' : types.includes('home') ? 'homeAddress' : 'otherAddress';
      const address = addressOf(property);
      if (address === null) {
        continue;
      }
      if (body[key] === undefined) {
        body[key] = address;
      } else if (body.otherAddress === undefined) {
        body.otherAddress = address;
      } else {
        extra.push(String(address.street ?? address.city ?? ''));
      }
    }

    if (extra.length > 0) {
      this.warnings.push(`${this.label}: Outlook keeps three addresses; ${extra.length} more (${extra.join('; ')}) were not imported`);
    }
    return body;
  }

  texts(): Body {
    const body: Body = {};
    const notes = this.all('note').map((property) => stringValue(property)).filter((note): note is string => note !== null);
    setText(body, 'personalNotes', notes.join('\n\n'));

    const urls = this.all('url');
    const url = urls.find((property) => typesOf(property).includes('work')) ?? urls[0];
    setText(body, 'businessHomePage', url === undefined ? undefined : (stringValue(url) ?? undefined));

    const categories = unique(this.all('categories').flatMap((property) => property.getValues().map(String)).map((category) => category.trim()).filter((category) => category !== ''));
    if (categories.length > 0) {
      body.categories = categories;
    }
    return body;
  }

  /** `YYYY-MM-DD`, or null when the card has none or one Outlook cannot store (no year). */
  birthday(): string | null {
    const properties = this.all('bday');
    if (properties.length > 1) {
      this.warnings.push(`${this.label}: ${properties.length} BDAY properties; the first is used`);
    }

    const value = properties[0]?.getFirstValue();
    if (value === undefined || value === null) {
      return null;
    }

    const time = value as { year?: number | null; month?: number | null; day?: number | null };
    const text = String(value);
    if (typeof value === 'string' || !time.month || !time.day) {
      this.warnings.push(`${this.label}: BDAY "${text}" is not a date; no birthday imported`);
      return null;
    }
    if (!time.year || time.year === UNKNOWN_YEAR) {
      this.warnings.push(`${this.label}: BDAY has no year (${String(time.month).padStart(2, '0')}-${String(time.day).padStart(2, '0')}); Outlook needs a full date, so no birthday imported`);
      return null;
    }
    return `${String(time.year).padStart(4, '0')}-${String(time.month).padStart(2, '0')}-${String(time.day).padStart(2, '0')}`;
  }
}

function baseName(name: string): string {
  return (name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name).toLowerCase();
}

/** Split a structured value (N, ADR, ORG) into its components, each a string; a list inside a component is joined. */
function components(property: Property | undefined): string[] {
  const value = property?.getFirstValue() as unknown;
  if (value === undefined || value === null) {
    return [];
  }
  const parts = Array.isArray(value) ? (value as unknown[]) : String(value).split(';');
  return parts.map((part) => unescapeLeftovers(Array.isArray(part) ? part.map(String).join(' ') : String(part ?? '')).trim());
}

function joined(values: readonly unknown[], separator: string): string | undefined {
  const text = values.map(String).map((value) => value.trim()).filter((value) => value !== '').join(separator);
  return text === '' ? undefined : text;
}

function stringValue(property: Property): string | null {
  const value = property.getFirstValue();
  const text = value === null || value === undefined ? '' : unescapeLeftovers(String(value)).trim();
  return text === '' ? null : text;
}

/**
 * Escapes ical.js leaves in place: `\;` in a 3.0 text value it does not split, and `\"`, which Gmail writes
 * although no vCard version defines it.
 */
function unescapeLeftovers(text: string): string {
  return text.replace(/\\([;,:"])/g, '$1');
}

function typesOf(property: Property): string[] {
  const raw = property.getParameter('type');
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return list.flatMap((type) => String(type).split(',')).map((type) => type.trim().toLowerCase());
}

/** vCard 3.0 marks the preferred value with TYPE=pref, vCard 4.0 with a PREF parameter. */
function isPreferred(property: Property): boolean {
  return typesOf(property).includes('pref') || property.getParameter('pref') !== undefined;
}

function addressOf(property: Property): Record<string, string> | null {
  const [poBox = '', extended = '', street = '', city = '', state = '', postalCode = '', country = ''] = components(property);
  const address: Record<string, string> = {};
  const streetLines = [poBox, extended, street].filter((part) => part !== '').join('\n');
  for (const [key, value] of [
    ['street', streetLines],
    ['city', city],
    ['state', state],
    ['postalCode', postalCode],
    ['countryOrRegion', country],
  ] as const) {
    if (value !== '') {
      address[key] = value;
    }
  }
  return Object.keys(address).length === 0 ? null : address;
}

function setText(body: Body, key: string, value: string | undefined): void {
  if (value !== undefined && value.trim() !== '') {
    body[key] = value.trim();
  }
}

function unique(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
