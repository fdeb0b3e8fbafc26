import type { ContactSeed } from '../../graph/contact-seed.ts';
import { newOpaqueEtag } from '../ids.ts';
import type { PersonRecord, UserState } from '../state.ts';
import { createPerson, updatePerson, PERSON_FIELDS } from './people-store.ts';

/**
 * Seeding from .vcf files through the Graph emulator's vCard importer: its seeds are Graph contact bodies, and here
 * they become People persons with the same values. A card seeded before (same vCard UID, or else the same first
 * email address) updates that contact, so seeding twice adds nothing.
 */

export interface PeopleSeedReport {
  readonly resourceNames: string[];
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
}

const ADDRESS_TYPE_OF = { businessAddress: 'work', homeAddress: 'home', otherAddress: 'other' } as const;

/** Graph's business fax property, which the importer uses for a work fax number. */
const BUSINESS_FAX_PROPERTY = 'String 0x3A24';

type GraphAddress = { street?: string; city?: string; state?: string; postalCode?: string; countryOrRegion?: string };

export function seedPeople(user: UserState, seeds: readonly ContactSeed[]): PeopleSeedReport {
  const report = { resourceNames: [] as string[], added: 0, updated: 0, unchanged: 0 };
  for (const seed of seeds) {
    const person = personOf(user, seed.contact);
    const existing = findSeeded(user, seed, person);
    if (!existing) {
      const created = createPerson(user, person, seed.uid ?? null);
      report.resourceNames.push(String(created.resource.resourceName));
      report.added += 1;
      continue;
    }

    report.resourceNames.push(String(existing.resource.resourceName));
    const fields = PERSON_FIELDS.filter((field) => field !== 'metadata' && field !== 'clientData');
    const same = fields.every((field) => JSON.stringify(existing.resource[field] ?? null) === JSON.stringify(person[field] ?? null));
    if (same) {
      report.unchanged += 1;
      continue;
    }
    updatePerson(user, String(existing.resource.resourceName), { ...person, etag: existing.resource.etag }, fields);
    report.updated += 1;
  }
  return report;
}

function findSeeded(user: UserState, seed: ContactSeed, person: Record<string, unknown>): PersonRecord | undefined {
  const live = Object.values(user.people.persons).filter((record) => !record.deleted);
  if (seed.uid) {
    return live.find((record) => record.seedUid === seed.uid);
  }
  const email = firstEmail(person);
  return email === null ? undefined : live.find((record) => firstEmail(record.resource) === email);
}

function firstEmail(person: Record<string, unknown>): string | null {
  const value = (person.emailAddresses as { value?: string }[] | undefined)?.[0]?.value;
  return value ? value.toLowerCase() : null;
}

function personOf(user: UserState, contact: Record<string, unknown>): Record<string, unknown> {
  const text = (key: string): string | undefined => (typeof contact[key] === 'string' && contact[key] !== '' ? (contact[key] as string) : undefined);
  const person: Record<string, unknown> = {};

  const name = compact({ givenName: text('givenName'), familyName: text('surname'), middleName: text('middleName'), honorificPrefix: text('title'), honorificSuffix: text('generation') });
  if (Object.keys(name).length > 0) person.names = [name];
  else if (text('displayName')) person.names = [{ unstructuredName: text('displayName') }];
  if (text('nickName')) person.nicknames = [{ value: text('nickName') }];

  const emails = (contact.emailAddresses as { address?: string }[] | undefined) ?? [];
  if (emails.length > 0) person.emailAddresses = emails.filter((email) => email.address).map((email) => ({ value: email.address }));

  const phones = [
    ...((contact.businessPhones as string[] | undefined) ?? []).map((value) => ({ value, type: 'work' })),
    ...(text('mobilePhone') ? [{ value: text('mobilePhone'), type: 'mobile' }] : []),
    ...((contact.homePhones as string[] | undefined) ?? []).map((value) => ({ value, type: 'home' })),
    ...faxOf(contact).map((value) => ({ value, type: 'workFax' })),
  ];
  if (phones.length > 0) person.phoneNumbers = phones;

  const organization = compact({ name: text('companyName'), department: text('department'), title: text('jobTitle') });
  if (Object.keys(organization).length > 0) person.organizations = [organization];

  const addresses = (['businessAddress', 'homeAddress', 'otherAddress'] as const).flatMap((key) => addressOf(contact[key] as GraphAddress | undefined, key));
  if (addresses.length > 0) person.addresses = addresses;
  if (text('personalNotes')) person.biographies = [{ value: text('personalNotes'), contentType: 'TEXT_PLAIN' }];
  if (text('businessHomePage')) person.urls = [{ value: text('businessHomePage'), type: 'work' }];

  const birthday = /^(\d{4})-(\d{2})-(\d{2})/.exec(text('birthday') ?? '');
  if (birthday) person.birthdays = [{ date: { year: Number(birthday[1]), month: Number(birthday[2]), day: Number(birthday[3]) } }];

  // Google adds every contact to myContacts, so the seed lists that membership too and a second seeding compares equal.
  const categories = (contact.categories as string[] | undefined) ?? [];
  person.memberships = [
    ...categories.map((category) => ({ contactGroupMembership: { contactGroupResourceName: groupFor(user, category) } })),
    { contactGroupMembership: { contactGroupId: 'myContacts', contactGroupResourceName: 'contactGroups/myContacts' } },
  ];
  return person;
}

function faxOf(contact: Record<string, unknown>): string[] {
  const properties = (contact.singleValueExtendedProperties as { id?: string; value?: string }[] | undefined) ?? [];
  return properties.filter((property) => property.id?.toLowerCase() === BUSINESS_FAX_PROPERTY.toLowerCase() && property.value).map((property) => property.value as string);
}

function addressOf(address: GraphAddress | undefined, key: 'businessAddress' | 'homeAddress' | 'otherAddress'): Record<string, string>[] {
  if (!address) {
    return [];
  }
  const entry = compact({ streetAddress: address.street, city: address.city, region: address.state, postalCode: address.postalCode, country: address.countryOrRegion });
  if (Object.keys(entry).length === 0) {
    return [];
  }
  return [{ ...entry, type: ADDRESS_TYPE_OF[key] }];
}

/** Return the user contact group of that name, and create it when the seed names a new one. */
function groupFor(user: UserState, name: string): string {
  const existing = Object.values(user.people.groups).find((group) => group.name.toLowerCase() === name.toLowerCase());
  if (existing) {
    return existing.resourceName;
  }
  const resourceName = `contactGroups/seed${Object.keys(user.people.groups).length}`;
  user.people.groups[resourceName] = { resourceName, name, groupType: 'USER_CONTACT_GROUP', etag: newOpaqueEtag() };
  return resourceName;
}

function compact(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
