import type { ContactRecord } from './contact-record.ts';
import { propertyKey } from './event-input.ts';
import { pickSelected } from './item-view.ts';
import { parseExpand } from './query-options.ts';

export interface ContactViewOptions {
  readonly select?: string | null;
  /** `$expand=singleValueExtendedProperties($filter=id eq '…')`, the only expansion contacts take here. */
  readonly expand?: string | null;
}

/** Render a contact in Graph's JSON shape, properties in the order of the documented get-contact response. */
export function renderContact(contact: ContactRecord, options: ContactViewOptions = {}): Record<string, unknown> {
  const { text, lists, addresses } = contact;
  const view: Record<string, unknown> = {
    '@odata.etag': `W/"${contact.changeKey}"`,
    id: contact.id,
    createdDateTime: contact.createdDateTime,
    lastModifiedDateTime: contact.lastModifiedDateTime,
    changeKey: contact.changeKey,
    categories: [...lists.categories],
    parentFolderId: contact.containerId,
    birthday: contact.birthday,
    fileAs: text.fileAs ?? '',
    displayName: text.displayName ?? '',
    givenName: text.givenName,
    initials: text.initials,
    middleName: text.middleName,
    nickName: text.nickName,
    surname: text.surname,
    title: text.title,
    yomiGivenName: text.yomiGivenName,
    yomiSurname: text.yomiSurname,
    yomiCompanyName: text.yomiCompanyName,
    generation: text.generation,
    emailAddresses: contact.emailAddresses.map((email) => ({ ...email })),
    imAddresses: [...lists.imAddresses],
    jobTitle: text.jobTitle,
    companyName: text.companyName,
    department: text.department,
    officeLocation: text.officeLocation,
    profession: text.profession,
    businessHomePage: text.businessHomePage,
    assistantName: text.assistantName,
    manager: text.manager,
    homePhones: [...lists.homePhones],
    mobilePhone: text.mobilePhone,
    businessPhones: [...lists.businessPhones],
    homeAddress: { ...addresses.homeAddress },
    businessAddress: { ...addresses.businessAddress },
    otherAddress: { ...addresses.otherAddress },
    spouseName: text.spouseName,
    personalNotes: text.personalNotes,
    children: [...lists.children],
  };

  const picked = pickSelected(view, options.select);
  const expanded = expandedProperties(contact, options.expand ?? null);
  if (expanded.length > 0) {
    picked.singleValueExtendedProperties = expanded;
  }
  return picked;
}

function expandedProperties(contact: ContactRecord, expand: string | null): { id: string; value: string }[] {
  const expanded = parseExpand(expand ?? undefined);
  if (expanded === null) {
    return [];
  }
  if (expanded === 'all') {
    return contact.extendedProperties.map((property) => ({ ...property }));
  }

  const keys = new Set(expanded.map(propertyKey));
  return contact.extendedProperties.filter((property) => keys.has(propertyKey(property.id))).map((property) => ({ ...property }));
}
