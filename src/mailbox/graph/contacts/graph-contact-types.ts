import type { GraphEmailAddress, GraphExtendedProperty } from '../graph-types.ts';

/** The parts of Graph's contact JSON that the contact connector reads; any of them may be absent. */

export interface GraphPhysicalAddress {
  readonly street?: string | null;
  readonly city?: string | null;
  readonly state?: string | null;
  readonly countryOrRegion?: string | null;
  readonly postalCode?: string | null;
}

export interface GraphContact {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly changeKey?: string | null;
  readonly createdDateTime?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly parentFolderId?: string | null;
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly title?: string | null;
  readonly emailAddresses?: readonly GraphEmailAddress[] | null;
  readonly businessPhones?: readonly string[] | null;
  readonly homePhones?: readonly string[] | null;
  readonly mobilePhone?: string | null;
  readonly companyName?: string | null;
  readonly jobTitle?: string | null;
  readonly department?: string | null;
  readonly businessAddress?: GraphPhysicalAddress | null;
  readonly homeAddress?: GraphPhysicalAddress | null;
  readonly personalNotes?: string | null;
  readonly birthday?: string | null;
  readonly categories?: readonly string[] | null;
  readonly singleValueExtendedProperties?: readonly GraphExtendedProperty[] | null;
}
