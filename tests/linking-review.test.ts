import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailMessage } from '../src/domain/email-message.ts';
import { linkRequest } from '../src/email/link-requests.ts';
import { meetingLinkRequest } from '../src/linking/activity-links.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { type LinkingWorld, openLinkingWorld, request, settingsWith } from './support/linking-world.ts';

/** Blocklists, aliases, colleagues, private meetings and tie-break wording, against the Salesforce emulator. */

const ON = { enabled: true } as const;

describe('linking review findings', () => {
  let world: LinkingWorld;
  let store: SynclineStore;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ world, store, close } = await openLinkingWorld());
  });

  afterAll(async () => {
    await close?.();
  });

  beforeEach(async () => {
    await world.reset();
    await world.admin('PUT', 'duplicate-rules', { standard: false });
    await store.truncateAll();
  });

  it('blocklist matches normalized aliases', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON, blocklist: ['ceo.private@gmail.com'] }));

    const [result] = await resolver.resolve([request(world.ownerA, [['CeoPrivate+x@googlemail.com', 'The CEO']])]);

    expect(await world.records('Lead')).toEqual([]);
    expect(result).toMatchObject({ whoId: null, byAddress: {}, explanations: [] });
  });

  it('lookup finds a stored +tag', async () => {
    const [john, ann] = await world.seed('Contact', [
      { LastName: 'Smith', Email: 'johnsmith+crm@gmail.com', OwnerId: world.ownerA },
      { LastName: 'Lee', Email: 'ann+crm@outlook.com', OwnerId: world.ownerA },
    ]);
    const { directory } = world.directory();
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }), { directory });

    const before = await world.apiCalls();
    const results = await resolver.resolve([request(world.ownerA, ['john.smith@gmail.com']), request(world.ownerA, ['Ann@outlook.com'])]);
    const calls = (await world.apiCalls()) - before;

    expect(results.map((result) => result.whoId)).toEqual([john, ann]);
    expect(await world.records('Lead')).toEqual([]);
    // Token, two describes, one Composite call: both addresses in the same batched lookup.
    expect(calls).toBeLessThanOrEqual(4);
  });

  it('auto-resolve skips Salesforce Users', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }));

    const [result] = await resolver.resolve([request(world.ownerA, [['Bob@acme.test', 'Bob Owner'], ['nina.new@newco.test', 'Nina New']])]);

    expect((await world.records('Lead')).map((lead) => lead.Email)).toEqual(['nina.new@newco.test']);
    expect(result!.created.Lead).toBe(1);
  });

  it('private meeting creates no record', async () => {
    const [ann] = await world.seed('Contact', [{ LastName: 'Ahlberg', Email: 'ann@partner.test', OwnerId: world.ownerA }]);
    const meeting = {
      subject: 'Private lunch', span: { kind: 'timed', start: '2026-12-01T12:00:00.000Z', end: '2026-12-01T13:00:00.000Z', timeZone: 'UTC' },
      location: null, body: '', showAs: 'busy', sensitivity: 'private', organizer: { email: 'ada@acme.test', name: 'Ada' },
      attendees: [
        { email: 'ann@partner.test', name: 'Ann', type: 'required', response: 'accepted' },
        { email: 'guest@newco.test', name: 'Guest Person', type: 'required', response: 'accepted' },
      ],
      recurrence: null, isCancelled: false, iCalUId: null, categories: [],
    } as unknown as Parameters<typeof meetingLinkRequest>[0];
    const linkRequestOfMeeting = meetingLinkRequest(meeting, { orgId: 'acme', ownerUserId: world.ownerA, mailboxAddress: 'ada@acme.test', activity: 'Event', privateItems: 'withoutBody' });
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }));

    const [result] = await resolver.resolve([linkRequestOfMeeting!]);

    expect(result!.whoId).toBe(ann);
    expect(await world.records('Lead')).toEqual([]);
  });

  it('email request leaves the owner out', async () => {
    const message = {
      from: { address: 'Ada+sent@Acme.test', name: 'Ada Owner' },
      to: [{ address: 'ada@acme.test', name: 'Ada' }, { address: 'pat@prospect.test', name: 'Pat Prospect' }],
      cc: [], bcc: [], headers: {}, subject: 'Offer', textBody: 'Hi Pat', htmlBody: null,
    } as unknown as MailMessage;
    const linkContext = { orgId: 'acme', ownerUserId: world.ownerA, mailbox: { address: 'ada@acme.test' }, profile: { sobject: 'EmailMessage' as const } };
    const emailRequest = linkRequest(message, linkContext);
    expect(emailRequest.people.map((person) => person.address)).toEqual(['Ada+sent@Acme.test', 'pat@prospect.test']);

    const owner = linkRequest({ ...message, from: { address: 'ADA@acme.test', name: 'Ada' } } as MailMessage, linkContext);
    expect(owner.people.map((person) => person.address)).toEqual(['pat@prospect.test']);

    // With default settings (no ownDomains), the owner is neither linked nor created as a Lead.
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }));
    await resolver.resolve([owner]);
    expect((await world.records('Lead')).map((lead) => lead.Email)).toEqual(['pat@prospect.test']);
  });

  it('reason names a lost Contact', async () => {
    const [lead] = await world.seed('Lead', [{ LastName: 'Lee', Company: 'Hooli', Email: 'max@hooli.test', OwnerId: world.ownerB, LastActivityDate: '2026-05-01' }]);
    await world.seed('Contact', [{ LastName: 'Lee', Email: 'max@hooli.test', OwnerId: world.ownerA }]);
    const resolver = world.resolver(store, settingsWith({ tieBreaks: ['recentActivity', 'contactBeforeLead', 'ownerFirst'] }));

    const [result] = await resolver.resolve([request(world.ownerA, ['max@hooli.test'])]);

    const whoReason = result!.explanations.find((explanation) => explanation.use === 'who');
    expect(whoReason).toMatchObject({ recordId: lead, rule: 'recentActivity' });
    expect(whoReason!.detail).not.toContain('no Contact matched');
    expect(whoReason!.detail).toContain('over a Contact');
  });
});
