import { stableStringify } from '../values.ts';
import { matchText, NO_MASKS, type ObjectType } from './object-type.ts';

/**
 * Contacts: every contact of the mailbox is in scope. On a first sync a contact pairs with a Salesforce contact of the
 * same primary email. A contact without an email on either side pairs by full name.
 */
export const CONTACT_TYPE: ObjectType = {
  kind: 'contact',
  label: 'contact',
  windowed: false,
  isGone: () => false,
  mailboxInScope: () => true,
  crmInScope: () => true,
  privacyMasks: () => NO_MASKS,
  matchPasses: [
    {
      description: 'same primary email on both sides',
      key: (values) => {
        const email = matchText(values.email);
        return email === null ? null : `email:${email}`;
      },
    },
    {
      description: 'same full name, and no email on one side',
      key: (values) => {
        const lastName = matchText(values.lastName);
        return lastName === null ? null : stableStringify({ firstName: matchText(values.firstName), lastName });
      },
      // Two different addresses are two people, whatever their names.
      compatible: (mailbox, crm) => matchText(mailbox.email) === null || matchText(crm.email) === null,
    },
  ],
  // A Salesforce edit of one phone or address line is written into the mailbox contact's whole phones or address.
  needsMailboxCounterpart: () => true,
};
