import type { ItemSnapshot } from '../../../domain/connector.ts';
import type { ContactPhones, MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import type { ContactGroups } from './contact-groups.ts';
import type { Person, PersonAddress } from './person-types.ts';

/** The `clientData` key that carries Syncline's sync id on contacts it creates. */
export const SYNC_ID_KEY = 'synclineSyncId';

const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

/** People phone types the canonical contact keeps, by canonical field. */
export const PHONE_TYPES: Readonly<Record<keyof ContactPhones, string>> = { business: 'work', mobile: 'mobile', home: 'home', businessFax: 'workFax' };
export const ADDRESS_TYPES = { businessAddress: 'work', homeAddress: 'home' } as const;

export function contactFromPerson(person: Person, groups: ContactGroups): MailboxContact {
  const name = person.names?.[0];
  const organization = person.organizations?.[0];
  return {
    givenName: nonEmpty(name?.givenName),
    surname: nonEmpty(name?.familyName),
    salutation: nonEmpty(name?.honorificPrefix),
    emails: (person.emailAddresses ?? []).map((email) => email.value?.trim() ?? '').filter((value) => value !== ''),
    phones: {
      business: phoneOf(person, PHONE_TYPES.business),
      mobile: phoneOf(person, PHONE_TYPES.mobile),
      home: phoneOf(person, PHONE_TYPES.home),
      businessFax: phoneOf(person, PHONE_TYPES.businessFax),
    },
    companyName: nonEmpty(organization?.name),
    jobTitle: nonEmpty(organization?.title),
    department: nonEmpty(organization?.department),
    businessAddress: addressOf(person.addresses?.find((address) => address.type === ADDRESS_TYPES.businessAddress)),
    homeAddress: addressOf(person.addresses?.find((address) => address.type === ADDRESS_TYPES.homeAddress)),
    notes: nonEmpty(person.biographies?.[0]?.value),
    birthday: birthdayOf(person),
    categories: groups.namesOf((person.memberships ?? []).map((membership) => membership.contactGroupMembership?.contactGroupResourceName ?? '')),
  };
}

export function snapshotFromPerson(person: Person, groups: ContactGroups): ItemSnapshot<MailboxContact> {
  return { id: person.resourceName, version: person.etag ?? '', modifiedAt: modifiedAtOf(person), syncId: syncIdOf(person), item: contactFromPerson(person, groups) };
}

export function syncIdOf(person: Person): string | null {
  const value = person.clientData?.find((entry) => entry.key === SYNC_ID_KEY)?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

function modifiedAtOf(person: Person): string {
  const updateTime = person.metadata?.sources?.find((source) => source.type === 'CONTACT')?.updateTime;
  const ms = updateTime ? Date.parse(updateTime) : Number.NaN;
  return Number.isNaN(ms) ? UNKNOWN_MODIFIED_AT : new Date(ms).toISOString();
}

function phoneOf(person: Person, type: string): string | null {
  return nonEmpty(person.phoneNumbers?.find((phone) => phone.type === type)?.value);
}

/** Read a postal address; a street and its extended line (apartment, suite) are joined with a line break. */
function addressOf(address: PersonAddress | undefined): PostalAddress | null {
  if (address === undefined) {
    return null;
  }
  const street = [address.streetAddress, address.extendedAddress].filter((line) => line !== undefined && line.trim() !== '').join('\n');
  const postal: PostalAddress = {
    street: nonEmpty(street),
    city: nonEmpty(address.city),
    state: nonEmpty(address.region),
    postalCode: nonEmpty(address.postalCode),
    country: nonEmpty(address.country),
  };
  return Object.values(postal).every((value) => value === null) ? null : postal;
}

/** Read the birthday as a full date; People keeps birthdays without a year too, which read as unknown. */
function birthdayOf(person: Person): string | null {
  const date = person.birthdays?.find((birthday) => birthday.date?.year && birthday.date.month && birthday.date.day)?.date;
  if (!date?.year || !date.month || !date.day) {
    return null;
  }
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}
