import type ICAL from 'ical.js';
import type { Attendee, AttendeeType, CalendarEvent, Person, Response, Sensitivity, ShowAs } from '../../../domain/calendar-event.ts';
import { SYNC_ID_PROPERTY } from '../dav/dav-kind.ts';
import { categoriesOf, textValue } from './vevent.ts';


export type EventFields = Omit<CalendarEvent, 'span' | 'recurrence'>;

const BUSY_STATUS: Record<string, ShowAs> = { FREE: 'free', TENTATIVE: 'tentative', BUSY: 'busy', OOF: 'oof', WORKINGELSEWHERE: 'workingElsewhere' };
const RESPONSES: Record<string, Response> = { ACCEPTED: 'accepted', DECLINED: 'declined', TENTATIVE: 'tentativelyAccepted', 'NEEDS-ACTION': 'notResponded' };

/** The canonical fields of a VEVENT other than its times; `method` is the VCALENDAR's METHOD. */
export function eventFields(component: ICAL.Component, uid: string, method: string | null): EventFields {
  return {
    // Broken folding leaves raw line breaks or tabs inside a summary; an escaped \n written on purpose stays.
    subject: textValue(component, 'summary').replace(/[\r\n\t]+/g, ''),
    location: nonEmpty(textValue(component, 'location')),
    body: nonEmpty(textValue(component, 'description').replace(/\r\n?/g, '\n').trimEnd()),
    showAs: showAsOf(component),
    sensitivity: sensitivityOf(component),
    organizer: organizerOf(component),
    attendees: component.getAllProperties('attendee').flatMap(attendeeOf),
    isCancelled: upper(textValue(component, 'status')) === 'CANCELLED' || method === 'CANCEL',
    iCalUId: uid === '' ? null : uid,
    categories: categoriesOf(component),
  };
}

export function syncIdOf(component: ICAL.Component): string | null {
  return nonEmpty(textValue(component, SYNC_ID_PROPERTY).trim());
}

/** Outlook's own busy status wins; then a transparent event is free and a tentative one tentative. */
function showAsOf(component: ICAL.Component): ShowAs {
  const busyStatus = BUSY_STATUS[upper(textValue(component, 'x-microsoft-cdo-busystatus'))];
  if (busyStatus !== undefined) {
    return busyStatus;
  }
  if (upper(textValue(component, 'transp')) === 'TRANSPARENT') {
    return 'free';
  }
  return upper(textValue(component, 'status')) === 'TENTATIVE' ? 'tentative' : 'busy';
}

function sensitivityOf(component: ICAL.Component): Sensitivity {
  const value = upper(textValue(component, 'class'));
  if (value === 'PRIVATE') {
    return 'private';
  }
  return value === 'CONFIDENTIAL' ? 'confidential' : 'normal';
}

function organizerOf(component: ICAL.Component): Person | null {
  const property = component.getFirstProperty('organizer');
  return property === null ? null : personOf(property);
}

function attendeeOf(property: ICAL.Property): Attendee[] {
  const person = personOf(property);
  if (person === null || person.email === null) {
    return [];
  }

  const cutype = upper(parameter(property, 'cutype'));
  let type: AttendeeType = upper(parameter(property, 'role')) === 'OPT-PARTICIPANT' ? 'optional' : 'required';
  if (cutype === 'ROOM' || cutype === 'RESOURCE') {
    type = 'resource';
  }
  return [{ ...person, type, response: RESPONSES[upper(parameter(property, 'partstat'))] ?? 'none' }];
}

/**
 * Address and name of an ORGANIZER or ATTENDEE. Some producers (Confluence) write parameters after the colon
 * (`ORGANIZER:X-KEY=…;CN=Name:mailto:a@b`), so the address is the text after the last `mailto:` and the name falls
 * back to a CN found in the value.
 */
function personOf(property: ICAL.Property): Person | null {
  const raw = String(property.getFirstValue() ?? '').trim();
  const mailto = raw.toLowerCase().lastIndexOf('mailto:');
  const address = (mailto >= 0 ? raw.slice(mailto + 'mailto:'.length) : raw.replace(/^mailto$/i, '')).trim();
  const inlineName = /(?:^|;)CN=([^;:]*)/i.exec(mailto > 0 ? raw.slice(0, mailto) : '')?.[1];
  const name = nonEmpty((parameter(property, 'cn') || inlineName || '').trim());
  const email = nonEmpty(address);
  return email === null && name === null ? null : { email, name };
}

function parameter(property: ICAL.Property, name: string): string {
  const value: unknown = property.getParameter(name);
  if (Array.isArray(value)) {
    return value.join(',');
  }
  return typeof value === 'string' ? value : '';
}

function upper(value: string): string {
  return value.trim().toUpperCase();
}

function nonEmpty(value: string): string | null {
  return value.trim() === '' ? null : value;
}
