import { describe, expect, it } from 'vitest';
import type { Attendee, CalendarEvent } from '../src/domain/calendar-event.ts';
import type { LinkResult } from '../src/domain/linking.ts';
import { linkFieldValues, meetingLinkRequest, type MeetingRequestOptions } from '../src/linking/activity-links.ts';

const CONTACT = '0035g0000000001AAA';
const OTHER_CONTACT = '0035g0000000002AAA';
const LEAD = '00Q5g0000000001AAA';
const ACCOUNT = '0015g0000000001AAA';
const OTHER_ACCOUNT = '0015g0000000002AAA';

function result(whoId: string | null, whatId: string | null): LinkResult {
  return { whoId, whatId, relationIds: whoId === null ? [] : [whoId], byAddress: {}, explanations: [], created: { Lead: 0, Contact: 0, Account: 0 } };
}

describe('linkFieldValues: only empty links are filled', () => {
  it.each([
    ['a new record gets both', result(CONTACT, ACCOUNT), undefined, { WhoId: CONTACT, WhatId: ACCOUNT }],
    ['a new record with a Lead gets no WhatId', result(LEAD, null), undefined, { WhoId: LEAD }],
    ['nobody matched, the Account by domain', result(null, ACCOUNT), undefined, { WhatId: ACCOUNT }],
    ['both empty on an update', result(CONTACT, ACCOUNT), { whoId: null, whatId: null }, { WhoId: CONTACT, WhatId: ACCOUNT }],
    ['a WhoId set by a person stays, and no WhatId joins it', result(CONTACT, ACCOUNT), { whoId: OTHER_CONTACT, whatId: null }, {}],
    ['the same WhoId: only the empty WhatId is filled', result(CONTACT, ACCOUNT), { whoId: CONTACT, whatId: null }, { WhatId: ACCOUNT }],
    ['a WhatId set by a person stays', result(CONTACT, ACCOUNT), { whoId: null, whatId: OTHER_ACCOUNT }, { WhoId: CONTACT }],
    ['a Lead never joins a WhatId set by a person', result(LEAD, null), { whoId: null, whatId: OTHER_ACCOUNT }, {}],
    ['an Account by domain never joins a WhoId set by a person', result(null, ACCOUNT), { whoId: OTHER_CONTACT, whatId: null }, {}],
  ])('%s', (_name, link, current, expected) => {
    expect(linkFieldValues(link, current)).toEqual(expected);
  });
});

describe('linkFieldValues: links Syncline set follow the attendees', () => {
  const NEW_CONTACT = '0035g0000000003AAA';
  it.each([
    ['a WhoId and WhatId Syncline set move to the new person', result(NEW_CONTACT, OTHER_ACCOUNT), { whoId: CONTACT, whatId: ACCOUNT }, { whoId: CONTACT, whatId: ACCOUNT }, { WhoId: NEW_CONTACT, WhatId: OTHER_ACCOUNT }],
    ['the same person keeps the same links', result(CONTACT, ACCOUNT), { whoId: CONTACT, whatId: ACCOUNT }, { whoId: CONTACT, whatId: ACCOUNT }, {}],
    ['nobody matches any more: both are cleared', result(null, null), { whoId: CONTACT, whatId: ACCOUNT }, { whoId: CONTACT, whatId: ACCOUNT }, { WhoId: null, WhatId: null }],
    ['a Lead replaces the Contact: the WhatId Syncline set is cleared', result(LEAD, null), { whoId: CONTACT, whatId: ACCOUNT }, { whoId: CONTACT, whatId: ACCOUNT }, { WhoId: LEAD, WhatId: null }],
    ['a WhoId a person set after Syncline stays', result(NEW_CONTACT, OTHER_ACCOUNT), { whoId: OTHER_CONTACT, whatId: ACCOUNT }, { whoId: CONTACT, whatId: ACCOUNT }, {}],
    ['a WhatId a person set stays while the WhoId moves', result(NEW_CONTACT, ACCOUNT), { whoId: CONTACT, whatId: OTHER_ACCOUNT }, { whoId: CONTACT, whatId: ACCOUNT }, { WhoId: NEW_CONTACT }],
    ['a Lead never replaces a WhoId next to a WhatId a person set', result(LEAD, null), { whoId: CONTACT, whatId: OTHER_ACCOUNT }, { whoId: CONTACT, whatId: null }, {}],
  ])('%s', (_name, link, current, ours, expected) => {
    expect(linkFieldValues(link, current, ours)).toEqual(expected);
  });
});

const OPTIONS: MeetingRequestOptions = { orgId: 'acme', ownerUserId: '0055g0000000001AAA', mailboxAddress: 'Ada@Acme.test', activity: 'Event', privateItems: 'withoutBody' };

function attendee(email: string | null, type: Attendee['type'] = 'required', response: Attendee['response'] = 'accepted'): Attendee {
  return { email, name: email === null ? 'Nobody' : email.split('@')[0] ?? null, type, response };
}

function event(overrides: Partial<CalendarEvent>): CalendarEvent {
  return {
    subject: 'Review',
    span: { kind: 'timed', start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T10:00:00.000Z', timeZone: 'Europe/Berlin' },
    location: null,
    body: 'Agenda\n\nBest regards\nOtto Organizer',
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: { email: 'otto@partner.test', name: 'Otto Organizer' },
    attendees: [],
    recurrence: null,
    isCancelled: false,
    iCalUId: null,
    categories: [],
    ...overrides,
  } as CalendarEvent;
}

describe('meetingLinkRequest: the people of a meeting', () => {
  it('lists organizer, then attendees once', () => {
    const request = meetingLinkRequest(event({
      attendees: [attendee('otto@partner.test', 'required', 'organizer'), attendee('ada@acme.test'), attendee('ann@partner.test'), attendee('ANN@partner.test', 'optional'), attendee('room@acme.test', 'resource'), attendee(null)],
    }), OPTIONS);

    expect(request?.people).toEqual([
      { address: 'otto@partner.test', name: 'Otto Organizer', role: 'organizer' },
      { address: 'ann@partner.test', name: 'ann', role: 'attendee' },
    ]);
    expect(request?.signatureText).toContain('Otto Organizer');
    expect(request?.activity).toBe('Event');
    expect(request?.isBulk).toBe(false);
  });

  it('skips a meeting of the owner alone', () => {
    expect(meetingLinkRequest(event({ organizer: { email: 'ada@acme.test', name: 'Ada' }, attendees: [attendee('ada@acme.test')] }), OPTIONS)).toBeNull();
  });

  it('respects private meetings', () => {
    const attendees = [attendee('ann@partner.test')];
    expect(meetingLinkRequest(event({ sensitivity: 'private', attendees }), OPTIONS)).toMatchObject({ signatureText: null, isPrivate: true });
    expect(meetingLinkRequest(event({ attendees }), OPTIONS)?.isPrivate).toBe(false);
    expect(meetingLinkRequest(event({ sensitivity: 'private', attendees }), { ...OPTIONS, privateItems: 'busyOnly' })).toBeNull();
    expect(meetingLinkRequest(event({ sensitivity: 'confidential', attendees }), OPTIONS)).toBeNull();
  });
});
