/**
 * The parts of Calendar API v3's event resource that the event source reads and writes. Every property is optional
 * because a deleted event comes back with little more than its id and status.
 */
export interface GoogleEventDateTime {
  readonly date?: string | null;
  readonly dateTime?: string | null;
  readonly timeZone?: string | null;
}

export interface GooglePerson {
  readonly email?: string | null;
  readonly displayName?: string | null;
  readonly self?: boolean | null;
}

export interface GoogleAttendee extends GooglePerson {
  readonly organizer?: boolean | null;
  readonly resource?: boolean | null;
  readonly optional?: boolean | null;
  readonly responseStatus?: string | null;
}

export interface GoogleEvent {
  readonly id: string;
  readonly etag?: string | null;
  readonly status?: string | null;
  readonly created?: string | null;
  readonly updated?: string | null;
  readonly summary?: string | null;
  readonly description?: string | null;
  readonly location?: string | null;
  readonly colorId?: string | null;
  readonly organizer?: GooglePerson | null;
  readonly start?: GoogleEventDateTime | null;
  readonly end?: GoogleEventDateTime | null;
  readonly recurrence?: readonly string[] | null;
  readonly recurringEventId?: string | null;
  readonly originalStartTime?: GoogleEventDateTime | null;
  readonly transparency?: string | null;
  readonly visibility?: string | null;
  readonly iCalUID?: string | null;
  readonly attendees?: readonly GoogleAttendee[] | null;
  readonly extendedProperties?: { readonly private?: Record<string, string> | null; readonly shared?: Record<string, string> | null } | null;
  readonly eventType?: string | null;
}

export interface GoogleEventList {
  readonly items?: readonly GoogleEvent[];
  readonly nextPageToken?: string;
  readonly nextSyncToken?: string;
  readonly timeZone?: string;
}
