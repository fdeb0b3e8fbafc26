import type { ContactPhones, MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import type { ContactGroups } from './contact-groups.ts';
import { ADDRESS_TYPES, PHONE_TYPES, SYNC_ID_KEY } from './contact-from-person.ts';
import type { Person, PersonAddress, PersonEntry, PersonMembership, PersonName } from './person-types.ts';

type PersonBody = Record<string, unknown>;

/** Build the body of a new contact carrying the sync id in `clientData`. */
export async function createPersonBody(contact: MailboxContact, syncId: string, groups: ContactGroups): Promise<PersonBody> {
  const { body } = await mergeIntoPerson({ resourceName: '' }, contact, groups);
  delete body.etag;
  return { ...body, clientData: [{ key: SYNC_ID_KEY, value: syncId }] };
}

/**
 * Merge a patch into the current person for `updateContact`, and return the person fields it touched. People replaces a field as a
 * whole, so the patch is merged into the current person: phone numbers, addresses and name parts the canonical
 * contact does not carry (a pager, a middle name, a third email type) are kept.
 */
export async function mergeIntoPerson(current: Person, patch: Partial<MailboxContact>, groups: ContactGroups): Promise<{ body: PersonBody; fields: string[] }> {
  const body: PersonBody = { etag: current.etag };
  const fields: string[] = [];
  const set = (field: string, value: unknown) => {
    body[field] = value;
    fields.push(field);
  };

  if (patch.givenName !== undefined || patch.surname !== undefined || patch.salutation !== undefined) {
    set('names', [mergeName(current.names?.[0] ?? {}, patch), ...(current.names ?? []).slice(1)]);
  }
  if (patch.emails !== undefined) {
    const types = new Map((current.emailAddresses ?? []).map((email) => [email.value?.toLowerCase(), email.type]));
    set('emailAddresses', patch.emails.map((value) => ({ value, ...(types.get(value.toLowerCase()) ? { type: types.get(value.toLowerCase()) } : {}) })));
  }
  if (patch.phones !== undefined) {
    set('phoneNumbers', mergePhones(current.phoneNumbers ?? [], patch.phones));
  }
  if (patch.companyName !== undefined || patch.jobTitle !== undefined || patch.department !== undefined) {
    set('organizations', [mergeOrganization({ ...current.organizations?.[0] }, patch), ...(current.organizations ?? []).slice(1)]);
  }
  if (patch.businessAddress !== undefined || patch.homeAddress !== undefined) {
    set('addresses', mergeAddresses(current.addresses ?? [], patch));
  }
  if (patch.notes !== undefined) {
    set('biographies', patch.notes === null ? [] : [{ value: patch.notes, contentType: 'TEXT_PLAIN' }]);
  }
  if (patch.birthday !== undefined) {
    set('birthdays', patch.birthday === null ? [] : [{ date: dateOf(patch.birthday) }]);
  }
  if (patch.categories !== undefined) {
    set('memberships', await mergeMemberships(current.memberships ?? [], patch.categories, groups));
  }
  return { body, fields };
}

function mergeName(name: PersonName, patch: Partial<MailboxContact>): PersonName {
  const merged: Record<string, unknown> = { ...name };
  assign(merged, 'givenName', patch.givenName);
  assign(merged, 'familyName', patch.surname);
  assign(merged, 'honorificPrefix', patch.salutation);
  delete merged.unstructuredName;
  return merged as PersonName;
}

/** Replace the first number of each type the canonical contact carries; numbers of other types stay. */
function mergePhones(current: readonly PersonEntry[], phones: ContactPhones): PersonEntry[] {
  let result = [...current];
  for (const [field, type] of Object.entries(PHONE_TYPES) as [keyof ContactPhones, string][]) {
    const value = phones[field];
    const index = result.findIndex((phone) => phone.type === type);
    if (value === null) {
      result = index < 0 ? result : result.filter((_phone, position) => position !== index);
    } else if (index < 0) {
      result.push({ value, type });
    } else {
      result[index] = { ...result[index], value, type };
    }
  }
  return result.map(({ metadata: _metadata, ...phone }) => phone);
}

function mergeOrganization(organization: Record<string, unknown>, patch: Partial<MailboxContact>): Record<string, unknown> {
  const merged = { ...organization };
  assign(merged, 'name', patch.companyName);
  assign(merged, 'title', patch.jobTitle);
  assign(merged, 'department', patch.department);
  return merged;
}

function mergeAddresses(current: readonly PersonAddress[], patch: Partial<MailboxContact>): PersonAddress[] {
  let result = [...current];
  for (const [field, type] of Object.entries(ADDRESS_TYPES) as ['businessAddress' | 'homeAddress', string][]) {
    const value = patch[field];
    if (value === undefined) continue;
    const index = result.findIndex((address) => address.type === type);
    const replacement = value === null ? null : addressToPerson(value, type);
    if (replacement === null) {
      result = index < 0 ? result : result.filter((_address, position) => position !== index);
    } else if (index < 0) {
      result.push(replacement);
    } else {
      result[index] = replacement;
    }
  }
  return result;
}

function addressToPerson(address: PostalAddress, type: string): PersonAddress {
  const entry: Record<string, string> = { type };
  const [street, ...extended] = (address.street ?? '').split('\n');
  if (street) entry.streetAddress = street;
  if (extended.length > 0) entry.extendedAddress = extended.join('\n');
  if (address.city) entry.city = address.city;
  if (address.state) entry.region = address.state;
  if (address.postalCode) entry.postalCode = address.postalCode;
  if (address.country) entry.country = address.country;
  return entry;
}

/** System groups (myContacts, starred) stay; the user groups become the categories, created when missing. */
async function mergeMemberships(current: readonly PersonMembership[], categories: readonly string[], groups: ContactGroups): Promise<PersonMembership[]> {
  await groups.load();
  const kept = current.filter((membership) => !groups.isUserGroup(membership.contactGroupMembership?.contactGroupResourceName ?? ''));
  const resourceNames = await groups.resourceNamesFor(categories);
  return [...kept, ...resourceNames.map((contactGroupResourceName) => ({ contactGroupMembership: { contactGroupResourceName } }))];
}

function dateOf(birthday: string): { year: number; month: number; day: number } {
  const [year, month, day] = birthday.split('-').map(Number);
  return { year: year ?? 0, month: month ?? 0, day: day ?? 0 };
}

/** Set a value, or remove the key for null, so the field is cleared in People. */
function assign(target: Record<string, unknown>, key: string, value: string | null | undefined): void {
  if (value === undefined) return;
  if (value === null) delete target[key];
  else target[key] = value;
}
