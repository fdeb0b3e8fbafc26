import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { SyncWindow } from '../../domain/connector.ts';
import type { MappedValue } from '../../domain/link.ts';
import type { MailboxItem } from '../../domain/mailbox-items.ts';
import { BUSY_SUBJECT, type SyncPolicy } from '../policy.ts';
import { stableStringify } from '../values.ts';
import { spanOverlapsWindow } from '../window.ts';
import { matchText, NO_MASKS, type ObjectType, type PrivacyMasks } from './object-type.ts';

/** Calendar events: windowed, cancelled meetings leave sync, and the org's selection decides which start syncing. */
export const EVENT_TYPE: ObjectType = {
  kind: 'event',
  label: 'calendar event',
  windowed: true,
  isGone: (item) => (item as CalendarEvent).isCancelled,
  mailboxInScope: (item, policy) => {
    const event = item as CalendarEvent;
    return !event.isCancelled && isSelected(event, policy);
  },
  crmInScope: (values, window) => spanInWindow(values.span, window),
  privacyMasks: (item, policy) => eventMasks(item, policy),
  matchPasses: [
    {
      description: 'same subject, start and end on both sides',
      key: (values) => stableStringify({ subject: matchText(values.subject) ?? '', span: values.span ?? null }),
    },
  ],
  // Only a private pair has fields a Salesforce edit must not overwrite, so only those are read.
  needsMailboxCounterpart: (link) => link.base.isPrivate === true,
};

/** Decide whether an unlinked event starts syncing; whatever the selection, the org's category brings it in. */
function isSelected(event: CalendarEvent, policy: SyncPolicy): boolean {
  const selection = policy.selection;
  const category = selection.category.toLowerCase();
  if (event.categories.some((name) => name.toLowerCase() === category)) {
    return true;
  }
  if (selection.calendarItems === 'all') {
    return true;
  }
  if (selection.calendarItems === 'salesforceCategory') {
    return false;
  }
  return hasExternalAttendee(event, selection.ownDomains);
}

/** Return true when a person attendee (rooms and equipment are resources) has an address outside the org's own domains. */
function hasExternalAttendee(event: CalendarEvent, ownDomains: readonly string[]): boolean {
  const own = new Set(ownDomains.map((domain) => domain.toLowerCase()));
  return event.attendees.some((attendee) => {
    if (attendee.type === 'resource' || attendee.email === null) {
      return false;
    }
    const domain = attendee.email.slice(attendee.email.lastIndexOf('@') + 1).toLowerCase();
    return domain !== '' && !own.has(domain) && ![...own].some((ownDomain) => domain.endsWith(`.${ownDomain}`));
  });
}

/** Return true when a span value overlaps the window; a date alone (a calendar item kept as a Task date) counts as that whole day. */
function spanInWindow(span: MappedValue | undefined, window: SyncWindow): boolean {
  if (typeof span === 'string') {
    const dayStart = Date.parse(`${span}T00:00:00.000Z`);
    return dayStart < Date.parse(window.end) && dayStart + 86_400_000 > Date.parse(window.start);
  }
  return spanOverlapsWindow(span, window);
}

/**
 * What a private event shows Salesforce. Confidential items are at least reduced to busy time, because Outlook's
 * confidential marking calls for more discretion than private.
 */
function eventMasks(item: MailboxItem, policy: SyncPolicy): PrivacyMasks {
  const event = item as CalendarEvent;
  if (event.sensitivity !== 'private' && event.sensitivity !== 'confidential') {
    return NO_MASKS;
  }
  if (policy.privateItems === 'skip') {
    return { excluded: true, fields: {} };
  }
  if (policy.privateItems === 'busyOnly' || event.sensitivity === 'confidential') {
    return { excluded: false, fields: { subject: BUSY_SUBJECT, location: null, body: null } };
  }
  return { excluded: false, fields: { body: null } };
}
