import { describe, expect, it } from 'vitest';

import type { Attendee, CalendarEvent, Person } from '../src/domain/calendar-event.ts';
import { planSession } from '../src/sync/planner.ts';
import { defaultSyncPolicy } from '../src/sync/policy.ts';
import { event, linkFor, mailboxUpsert, plannerInput } from './support/planner-fixtures.ts';

const NOW = new Date('2026-12-20T12:00:00Z');
const OWNER = 'dana.fox@acme.example.com';
const ANA = 'ana@fabrikam.example.com';
const POLICY = { ...defaultSyncPolicy, unsync: [{ name: 'reviews', subjectContains: 'review' }] };

function person(email: string | null, name = 'Someone'): Person {
  return { email, name };
}

function invitee(email: string | null, response: Attendee['response'] = 'accepted'): Attendee {
  return { email, name: email ?? 'Group', type: 'required', response };
}

/** Plan one linked event that the rule matches, and return whether its copy is removed, with the plan's notes. */
function plan(meeting: Partial<CalendarEvent>, mailboxAddress: string | null = OWNER) {
  const result = planSession(
    plannerInput({
      links: [linkFor('s1', 'm1', 'c1')],
      mailbox: new Map([['m1', mailboxUpsert('m1', event(meeting), 'ck-2')]]),
      policy: POLICY,
      now: NOW,
      ...(mailboxAddress === null ? {} : { mailboxAddress }),
    }),
  );
  return { removed: result.actions.some((action) => action.mailboxWrite?.op === 'delete'), notes: result.notes.join('\n') };
}

describe('un-sync organizer check', () => {
  it('removes copies of others\' meetings', () => {
    expect(plan({ organizer: person(ANA), attendees: [invitee(OWNER), invitee('kim@fabrikam.example.com')] }).removed).toBe(true);
    // The owner's address compares without regard to case, spaces or a routing prefix.
    expect(plan({ organizer: person(`SMTP:${ANA.toUpperCase()}`), attendees: [invitee(` ${OWNER.toUpperCase()} `), invitee('kim@fabrikam.example.com')] }).removed).toBe(true);
  });

  it('removes events inviting nobody else', () => {
    expect(plan({ organizer: person('/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=dana'), attendees: [] }).removed).toBe(true);
    expect(plan({ organizer: null, attendees: [invitee(OWNER)] }).removed).toBe(true);
  });

  const keptCases: [string, Partial<CalendarEvent>, string | null][] = [
    ['the owner under an alias on another domain', { organizer: person('dana.fox@acme.onmicrosoft.com'), attendees: [invitee(OWNER), invitee(ANA)] }, OWNER],
    ['the owner under a +tag address', { organizer: person('dana.fox+sales@acme.example.com'), attendees: [invitee(OWNER), invitee(ANA)] }, OWNER],
    [
      'an Exchange legacy DN',
      { organizer: person('/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=0A1B2C-DANA'), attendees: [invitee(OWNER), invitee(ANA)] },
      OWNER,
    ],
    ['a legacy DN with a routing prefix', { organizer: person('EX:/o=ExchangeLabs/cn=Recipients/cn=dana'), attendees: [invitee(OWNER), invitee(ANA)] }, OWNER],
    [
      'a legacy DN wrapped as an SMTP address',
      { organizer: person('IMCEAEX-_o=ExchangeLabs_ou=Exchange+20Administrative+20Group_cn=Recipients_cn=dana@acme.example.com'), attendees: [invitee(OWNER), invitee(ANA)] },
      OWNER,
    ],
    ['a display name without an address', { organizer: person('Dana Fox'), attendees: [invitee(OWNER), invitee(ANA)] }, OWNER],
    ['no organizer at all', { organizer: null, attendees: [invitee(OWNER), invitee(ANA)] }, OWNER],
    ['an organizer without an address', { organizer: person(null), attendees: [invitee(OWNER), invitee(ANA)] }, OWNER],
    ["an owner's entry that says organizer", { organizer: person(ANA), attendees: [invitee(OWNER, 'organizer'), invitee('kim@fabrikam.example.com')] }, OWNER],
    ['a copy that does not invite the owner under its own address (an alias or a group)', { organizer: person(ANA), attendees: [invitee('dana@acme.example.com'), invitee(null)] }, OWNER],
    ['a mailbox whose address is unknown', { organizer: person(ANA), attendees: [invitee(OWNER), invitee('kim@fabrikam.example.com')] }, null],
  ];

  it.each(keptCases)('keeps meeting organized by %s', (_case, meeting, mailboxAddress) => {
    const result = plan(meeting, mailboxAddress);
    expect(result.removed).toBe(false);
    expect(result.notes).toContain("Un-sync rule 'reviews' matches 1 meetings this mailbox organizes");
  });
});
