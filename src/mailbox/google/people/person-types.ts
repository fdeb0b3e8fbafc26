/** The parts of the People API's person resource that the contact source reads and writes. */
export interface PersonFieldMetadata {
  readonly primary?: boolean;
  readonly source?: { readonly type?: string; readonly id?: string };
}

export interface PersonName {
  readonly givenName?: string;
  readonly familyName?: string;
  readonly middleName?: string;
  readonly honorificPrefix?: string;
  readonly honorificSuffix?: string;
  readonly unstructuredName?: string;
}

export interface PersonEntry {
  readonly value?: string;
  readonly type?: string;
  readonly metadata?: PersonFieldMetadata;
}

export interface PersonAddress {
  readonly type?: string;
  readonly streetAddress?: string;
  readonly extendedAddress?: string;
  readonly city?: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly countryCode?: string;
  readonly formattedValue?: string;
}

export interface PersonOrganization {
  readonly name?: string;
  readonly title?: string;
  readonly department?: string;
}

export interface PersonMembership {
  readonly contactGroupMembership?: { readonly contactGroupResourceName?: string; readonly contactGroupId?: string };
}

export interface Person {
  readonly resourceName: string;
  readonly etag?: string;
  readonly metadata?: { readonly deleted?: boolean; readonly sources?: readonly { readonly type?: string; readonly updateTime?: string; readonly etag?: string }[] };
  readonly names?: readonly PersonName[];
  readonly emailAddresses?: readonly PersonEntry[];
  readonly phoneNumbers?: readonly PersonEntry[];
  readonly organizations?: readonly PersonOrganization[];
  readonly addresses?: readonly PersonAddress[];
  readonly biographies?: readonly (PersonEntry & { readonly contentType?: string })[];
  readonly birthdays?: readonly { readonly date?: { readonly year?: number; readonly month?: number; readonly day?: number }; readonly text?: string }[];
  readonly memberships?: readonly PersonMembership[];
  readonly clientData?: readonly { readonly key?: string; readonly value?: string }[];
}

/** The person fields read on every request; `updateContact` replaces these fields only as the update names them. */
export const PERSON_FIELDS = 'names,emailAddresses,phoneNumbers,organizations,addresses,biographies,birthdays,clientData,memberships,metadata';
