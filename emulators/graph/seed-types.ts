/**
 * An event as the Graph emulator is seeded with it: the Graph JSON shape of an event without the fields the
 * server assigns (`id`, `changeKey`, `createdDateTime`, `lastModifiedDateTime`, `@odata.etag`).
 * Produced by the .ics importer; consumed by the emulator's event store.
 */
export interface GraphDateTimeTimeZone {
  /** Local wall time without offset, `2026-05-04T13:00:00.0000000`, as Graph writes it. */
  dateTime: string;
  /** The zone of `dateTime` as Graph names it (Windows name, IANA name or `UTC`). */
  timeZone: string;
}

export interface GraphEmailAddress {
  name: string;
  address: string;
}

export interface GraphAttendeeSeed {
  type: 'required' | 'optional' | 'resource';
  status: { response: 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded'; time: string };
  emailAddress: GraphEmailAddress;
}

export interface GraphEventSeed {
  /** Key that ties occurrences and exceptions to their master within one seeding; becomes `seriesMasterId`. */
  seedKey: string;
  iCalUId: string;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: GraphDateTimeTimeZone;
  end: GraphDateTimeTimeZone;
  originalStartTimeZone: string;
  originalEndTimeZone: string;
  isAllDay: boolean;
  isCancelled: boolean;
  location: { displayName: string };
  showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  sensitivity: 'normal' | 'personal' | 'private' | 'confidential';
  organizer: { emailAddress: GraphEmailAddress } | null;
  attendees: GraphAttendeeSeed[];
  type: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  /** `seedKey` of the series master for occurrences and exceptions, else null. */
  seriesMasterSeedKey: string | null;
  /** For occurrences and exceptions: the start of the slot before any move, as Graph's `originalStart` (UTC ISO). */
  originalStart: string | null;
  /** Graph `patternedRecurrence` on a series master, null elsewhere; best effort for rules Graph cannot express. */
  recurrence: Record<string, unknown> | null;
}
