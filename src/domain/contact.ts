/** The canonical contact: what every mailbox connector reads and writes for address-book entries. */

export interface PostalAddress {
  /** Street lines joined with `\n`. */
  readonly street: string | null;
  readonly city: string | null;
  readonly state: string | null;
  readonly postalCode: string | null;
  readonly country: string | null;
}

export interface ContactPhones {
  readonly business: string | null;
  readonly mobile: string | null;
  readonly home: string | null;
  readonly businessFax: string | null;
}

export interface MailboxContact {
  readonly givenName: string | null;
  readonly surname: string | null;
  /** Name prefix such as `Dr.`. */
  readonly salutation: string | null;
  /** Addresses in the side's order; the first is the primary one. */
  readonly emails: readonly string[];
  readonly phones: ContactPhones;
  readonly companyName: string | null;
  readonly jobTitle: string | null;
  readonly department: string | null;
  readonly businessAddress: PostalAddress | null;
  readonly homeAddress: PostalAddress | null;
  /** Plain-text notes. */
  readonly notes: string | null;
  /** `YYYY-MM-DD`; null when unknown. */
  readonly birthday: string | null;
  readonly categories: readonly string[];
}
