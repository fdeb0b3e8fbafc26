import ICAL from 'ical.js';
import type { Attendee, CalendarEvent, Person, Sensitivity, ShowAs } from '../../../domain/calendar-event.ts';
import { SYNC_ID_PROPERTY } from '../dav/dav-kind.ts';
import { setCategories, setSpan, setText, stamp } from './ical-write.ts';

const BUSY_STATUS: Record<ShowAs, string | null> = { free: 'FREE', tentative: 'TENTATIVE', busy: 'BUSY', oof: 'OOF', workingElsewhere: 'WORKINGELSEWHERE', unknown: null };
// iCalendar knows PUBLIC, PRIVATE and CONFIDENTIAL; Outlook's "personal" has no class of its own and is kept private.
const CLASS: Record<Sensitivity, string> = { normal: 'PUBLIC', personal: 'PRIVATE', private: 'PRIVATE', confidential: 'CONFIDENTIAL' };
const PARTSTAT: Partial<Record<Attendee['response'], string>> = { accepted: 'ACCEPTED', declined: 'DECLINED', tentativelyAccepted: 'TENTATIVE', notResponded: 'NEEDS-ACTION' };

/**
 * Canonical fields a client cannot set on a VEVENT through this connector: a series instance is made by its master,
 * and the UID is fixed once the event exists.
 */
const READ_ONLY_FIELDS = ['recurrence', 'iCalUId'] as const satisfies readonly (keyof CalendarEvent)[];

/** Write the fields present in `patch` onto a VEVENT; returns the names of the fields it left out. */
export function applyEventPatch(calendar: ICAL.Component, component: ICAL.Component, patch: Partial<CalendarEvent>): string[] {
  if (patch.subject !== undefined) {
    setText(component, 'summary', patch.subject);
  }
  if (patch.location !== undefined) {
    setText(component, 'location', patch.location);
  }
  if (patch.body !== undefined) {
    setText(component, 'description', patch.body);
  }
  if (patch.showAs !== undefined) {
    component.updatePropertyWithValue('transp', patch.showAs === 'free' ? 'TRANSPARENT' : 'OPAQUE');
    setText(component, 'x-microsoft-cdo-busystatus', BUSY_STATUS[patch.showAs]);
  }
  if (patch.sensitivity !== undefined) {
    component.updatePropertyWithValue('class', CLASS[patch.sensitivity]);
  }
  if (patch.categories !== undefined) {
    setCategories(component, patch.categories);
  }
  if (patch.isCancelled !== undefined) {
    setStatus(component, patch.isCancelled);
  }
  if (patch.organizer !== undefined) {
    component.removeAllProperties('organizer');
    if (patch.organizer?.email) {
      component.addProperty(personProperty('organizer', patch.organizer));
    }
  }
  if (patch.attendees !== undefined) {
    component.removeAllProperties('attendee');
    patch.attendees.filter((attendee) => attendee.email !== null).forEach((attendee) => component.addProperty(attendeeProperty(attendee)));
  }
  if (patch.span !== undefined) {
    setSpan(calendar, component, patch.span);
    const sequence = Number(component.getFirstPropertyValue('sequence') ?? 0) || 0;
    component.updatePropertyWithValue('sequence', sequence + 1);
  }

  stamp(component);
  return READ_ONLY_FIELDS.filter((field) => patch[field] !== undefined);
}

/** A VEVENT for a new event carrying the sync id; its UID is the event's own, or one derived from the sync id. */
export function newEventComponent(calendar: ICAL.Component, event: CalendarEvent, syncId: string): ICAL.Component {
  const component = new ICAL.Component('vevent', calendar);
  component.addPropertyWithValue('uid', event.iCalUId ?? `${syncId}@syncline`);
  component.addPropertyWithValue(SYNC_ID_PROPERTY, syncId);
  applyEventPatch(calendar, component, { ...event, organizer: event.attendees.length > 0 ? event.organizer : null, recurrence: undefined, iCalUId: undefined });
  calendar.addSubcomponent(component);
  return component;
}

function setStatus(component: ICAL.Component, cancelled: boolean): void {
  if (cancelled) {
    component.updatePropertyWithValue('status', 'CANCELLED');
    return;
  }
  if (String(component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') {
    component.removeAllProperties('status');
  }
}

function personProperty(name: string, person: Person): ICAL.Property {
  const property = new ICAL.Property(name);
  property.setValue(`mailto:${person.email ?? ''}`);
  if (person.name !== null) {
    property.setParameter('cn', person.name);
  }
  return property;
}

function attendeeProperty(attendee: Attendee): ICAL.Property {
  const property = personProperty('attendee', attendee);
  if (attendee.type === 'resource') {
    property.setParameter('cutype', 'RESOURCE');
    property.setParameter('role', 'NON-PARTICIPANT');
  } else {
    property.setParameter('role', attendee.type === 'optional' ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
  }
  const partstat = PARTSTAT[attendee.response];
  if (partstat !== undefined) {
    property.setParameter('partstat', partstat);
  }
  return property;
}
