/**
 * The non-time fields of a Graph event seed, read from one VEVENT the way Exchange maps them on import.
 */
import type ICAL from 'ical.js';
import type { IcsEvent } from './ics-event.ts';
import { textValue } from './ics-event.ts';
import type { GraphAttendeeSeed, GraphEmailAddress, GraphEventSeed } from './seed-types.ts';

export type SeedFields = Pick<
  GraphEventSeed,
  'iCalUId' | 'subject' | 'body' | 'location' | 'showAs' | 'sensitivity' | 'organizer' | 'attendees' | 'isCancelled'
>;

/** Graph's response time for an attendee who has not responded. */
const NO_RESPONSE_TIME = '0001-01-01T00:00:00Z';

const BUSY_STATUS: Record<string, GraphEventSeed['showAs']> = {
  FREE: 'free',
  TENTATIVE: 'tentative',
  BUSY: 'busy',
  OOF: 'oof',
  WORKINGELSEWHERE: 'workingElsewhere',
};

const RESPONSES: Record<string, GraphAttendeeSeed['status']['response']> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentativelyAccepted',
  'NEEDS-ACTION': 'notResponded',
};

export function seedFields(event: IcsEvent, iCalUId: string): SeedFields {
  const component = event.component;
  return {
    iCalUId,
    subject: event.summary,
    body: { contentType: 'text', content: event.description },
    location: { displayName: event.location },
    showAs: showAsOf(component),
    sensitivity: sensitivityOf(component),
    organizer: organizerOf(component),
    attendees: component.getAllProperties('attendee').flatMap((property) => attendeeOf(property)),
    isCancelled: isCancelled(event),
  };
}

export function isCancelled(event: IcsEvent): boolean {
  return upper(textValue(event.component, 'status')) === 'CANCELLED' || event.method === 'CANCEL';
}

// Outlook's own busy status wins; then a transparent event is free and a tentative one tentative.
function showAsOf(component: ICAL.Component): GraphEventSeed['showAs'] {
  const busyStatus = BUSY_STATUS[upper(textValue(component, 'x-microsoft-cdo-busystatus'))];
  if (busyStatus) return busyStatus;
  if (upper(textValue(component, 'transp')) === 'TRANSPARENT') return 'free';
  if (upper(textValue(component, 'status')) === 'TENTATIVE') return 'tentative';
  return 'busy';
}

function sensitivityOf(component: ICAL.Component): GraphEventSeed['sensitivity'] {
  const value = upper(textValue(component, 'class'));
  if (value === 'PRIVATE') return 'private';
  if (value === 'CONFIDENTIAL') return 'confidential';
  return 'normal';
}

function organizerOf(component: ICAL.Component): GraphEventSeed['organizer'] {
  const property = component.getFirstProperty('organizer');
  if (!property) return null;

  const emailAddress = emailAddressOf(property);
  return emailAddress ? { emailAddress } : null;
}

function attendeeOf(property: ICAL.Property): GraphAttendeeSeed[] {
  const emailAddress = emailAddressOf(property);
  if (!emailAddress) return [];

  const role = upper(parameter(property, 'role'));
  const cutype = upper(parameter(property, 'cutype'));
  let type: GraphAttendeeSeed['type'] = 'required';
  if (role === 'OPT-PARTICIPANT') type = 'optional';
  if (cutype === 'ROOM' || cutype === 'RESOURCE') type = 'resource';
  const response = RESPONSES[upper(parameter(property, 'partstat'))] ?? 'none';

  return [{ type, status: { response, time: NO_RESPONSE_TIME }, emailAddress }];
}

/**
 * Address and name of an ORGANIZER or ATTENDEE. Confluence writes the parameters after the colon
 * (`ORGANIZER:X-KEY=...;CN=Name:mailto:a@b`), so the address is the text after the last `mailto:` and the name
 * falls back to a CN found in the value.
 */
function emailAddressOf(property: ICAL.Property): GraphEmailAddress | null {
  const raw = String(property.getFirstValue() ?? '').trim();
  const mailto = raw.toLowerCase().lastIndexOf('mailto:');
  const address = (mailto >= 0 ? raw.slice(mailto + 'mailto:'.length) : raw.replace(/^mailto$/i, '')).trim();
  if (address === '') return null;

  const inlineName = /(?:^|;)CN=([^;:]*)/i.exec(mailto > 0 ? raw.slice(0, mailto) : '')?.[1];
  const name = (parameter(property, 'cn') || inlineName || address).trim();
  return { name, address };
}

function parameter(property: ICAL.Property, name: string): string {
  const value: unknown = property.getParameter(name);
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : '';
}

function upper(value: string): string {
  return value.trim().toUpperCase();
}
