import type { ContactPhones, MailboxContact, PostalAddress } from '../../../domain/contact.ts';
import { checkedDate } from '../items/item-values.ts';
import { SYNC_ID_PROPERTY_ID } from '../sync-id-property.ts';
import { BUSINESS_FAX_PROPERTY_ID } from './contact-properties.ts';

type GraphBody = Record<string, unknown>;

/** Outlook keeps three email addresses per contact (Email, Email 2, Email 3). */
const MAX_EMAILS = 3;

/** Build the body of `POST /users/{u}/contacts` for a new contact that carries the sync id. */
export function contactCreateBody(contact: MailboxContact, syncId: string): GraphBody {
  const { body } = contactPatchBody(contact);
  // A new contact without a fax gets no empty fax property.
  const written = ((body.singleValueExtendedProperties as GraphBody[] | undefined) ?? []).filter((property) => property.value !== '');
  return { ...body, singleValueExtendedProperties: [...written, { id: SYNC_ID_PROPERTY_ID, value: syncId }] };
}

/**
 * Build the body of `PATCH /users/{u}/contacts/{id}` with only the fields in `patch`, and list what was left out. Graph replaces a list or an address as a whole, so a changed business number also drops a second one the
 * user kept in Outlook. A malformed birthday throws an item error for this write alone.
 */
export function contactPatchBody(patch: Partial<MailboxContact>): { body: GraphBody; skipped: string[] } {
  const body: GraphBody = {};
  const skipped: string[] = [];

  copyText(body, 'givenName', patch.givenName);
  copyText(body, 'surname', patch.surname);
  copyText(body, 'title', patch.salutation);
  copyText(body, 'companyName', patch.companyName);
  copyText(body, 'jobTitle', patch.jobTitle);
  copyText(body, 'department', patch.department);
  copyText(body, 'personalNotes', patch.notes);

  if (patch.emails !== undefined) {
    body.emailAddresses = patch.emails.slice(0, MAX_EMAILS).map((address) => ({ address }));
    if (patch.emails.length > MAX_EMAILS) {
      skipped.push(`emails beyond the first ${MAX_EMAILS}`);
    }
  }
  if (patch.phones !== undefined) {
    Object.assign(body, phonesToGraph(patch.phones));
  }
  if (patch.businessAddress !== undefined) {
    body.businessAddress = addressToGraph(patch.businessAddress);
  }
  if (patch.homeAddress !== undefined) {
    body.homeAddress = addressToGraph(patch.homeAddress);
  }
  if (patch.birthday !== undefined) {
    // A mid-day instant keeps the date in Outlook's display in every zone from UTC-11 to UTC+12.
    body.birthday = patch.birthday === null ? null : `${checkedDate(patch.birthday, 'birthday')}T11:59:00Z`;
  }
  if (patch.categories !== undefined) {
    body.categories = [...patch.categories];
  }

  return { body, skipped };
}

function copyText(body: GraphBody, property: string, value: string | null | undefined): void {
  if (value !== undefined) {
    body[property] = value;
  }
}

/** Extended properties cannot be removed by PATCH, so a cleared fax is written as an empty string. */
function phonesToGraph(phones: ContactPhones): GraphBody {
  return {
    businessPhones: phones.business === null ? [] : [phones.business],
    mobilePhone: phones.mobile,
    homePhones: phones.home === null ? [] : [phones.home],
    singleValueExtendedProperties: [{ id: BUSINESS_FAX_PROPERTY_ID, value: phones.businessFax ?? '' }],
  };
}

/** Write every part, so a part cleared on the other side is cleared in Outlook too. */
function addressToGraph(address: PostalAddress | null): GraphBody {
  return {
    street: address?.street ?? null,
    city: address?.city ?? null,
    state: address?.state ?? null,
    postalCode: address?.postalCode ?? null,
    countryOrRegion: address?.country ?? null,
  };
}
