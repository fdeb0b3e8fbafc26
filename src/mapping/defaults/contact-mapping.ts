import type { MappingTable } from '../field-pair.ts';
import { ADJUSTABLE, pair, text } from './pair-builders.ts';

/**
 * The stand-in for a Salesforce Contact's required LastName when the mailbox contact has no surname: the company, else
 * the primary email address, else this text. The same stand-in is compared on both sides, so it never flips back.
 */
export const LAST_NAME_FALLBACK = { fields: ['companyName', 'primaryEmail'], text: '[not provided]' } as const;

/**
 * The Contact mapping every org starts with: the pairs Einstein Activity Capture and Lightning Sync map by default,
 * sized as on the standard Contact object. The company (Account) is a lookup, which the linking part of the engine sets.
 */
export const defaultContactMapping: MappingTable = {
  name: 'default-contact',
  kind: 'contact',
  crmObject: 'Contact',
  direction: 'both',
  pairs: [
    pair('firstName', 'givenName', ['FirstName'], text(40)),
    pair('lastName', 'surname', ['LastName'], { type: 'text', maxLength: 80, fallback: LAST_NAME_FALLBACK }),
    pair('salutation', 'salutation', ['Salutation'], text(40), ADJUSTABLE),
    pair('email', 'primaryEmail', ['Email'], text(80)),
    pair('phone', 'phones.business', ['Phone'], text(40), ADJUSTABLE),
    pair('mobilePhone', 'phones.mobile', ['MobilePhone'], text(40), ADJUSTABLE),
    pair('homePhone', 'phones.home', ['HomePhone'], text(40), ADJUSTABLE),
    pair('fax', 'phones.businessFax', ['Fax'], text(40), ADJUSTABLE),
    pair('title', 'jobTitle', ['Title'], text(128), ADJUSTABLE),
    pair('department', 'department', ['Department'], text(80), ADJUSTABLE),
    pair('mailingStreet', 'businessAddress.street', ['MailingStreet'], text(255), ADJUSTABLE),
    pair('mailingCity', 'businessAddress.city', ['MailingCity'], text(40), ADJUSTABLE),
    pair('mailingState', 'businessAddress.state', ['MailingState'], text(80), ADJUSTABLE),
    pair('mailingPostalCode', 'businessAddress.postalCode', ['MailingPostalCode'], text(20), ADJUSTABLE),
    pair('mailingCountry', 'businessAddress.country', ['MailingCountry'], text(80), ADJUSTABLE),
    pair('description', 'notes', ['Description'], text(32_000), ADJUSTABLE),
    pair('birthdate', 'birthday', ['Birthdate'], { type: 'date' }, ADJUSTABLE),
  ],
};
