import type { ContactPhones, MailboxContact, PostalAddress } from '../../domain/contact.ts';
import { catalog, topLevel, type MailboxField } from '../mailbox-fields.ts';

const PHONE_KINDS = ['business', 'mobile', 'home', 'businessFax'] as const satisfies readonly (keyof ContactPhones)[];
const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'country'] as const satisfies readonly (keyof PostalAddress)[];
const ADDRESSES = ['businessAddress', 'homeAddress'] as const;

/** The first address is the primary one; setting it keeps the others behind it. */
const primaryEmail: MailboxField<MailboxContact> = {
  name: 'primaryEmail',
  type: 'text',
  get: (contact) => contact.emails[0] ?? null,
  set: (draft, value, current) => {
    const others = (draft.emails ?? current.emails).slice(1);
    return { ...draft, emails: typeof value === 'string' && value !== '' ? [value, ...others] : others };
  },
};

function phone(kind: (typeof PHONE_KINDS)[number]): MailboxField<MailboxContact> {
  return {
    name: `phones.${kind}`,
    type: 'text',
    get: (contact) => contact.phones[kind],
    set: (draft, value, current) => ({ ...draft, phones: { ...(draft.phones ?? current.phones), [kind]: typeof value === 'string' ? value : null } }),
  };
}

/** An address line; an address whose parts are all empty becomes null, as a side without that address reports it. */
function addressPart(address: (typeof ADDRESSES)[number], part: (typeof ADDRESS_PARTS)[number]): MailboxField<MailboxContact> {
  return {
    name: `${address}.${part}`,
    type: 'text',
    get: (contact) => contact[address]?.[part] ?? null,
    set: (draft, value, current) => {
      const base = (address in draft ? draft[address] : current[address]) ?? emptyAddress();
      const next: PostalAddress = { ...base, [part]: typeof value === 'string' ? value : null };
      return { ...draft, [address]: ADDRESS_PARTS.every((name) => next[name] === null) ? null : next };
    },
  };
}

function emptyAddress(): PostalAddress {
  return { street: null, city: null, state: null, postalCode: null, country: null };
}

/** The contact fields a mapping pair may name: phones as `phones.mobile`, address lines as `businessAddress.city`. */
export const CONTACT_FIELDS = catalog<MailboxContact>(
  'contact',
  [
    topLevel('givenName', 'text'),
    topLevel('surname', 'text'),
    topLevel('salutation', 'text'),
    primaryEmail,
    ...PHONE_KINDS.map(phone),
    topLevel('companyName', 'text'),
    topLevel('jobTitle', 'text'),
    topLevel('department', 'text'),
    ...ADDRESSES.flatMap((address) => ADDRESS_PARTS.map((part) => addressPart(address, part))),
    topLevel('notes', 'text'),
    topLevel('birthday', 'date'),
    topLevel('categories', 'textList'),
  ],
  () => ({
    givenName: null,
    surname: null,
    salutation: null,
    emails: [],
    phones: { business: null, mobile: null, home: null, businessFax: null },
    companyName: null,
    jobTitle: null,
    department: null,
    businessAddress: null,
    homeAddress: null,
    notes: null,
    birthday: null,
    categories: [],
  }),
);
