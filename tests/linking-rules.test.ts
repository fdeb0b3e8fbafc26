import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SynclineStore } from '../src/store/index.ts';
import { type LinkingWorld, ORG_ID, openLinkingWorld, request, settingsWith, type SettingsPatch } from './support/linking-world.ts';

/**
 * The linking rules against the Salesforce emulator, one row per rule or tie-break: the records an org has, the
 * activity's people, the settings, and the WhoId, WhatId and rule expected.
 */
interface Row {
  readonly name: string;
  readonly seed: (world: LinkingWorld) => Promise<Record<string, string>>;
  readonly people: (string | [string, string | null])[];
  readonly owner?: 'A' | 'B';
  readonly settings?: SettingsPatch;
  /** Keys of the seeded ids, or null. */
  readonly who: string | null;
  readonly what: string | null;
  readonly whoRule?: string;
  readonly whatRule?: string;
}

async function account(world: LinkingWorld, values: Record<string, unknown>): Promise<string> {
  return (await world.seed('Account', [{ Name: 'Account', OwnerId: world.ownerA, ...values }]))[0]!;
}

async function contact(world: LinkingWorld, values: Record<string, unknown>): Promise<string> {
  return (await world.seed('Contact', [{ LastName: 'Person', OwnerId: world.ownerA, ...values }]))[0]!;
}

async function lead(world: LinkingWorld, values: Record<string, unknown>): Promise<string> {
  return (await world.seed('Lead', [{ LastName: 'Person', Company: 'Co', OwnerId: world.ownerA, ...values }]))[0]!;
}

const ROWS: Row[] = [
  {
    name: 'Contact by Email ignoring case, WhatId its Account',
    seed: async (w) => {
      const acme = await account(w, {});
      return { acme, ann: await contact(w, { Email: 'Ann.Lee@Globex.test', AccountId: acme }) };
    },
    people: ['ann.lee@globex.TEST'],
    who: 'ann', what: 'acme', whoRule: 'emailMatch', whatRule: 'accountOfContact',
  },
  {
    name: 'Contact by a configured extra email field',
    seed: async (w) => ({ ann: await contact(w, { Email: 'ann@globex.test', Secondary_Email__c: 'ann.private@home.test' }) }),
    people: ['ann.private@home.test'],
    settings: { emailFields: { Contact: ['Email', 'Secondary_Email__c'], Lead: ['Email'] }, accountByDomain: false },
    who: 'ann', what: null,
  },
  {
    name: 'extra email field unused unless configured',
    seed: async (w) => ({ ann: await contact(w, { Email: 'ann@globex.test', Secondary_Email__c: 'ann.private@home.test' }) }),
    people: ['ann.private@home.test'],
    settings: { accountByDomain: false },
    who: null, what: null,
  },
  {
    name: 'Gmail ignores dots, +tags and googlemail.com',
    seed: async (w) => ({ john: await lead(w, { Email: 'john.smith@gmail.com' }) }),
    people: ['JohnSmith+news@googlemail.com'],
    who: 'john', what: null,
  },
  {
    name: '+tag kept on a corporate domain',
    seed: async (w) => ({ ann: await contact(w, { Email: 'ann@initech.test' }) }),
    people: ['ann+crm@initech.test'],
    settings: { accountByDomain: false },
    who: null, what: null,
  },
  {
    name: '+tag dropped on a configured subaddress domain',
    seed: async (w) => ({ ann: await contact(w, { Email: 'ann@initech.test' }) }),
    people: ['ann+crm@initech.test'],
    settings: { subaddressDomains: ['initech.test'], accountByDomain: false },
    who: 'ann', what: null,
  },
  {
    name: 'contactBeforeLead',
    seed: async (w) => ({
      lead: await lead(w, { Email: 'max@hooli.test', LastActivityDate: '2026-05-01' }),
      contact: await contact(w, { Email: 'max@hooli.test' }),
    }),
    people: ['max@hooli.test'],
    who: 'contact', what: null, whoRule: 'contactBeforeLead',
  },
  {
    name: 'ownerFirst',
    seed: async (w) => ({
      ofA: await contact(w, { Email: 'eve@hooli.test', OwnerId: w.ownerA, LastActivityDate: '2026-05-01' }),
      ofB: await contact(w, { Email: 'eve@hooli.test', OwnerId: w.ownerB }),
    }),
    people: ['eve@hooli.test'],
    owner: 'B',
    who: 'ofB', what: null, whoRule: 'ownerFirst',
  },
  {
    name: 'recentActivity before ownerFirst when ordered so',
    seed: async (w) => ({
      ofA: await contact(w, { Email: 'eve@hooli.test', OwnerId: w.ownerA, LastActivityDate: '2026-05-01' }),
      ofB: await contact(w, { Email: 'eve@hooli.test', OwnerId: w.ownerB }),
    }),
    people: ['eve@hooli.test'],
    owner: 'B',
    settings: { tieBreaks: ['recentActivity', 'ownerFirst', 'contactBeforeLead'] },
    who: 'ofA', what: null, whoRule: 'recentActivity',
  },
  {
    name: 'recentActivity: LastActivityDate first',
    seed: async (w) => ({
      older: await contact(w, { Email: 'kim@hooli.test', LastActivityDate: '2026-01-10', LastModifiedDate: '2026-05-01T00:00:00.000+0000' }),
      newer: await contact(w, { Email: 'kim@hooli.test', LastActivityDate: '2026-03-10', LastModifiedDate: '2026-02-01T00:00:00.000+0000' }),
    }),
    people: ['kim@hooli.test'],
    who: 'newer', what: null, whoRule: 'recentActivity',
  },
  {
    name: 'recentActivity: then LastModifiedDate',
    seed: async (w) => ({
      older: await contact(w, { Email: 'kim@hooli.test', LastModifiedDate: '2026-02-01T00:00:00.000+0000' }),
      newer: await contact(w, { Email: 'kim@hooli.test', LastModifiedDate: '2026-04-01T00:00:00.000+0000' }),
    }),
    people: ['kim@hooli.test'],
    who: 'newer', what: null, whoRule: 'recentActivity',
  },
  {
    name: 'converted Leads are never matched',
    seed: async (w) => ({ converted: await lead(w, { Email: 'old@hooli.test', IsConverted: true }) }),
    people: ['old@hooli.test'],
    who: null, what: null,
  },
  {
    name: 'a Contact wins WhoId over an earlier Lead',
    seed: async (w) => {
      const acme = await account(w, {});
      return { lead: await lead(w, { Email: 'first@hooli.test' }), contact: await contact(w, { Email: 'second@globex.test', AccountId: acme }), acme };
    },
    people: ['first@hooli.test', 'second@globex.test'],
    who: 'contact', what: 'acme',
  },
  {
    name: 'a Lead WhoId gets no WhatId',
    seed: async (w) => ({ lead: await lead(w, { Email: 'lee@globex.test' }), globex: await account(w, { Website: 'globex.test' }) }),
    people: ['lee@globex.test'],
    who: 'lead', what: null,
  },
  {
    name: 'Account by Website when nobody matched',
    seed: async (w) => ({ globex: await account(w, { Website: 'https://www.Globex.test/' }), other: await account(w, { Website: 'notglobex.test' }) }),
    people: ['new.person@globex.test'],
    who: null, what: 'globex', whatRule: 'accountByWebsite',
  },
  {
    name: 'Account by Website covers subdomains',
    seed: async (w) => ({ globex: await account(w, { Website: 'globex.test' }) }),
    people: ['new.person@eu.globex.test'],
    who: null, what: 'globex', whatRule: 'accountByWebsite',
  },
  {
    name: 'Account by Website: owner first',
    seed: async (w) => ({ ofA: await account(w, { Website: 'globex.test', OwnerId: w.ownerA }), ofB: await account(w, { Website: 'www.globex.test', OwnerId: w.ownerB }) }),
    people: ['new.person@globex.test'],
    owner: 'B',
    who: null, what: 'ofB', whatRule: 'accountByWebsite',
  },
  {
    name: 'Account by the domain of its Contacts',
    seed: async (w) => {
      const few = await account(w, { Name: 'Few' });
      const many = await account(w, { Name: 'Many' });
      await contact(w, { Email: 'a@initech.test', AccountId: few });
      await contact(w, { Email: 'b@initech.test', AccountId: many });
      await contact(w, { Email: 'c@initech.test', AccountId: many });
      return { many };
    },
    people: ['newcomer@initech.test'],
    who: null, what: 'many', whatRule: 'accountByContactDomain',
  },
  {
    name: 'no Account by a free-mail domain',
    seed: async (w) => {
      const home = await account(w, { Website: 'gmail.com' });
      await contact(w, { Email: 'someone@gmail.com', AccountId: home });
      return { home };
    },
    people: ['stranger@gmail.com'],
    who: null, what: null,
  },
  {
    name: 'no Account by the org\'s own domain',
    seed: async (w) => ({ self: await account(w, { Website: 'acme.test' }) }),
    people: ['colleague@acme.test'],
    settings: { ownDomains: ['acme.test'] },
    who: null, what: null,
  },
  {
    name: 'accountByDomain off',
    seed: async (w) => ({ globex: await account(w, { Website: 'globex.test' }) }),
    people: ['new.person@globex.test'],
    settings: { accountByDomain: false },
    who: null, what: null,
  },
  {
    name: 'singleOpen: the only open Opportunity',
    seed: async (w) => {
      const acme = await account(w, {});
      const open = (await w.seed('Opportunity', [{ Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-09-01', AccountId: acme }]))[0]!;
      await w.seed('Opportunity', [{ Name: 'Won', StageName: 'Closed Won', CloseDate: '2026-01-01', AccountId: acme }]);
      return { acme, open, ann: await contact(w, { Email: 'ann@globex.test', AccountId: acme }) };
    },
    people: ['ann@globex.test'],
    who: 'ann', what: 'open', whatRule: 'singleOpenOpportunity',
  },
  {
    name: 'singleOpen: several open ones give the Account',
    seed: async (w) => {
      const acme = await account(w, {});
      await w.seed('Opportunity', [
        { Name: 'One', StageName: 'Prospecting', CloseDate: '2026-09-01', AccountId: acme },
        { Name: 'Two', StageName: 'Qualification', CloseDate: '2026-09-01', AccountId: acme },
      ]);
      return { acme, ann: await contact(w, { Email: 'ann@globex.test', AccountId: acme }) };
    },
    people: ['ann@globex.test'],
    who: 'ann', what: 'acme', whatRule: 'accountOfContact',
  },
  {
    name: 'mostRecentOpen: the open one changed last',
    seed: async (w) => {
      const acme = await account(w, {});
      const [, recent] = await w.seed('Opportunity', [
        { Name: 'Older', StageName: 'Prospecting', CloseDate: '2026-09-01', AccountId: acme, LastModifiedDate: '2026-01-01T00:00:00.000+0000' },
        { Name: 'Newer', StageName: 'Qualification', CloseDate: '2026-09-01', AccountId: acme, LastModifiedDate: '2026-04-01T00:00:00.000+0000' },
      ]);
      return { acme, recent: recent!, ann: await contact(w, { Email: 'ann@globex.test', AccountId: acme }) };
    },
    people: ['ann@globex.test'],
    settings: { opportunity: 'mostRecentOpen' },
    who: 'ann', what: 'recent', whatRule: 'mostRecentOpenOpportunity',
  },
  {
    name: 'opportunity none',
    seed: async (w) => {
      const acme = await account(w, {});
      await w.seed('Opportunity', [{ Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-09-01', AccountId: acme }]);
      return { acme, ann: await contact(w, { Email: 'ann@globex.test', AccountId: acme }) };
    },
    people: ['ann@globex.test'],
    settings: { opportunity: 'none' },
    who: 'ann', what: 'acme',
  },
  {
    name: 'org blocklist with subdomain wildcard',
    seed: async (w) => ({ ann: await contact(w, { Email: 'ann@mail.blocked.test' }) }),
    people: ['ann@mail.blocked.test'],
    settings: { blocklist: ['*.blocked.test'] },
    who: null, what: null,
  },
];

describe('linking rules', () => {
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
    await store.truncateAll();
  });

  it.each(ROWS)('$name', async (row) => {
    const ids = await row.seed(world);
    const owner = row.owner === 'B' ? world.ownerB : world.ownerA;
    const resolver = world.resolver(store, settingsWith(row.settings));

    const [result] = await resolver.resolve([request(owner, row.people)]);

    expect(result!.whoId).toBe(row.who === null ? null : ids[row.who]);
    expect(result!.whatId).toBe(row.what === null ? null : ids[row.what]);
    if (row.whoRule !== undefined) {
      expect(result!.explanations.find((explanation) => explanation.use === 'who')?.rule).toBe(row.whoRule);
    }
    if (row.whatRule !== undefined) {
      expect(result!.explanations.find((explanation) => explanation.use === 'what')?.rule).toBe(row.whatRule);
    }
  });

  it('user blocklist hides the address everywhere', async () => {
    await contact(world, { Email: 'private@globex.test' });
    const resolver = world.resolver(store, settingsWith(), { userBlocklist: (owner) => (owner === world.ownerA ? ['private@globex.test'] : []) });

    const [result] = await resolver.resolve([request(world.ownerA, ['private@globex.test'])]);

    expect(result!.whoId).toBeNull();
    expect(result!.byAddress).toEqual({});
    expect(result!.explanations).toEqual([]);
  });

  it('relations and byAddress list every match', async () => {
    const acme = await account(world, {});
    const ann = await contact(world, { Email: 'ann@globex.test', AccountId: acme });
    const lee = await lead(world, { Email: 'lee@hooli.test' });
    const resolver = world.resolver(store, settingsWith());

    const [result] = await resolver.resolve([request(world.ownerA, ['Lee@Hooli.test', 'ann@globex.test', 'nobody@nowhere.test'])]);

    expect(result!.relationIds).toEqual([lee, ann]);
    expect(result!.byAddress).toEqual({ 'lee@hooli.test': lee, 'ann@globex.test': ann });
    expect(result!.created).toEqual({ Lead: 0, Contact: 0, Account: 0 });
  });

  it('one batched lookup for many addresses, cached for the session', async () => {
    const addresses = Array.from({ length: 250 }, (_, index) => `person${index}@bulk${index % 7}.test`);
    await world.seed('Contact', addresses.filter((_, index) => index % 3 === 0).map((email) => ({ LastName: 'Bulk', Email: email, OwnerId: world.ownerA })));
    const { directory } = world.directory();
    const resolver = world.resolver(store, settingsWith({ accountByDomain: false, opportunity: 'none' }), { directory });
    const requests = addresses.map((address) => request(world.ownerA, [address]));

    const before = await world.apiCalls();
    const results = await resolver.resolve(requests);
    const first = (await world.apiCalls()) - before;
    await resolver.resolve(requests);
    const second = (await world.apiCalls()) - before - first;

    expect(results.filter((result) => result.whoId !== null)).toHaveLength(84);
    // Token request aside: two describes, then one Composite call of at most five queries per five chunks.
    expect(first).toBeLessThanOrEqual(5);
    expect(second).toBe(0);
  });

  it('explanations are stored for explain', async () => {
    const acme = await account(world, {});
    const ann = await contact(world, { Email: 'ann@globex.test', AccountId: acme });
    const resolver = world.resolver(store, settingsWith());

    await resolver.resolve([request(world.ownerA, ['ann@globex.test'])]);
    await resolver.resolve([request(world.ownerA, ['ann@globex.test'], { activity: 'Event' })]);

    const rows = await store.listLinkExplanations(ORG_ID, ann);
    expect(rows.map((row) => `${row.use}/${row.rule}/${row.activity}`).sort()).toEqual([
      'relation/emailMatch/EmailMessage', 'relation/emailMatch/Event', 'who/emailMatch/EmailMessage', 'who/emailMatch/Event',
    ]);
    expect(rows[0]!.detail).toContain('ann@globex.test');
    expect((await store.listLinkExplanations(ORG_ID, acme)).map((row) => row.rule)).toEqual(['accountOfContact', 'accountOfContact']);
  });
});
