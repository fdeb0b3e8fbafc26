import { GoogleApiError, invalid, required } from '../google-error.ts';
import { newNumericEtag, nowIso } from '../ids.ts';
import type { UserState } from '../state.ts';
import { EVENT_TYPES } from './calendar-list.ts';
import { resolveTime } from './event-times.ts';

/**
 * Building an event resource from a client's body: the fields a client may write are checked and copied, the
 * server's own fields (id, etag, timestamps, creator, organizer) are set here.
 */

const TRANSPARENCY = ['opaque', 'transparent'];
const VISIBILITY = ['default', 'public', 'private', 'confidential'];
const STATUS = ['confirmed', 'tentative', 'cancelled'];
const RESPONSES = ['needsAction', 'declined', 'tentative', 'accepted'];
/** Calendar's limits on extended properties: keys up to 44 characters, values up to 1024. */
const MAX_PROPERTY_KEY = 44;
const MAX_PROPERTY_VALUE = 1024;

/** Client-writable fields copied as they are, after the checks below. */
const PLAIN_FIELDS = ['summary', 'description', 'location', 'colorId', 'transparency', 'visibility', 'status', 'reminders', 'guestsCanModify', 'guestsCanInviteOthers', 'guestsCanSeeOtherGuests', 'anyoneCanAddSelf'] as const;

/** Fields an instance shares with its series master until the instance itself is edited. */
export const INHERITED_FIELDS = ['summary', 'description', 'location', 'colorId', 'transparency', 'visibility', 'attendees', 'extendedProperties', 'reminders', 'organizer', 'creator', 'iCalUID', 'sequence', 'eventType', 'guestsCanModify'] as const;

export interface ResourceOrigin {
  readonly id: string;
  readonly created: string;
  /** Kept from the stored event on updates; null on insert, where the server assigns them. */
  readonly existing: Record<string, unknown> | null;
  /** Seeding may set the organizer and the iCalUID, as an import does. */
  readonly imported: boolean;
}

/** Check a client's event and return the stored resource, with fresh etag and `updated`. */
export function buildEventResource(user: UserState, input: Record<string, unknown>, origin: ResourceOrigin): Record<string, unknown> {
  const recurring = Array.isArray(input.recurrence) && input.recurrence.length > 0;
  // An import keeps a series whose zone the file defined only by its own VTIMEZONE, in the calendar's zone.
  const start = resolveTime(input.start, 'start', user.timeZone, recurring && !origin.imported);
  const end = resolveTime(input.end, 'end', user.timeZone, recurring && !origin.imported);
  if (start.isDate !== end.isDate) {
    throw invalid('Start and end times must either both be date or both be dateTime.');
  }
  if (end.ms < start.ms || (start.isDate && end.ms === start.ms)) {
    throw new GoogleApiError(400, 'timeRangeEmpty', 'The specified time range is empty.', { domain: 'calendar' });
  }

  const resource: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: newNumericEtag(),
    id: origin.id,
    status: 'confirmed',
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${origin.id} ${user.email}`).toString('base64url')}`,
    created: origin.created,
    updated: nowIso(),
  };
  for (const field of PLAIN_FIELDS) {
    if (input[field] !== undefined && input[field] !== null) {
      resource[field] = input[field];
    }
  }
  checkEnum(resource, 'transparency', TRANSPARENCY);
  checkEnum(resource, 'visibility', VISIBILITY);
  checkEnum(resource, 'status', STATUS);
  checkEnum(input, 'eventType', EVENT_TYPES);

  const existing = origin.existing;
  const organizer = origin.imported && isRecord(input.organizer) ? input.organizer : (existing?.organizer ?? { email: user.email, self: true });
  Object.assign(resource, {
    creator: existing?.creator ?? { email: user.email, self: true },
    organizer,
    start: start.resource,
    end: end.resource,
    iCalUID: existing?.iCalUID ?? (origin.imported && typeof input.iCalUID === 'string' ? input.iCalUID : `${origin.id}@google.com`),
    sequence: nextSequence(existing, input),
    reminders: resource.reminders ?? { useDefault: true },
    eventType: existing?.eventType ?? (typeof input.eventType === 'string' ? input.eventType : 'default'),
  });
  copyServerField(resource, existing, 'recurringEventId');
  copyServerField(resource, existing, 'originalStartTime');

  if (recurring) {
    resource.recurrence = (input.recurrence as unknown[]).map(String);
  }
  const attendees = attendeesOf(input.attendees, user.email, organizer);
  if (attendees.length > 0) {
    resource.attendees = attendees;
  }
  const properties = extendedPropertiesOf(input.extendedProperties);
  if (properties !== null) {
    resource.extendedProperties = properties;
  }
  return resource;
}

/** Calendar raises `sequence` when the times move, so invitations sent later supersede earlier ones. */
function nextSequence(existing: Record<string, unknown> | null, input: Record<string, unknown>): number {
  const previous = typeof existing?.sequence === 'number' ? existing.sequence : 0;
  if (existing === null) {
    return typeof input.sequence === 'number' ? input.sequence : 0;
  }
  const moved = JSON.stringify(existing.start) !== JSON.stringify(input.start) || JSON.stringify(existing.end) !== JSON.stringify(input.end);
  return moved ? previous + 1 : previous;
}

function copyServerField(resource: Record<string, unknown>, existing: Record<string, unknown> | null, field: string): void {
  if (existing?.[field] !== undefined) {
    resource[field] = existing[field];
  }
}

function checkEnum(resource: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const value = resource[field];
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    throw invalid(`Invalid value for ${field}: ${String(value)}`);
  }
}

function attendeesOf(value: unknown, selfEmail: string, organizer: unknown): Record<string, unknown>[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw invalid('Invalid attendees: expected a list.');
  }

  const organizerEmail = isRecord(organizer) && typeof organizer.email === 'string' ? organizer.email.toLowerCase() : null;
  return value.map((entry: unknown) => {
    const attendee = (isRecord(entry) ? entry : {}) as Record<string, unknown>;
    if (typeof attendee.email !== 'string' || attendee.email.trim() === '') {
      throw required('attendees.email');
    }
    const responseStatus = typeof attendee.responseStatus === 'string' ? attendee.responseStatus : 'needsAction';
    if (!RESPONSES.includes(responseStatus)) {
      throw invalid(`Invalid attendee responseStatus: ${responseStatus}`);
    }

    const email = attendee.email.trim();
    const copy: Record<string, unknown> = { email, responseStatus };
    for (const field of ['displayName', 'optional', 'resource', 'comment', 'additionalGuests'] as const) {
      if (attendee[field] !== undefined && attendee[field] !== null && attendee[field] !== false) {
        copy[field] = attendee[field];
      }
    }
    if (email.toLowerCase() === organizerEmail) {
      copy.organizer = true;
    }
    if (email.toLowerCase() === selfEmail) {
      copy.self = true;
    }
    return copy;
  });
}

function extendedPropertiesOf(value: unknown): Record<string, Record<string, string>> | null {
  if (!isRecord(value)) {
    return null;
  }

  const result: Record<string, Record<string, string>> = {};
  for (const scope of ['private', 'shared'] as const) {
    const map = value[scope];
    if (!isRecord(map)) {
      continue;
    }
    const entries: Record<string, string> = {};
    for (const [key, entry] of Object.entries(map)) {
      if (entry === null || entry === undefined) {
        continue;
      }
      if (key.length > MAX_PROPERTY_KEY || String(entry).length > MAX_PROPERTY_VALUE) {
        throw invalid(`Invalid extended property: keys are limited to ${MAX_PROPERTY_KEY} characters and values to ${MAX_PROPERTY_VALUE}.`);
      }
      entries[key] = String(entry);
    }
    if (Object.keys(entries).length > 0) {
      result[scope] = entries;
    }
  }
  return Object.keys(result).length > 0 ? result : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Patch semantics: objects merge key by key, `null` removes a key, arrays and scalars replace. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete merged[key];
    } else if (isRecord(value) && isRecord(merged[key])) {
      merged[key] = mergePatch(merged[key] as Record<string, unknown>, value);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}
