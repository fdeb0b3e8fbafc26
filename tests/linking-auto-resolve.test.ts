import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PeopleDirectory } from '../src/linking/ports.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { LinkingWorld, request, openLinkingWorld, settingsWith } from './support/linking-world.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const ON = { enabled: true } as const;

const SIGNED = `Thanks, see you Tuesday.

Best regards,
Mary O'Neil
Head of Purchasing
Globex Corporation
Phone: +1 212 555 0142
Mobile: +1 917 555 0188
www.globex.test

> On Monday, Ada wrote:
> Shall we meet?`;

describe('auto-resolving unknown people', () => {
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

  it('creates a Lead from the signature', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }));

    const [result] = await resolver.resolve([request(world.ownerA, [['mary.oneil@globex.test', '"O\'Neil, Mary"']], { signatureText: SIGNED })]);

    const [lead] = await world.records('Lead');
    expect(result!.whoId).toBe(lead!.Id);
    expect(result!.whatId).toBeNull();
    expect(result!.created).toEqual({ Lead: 1, Contact: 0, Account: 0 });
    expect(lead).toMatchObject({
      FirstName: 'Mary', LastName: "O'Neil", Company: 'Globex Corporation', Title: 'Head of Purchasing', Email: 'mary.oneil@globex.test',
      Phone: '+12125550142', MobilePhone: '+19175550188', Website: 'www.globex.test', OwnerId: world.ownerA, LeadSource: 'Other',
    });
    const created = result!.explanations.find((explanation) => explanation.use === 'created');
    expect(created).toMatchObject({ recordId: lead!.Id, object: 'Lead', rule: 'autoResolveLead' });
    expect(created!.detail).toContain('from the signature');
  });

  it('display-name company and name fallbacks', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }));

    await resolver.resolve([request(world.ownerA, [
      ['k.guenther@example-gmbh.test', 'Günther John | Example GmbH'],
      ['x7f3k@gmail.com', null],
      ['jane.doe@initech-labs.test', null],
    ])]);

    const leads = await world.records('Lead');
    const byEmail = Object.fromEntries(leads.map((lead) => [lead.Email, lead]));
    expect(byEmail['k.guenther@example-gmbh.test']).toMatchObject({ FirstName: 'John', LastName: 'Günther', Company: 'Example GmbH' });
    expect(byEmail['x7f3k@gmail.com']).toMatchObject({ LastName: '[not provided]', Company: '[not provided]' });
    expect(byEmail['jane.doe@initech-labs.test']).toMatchObject({ FirstName: 'Jane', LastName: 'Doe', Company: 'Initech Labs' });
  });

  it('never for role addresses, bulk mail or own domains', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON, ownDomains: ['acme.test'] }));

    const results = await resolver.resolve([
      request(world.ownerA, ['noreply@globex.test', 'info@globex.test', 'support-eu@globex.test', 'MAILER-DAEMON@globex.test', 'colleague@acme.test']),
      request(world.ownerA, ['news@letters.test', 'reader@letters.test'], { isBulk: true }),
    ]);

    expect(await world.records('Lead')).toEqual([]);
    expect(results.map((result) => result.created.Lead)).toEqual([0, 0]);
  });

  it('off by default and blocklist before creating', async () => {
    const off = world.resolver(store, settingsWith());
    await off.resolve([request(world.ownerA, ['someone@globex.test'])]);
    const blocked = world.resolver(store, settingsWith({ autoResolve: ON, blocklist: ['globex.test'] }));
    await blocked.resolve([request(world.ownerA, ['someone@globex.test'])]);

    expect(await world.records('Lead')).toEqual([]);
    expect(await store.listLinkExplanations(null, 'x'.repeat(15))).toEqual([]);
  });

  it('scope all and only the first person', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: { ...ON, scope: 'all', people: 'first' }, ownDomains: ['acme.test'] }));

    await resolver.resolve([request(world.ownerA, ['colleague@acme.test', 'second@globex.test'])]);

    expect((await world.records('Lead')).map((lead) => lead.Email)).toEqual(['colleague@acme.test']);
  });

  it('Contact with the Account found by domain', async () => {
    const [globex] = await world.seed('Account', [{ Name: 'Globex', Website: 'globex.test', OwnerId: world.ownerA }]);
    const resolver = world.resolver(store, settingsWith({ autoResolve: { ...ON, create: 'Contact' } }));

    const [result] = await resolver.resolve([request(world.ownerA, [['new.person@globex.test', 'New Person']])]);

    const [created] = await world.records('Contact');
    expect(created).toMatchObject({ FirstName: 'New', LastName: 'Person', AccountId: globex });
    expect(result).toMatchObject({ whoId: created!.Id, whatId: globex, created: { Lead: 0, Contact: 1, Account: 0 } });
  });

  it('Contact with an Account created from the domain', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: { ...ON, create: 'Contact' } }));

    const [result] = await resolver.resolve([request(world.ownerA, ['a.one@initech-labs.test', 'b.two@initech-labs.test'])]);

    const accounts = await world.records('Account');
    expect(accounts.map((account) => [account.Name, account.Website])).toEqual([['Initech Labs', 'initech-labs.test']]);
    const contacts = await world.records('Contact');
    expect(contacts.map((contact) => contact.AccountId)).toEqual([accounts[0]!.Id, accounts[0]!.Id]);
    expect(result).toMatchObject({ whatId: accounts[0]!.Id, created: { Contact: 2, Account: 1 } });
  });

  it('free-mail Contact gets the fallback Account', async () => {
    const [fallback] = await world.seed('Account', [{ Name: 'Individuals', OwnerId: world.ownerA }]);
    const resolver = world.resolver(store, settingsWith({ autoResolve: { ...ON, create: 'Contact', fallbackAccountId: fallback! } }));

    await resolver.resolve([request(world.ownerA, ['someone@gmail.com'])]);

    expect((await world.records('Account')).map((account) => account.Name)).toEqual(['Individuals']);
    expect((await world.records('Contact'))[0]).toMatchObject({ AccountId: fallback, LastName: 'Someone' });
  });

  it('Person Account links its own Contact', async () => {
    const resolver = world.resolver(store, settingsWith({ autoResolve: { ...ON, create: 'PersonAccount' } }));

    const [result] = await resolver.resolve([request(world.ownerA, [['pat.smith@gmail.com', 'Pat Smith']])]);

    const [account] = await world.records('Account');
    expect(account).toMatchObject({ IsPersonAccount: true, FirstName: 'Pat', LastName: 'Smith', PersonEmail: 'pat.smith@gmail.com' });
    // The person account is the Account of its own Contact, so it is the WhatId.
    expect(result).toMatchObject({ whoId: account!.PersonContactId, whatId: account!.Id, created: { Account: 1 } });
  });

  it('duplicate rule match is linked, not duplicated', async () => {
    await world.admin('PUT', 'duplicate-rules', { standard: true });
    const [hidden] = await world.seed('Contact', [{ LastName: 'Hidden', Email: 'hidden@globex.test', OwnerId: world.ownerB }]);
    // The integration user cannot see the Contact (sharing), but the duplicate rule runs in system mode and can.
    const { directory } = world.directory();
    const blind: PeopleDirectory = { ...bind(directory), findPeople: async () => [] };
    const resolver = world.resolver(store, settingsWith({ autoResolve: ON }), { directory: blind });

    const [result] = await resolver.resolve([request(world.ownerA, ['hidden@globex.test'])]);

    expect(await world.records('Lead')).toEqual([]);
    expect(result!.whoId).toBe(hidden);
    expect(result!.explanations.find((explanation) => explanation.use === 'who')?.rule).toBe('duplicateRule');
  });
});

describe.each([
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
])('concurrent resolvers on $name', ({ makeTarget }) => {
  let world: LinkingWorld;
  let target: StoreTarget;
  const stores: SynclineStore[] = [];

  beforeAll(async () => {
    world = await LinkingWorld.start();
    target = makeTarget();
    for (let index = 0; index < 4; index += 1) {
      stores.push(await target.open());
    }
  });

  afterAll(async () => {
    for (const store of stores) {
      await store.close();
    }
    await target?.dispose();
    await world?.close();
  });

  it('create one record for one new person', async () => {
    for (const create of ['Lead', 'Contact'] as const) {
      await world.reset();
      await stores[0]!.truncateAll();
      const settings = settingsWith({ autoResolve: { ...ON, create } });
      // Duplicate rules are off: the store claims alone must keep the workers from creating twice.
      const resolvers = stores.map((store) => world.resolver(store, settings));

      const results = await Promise.all(resolvers.map((resolver, index) =>
        resolver.resolve([request(index % 2 === 0 ? world.ownerA : world.ownerB, [['new.face@umbrella.test', 'New Face']])])));

      const people = await world.records(create);
      expect(people).toHaveLength(1);
      expect(new Set(results.map(([result]) => result!.whoId))).toEqual(new Set([people[0]!.Id]));
      expect(results.reduce((sum, [result]) => sum + result!.created[create], 0)).toBe(1);
      if (create === 'Contact') {
        expect(await world.records('Account')).toHaveLength(1);
      }
    }
  });
});

/** Copy a class instance's methods onto a plain object, bound, so a test can replace one. */
function bind(directory: PeopleDirectory): PeopleDirectory {
  return {
    findPeople: directory.findPeople.bind(directory),
    findUsers: directory.findUsers.bind(directory),
    findAccountsByIds: directory.findAccountsByIds.bind(directory),
    findAccountsByDomains: directory.findAccountsByDomains.bind(directory),
    openOpportunities: directory.openOpportunities.bind(directory),
    insertPerson: directory.insertPerson.bind(directory),
    insertAccount: directory.insertAccount.bind(directory),
  };
}
