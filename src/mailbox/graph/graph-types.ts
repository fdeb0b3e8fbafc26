/**
 * The parts of Microsoft Graph's JSON that the calendar connector reads and writes. Every property is optional
 * on the read side because delta pages and `$select` responses carry only some of them.
 */
export interface GraphDateTimeTimeZone {
  /** Wall time without offset, e.g. `2026-05-04T13:00:00.0000000`. */
  readonly dateTime: string;
  /** Windows name, IANA name or `UTC`. */
  readonly timeZone?: string | null;
}

export interface GraphEmailAddress {
  readonly name?: string | null;
  readonly address?: string | null;
}

export interface GraphRecipient {
  readonly emailAddress?: GraphEmailAddress | null;
}

export interface GraphAttendee extends GraphRecipient {
  readonly type?: string | null;
  readonly status?: { readonly response?: string | null } | null;
}

export interface GraphExtendedProperty {
  readonly id: string;
  readonly value: string | null;
}

export interface GraphEvent {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly changeKey?: string | null;
  readonly createdDateTime?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly subject?: string | null;
  readonly body?: { readonly contentType?: string | null; readonly content?: string | null } | null;
  readonly start?: GraphDateTimeTimeZone | null;
  readonly end?: GraphDateTimeTimeZone | null;
  readonly originalStartTimeZone?: string | null;
  readonly originalEndTimeZone?: string | null;
  readonly originalStart?: string | null;
  readonly isAllDay?: boolean | null;
  readonly isCancelled?: boolean | null;
  readonly location?: { readonly displayName?: string | null } | null;
  /** Every place of the meeting; a booked room is `conferenceRoom` with its mailbox address as `locationUri`. */
  readonly locations?: readonly { readonly displayName?: string | null; readonly locationType?: string | null; readonly locationUri?: string | null }[] | null;
  readonly isOnlineMeeting?: boolean | null;
  readonly onlineMeeting?: { readonly joinUrl?: string | null } | null;
  readonly showAs?: string | null;
  readonly sensitivity?: string | null;
  readonly organizer?: GraphRecipient | null;
  readonly attendees?: readonly GraphAttendee[] | null;
  readonly type?: string | null;
  readonly seriesMasterId?: string | null;
  readonly iCalUId?: string | null;
  readonly categories?: readonly string[] | null;
  readonly singleValueExtendedProperties?: readonly GraphExtendedProperty[] | null;
}

/** One page of a collection or delta response. */
export interface GraphPage<T> {
  readonly value?: readonly T[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
}
