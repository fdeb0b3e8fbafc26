import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxContact } from '../src/domain/contact.ts';
import { createPeopleContactSource } from '../src/mailbox/google/index.ts';
import { GoogleWorld } from './support/google-world.ts';
import { describeItemSourceContract } from './support/item-source-contract.ts';

/** The People API contact source against the Google emulator: the ItemSource contract, merges and .vcf seeds. */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_VCF = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'vcf');
const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const world = new GoogleWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

function sample(n: number): MailboxContact {
  return {
    givenName: 'Ana',
    surname: `Lima ${n}`,
    salutation: 'Dr.',
    emails: [`ana.lima${n}@customer.example`, 'ana@home.example'],
    phones: { business: '+49 30 1234567', mobile: '+49 170 7654321', home: null, businessFax: '+49 30 1234568' },
    companyName: 'Customer GmbH',
    jobTitle: 'Head of Purchasing',
    department: 'Purchasing',
    businessAddress: { street: 'Hauptstraße 1\n3. OG', city: 'Berlin', state: 'BE', postalCode: '10115', country: 'Germany' },
    homeAddress: null,
    notes: 'Met at the trade fair.',
    birthday: '1984-02-29',
    categories: ['Key accounts'],
  };
}

describeItemSourceContract<MailboxContact>('Google contacts', {
  window: WINDOW,
  guardsVersion: true,
  sample,
  patch: () => ({ surname: 'Lima-Souza', emails: ['ana.souza@customer.example'], phones: { business: null, mobile: '+49 170 1111111', home: '+49 30 999', businessFax: null }, categories: [] }),
  comparable: (contact) => contact,
  newSubject: async () => {
    const user = await world.newUser();
    return {
      source: createPeopleContactSource(user.options),
      editOutside: async (id) => {
        const current = await world.api<{ etag: string }>(user, 'GET', `/v1/${id}?personFields=names`);
        await world.api(user, 'PATCH', `/v1/${id}:updateContact?updatePersonFields=names`, { etag: current.body.etag, names: [{ givenName: 'Anna', familyName: 'Lima' }] });
      },
      expireCursor: async () => {
        await world.admin('POST', `/_admin/users/${user.email}/people/expire-sync-tokens`);
      },
    };
  },
});

describe('Google contact source', () => {
  it('keeps the fields Syncline does not map when it updates', async () => {
    const user = await world.newUser();
    const source = createPeopleContactSource(user.options);
    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-contact-1', item: sample(1) }]);
    const id = created?.ok ? created.id : '';
    const current = await world.api<{ etag: string; phoneNumbers: unknown[] }>(user, 'GET', `/v1/${id}?personFields=phoneNumbers,names`);
    await world.api(user, 'PATCH', `/v1/${id}:updateContact?updatePersonFields=phoneNumbers,names`, {
      etag: current.body.etag,
      phoneNumbers: [...current.body.phoneNumbers, { value: '+49 30 555', type: 'pager' }],
      names: [{ givenName: 'Ana', familyName: 'Lima 1', middleName: 'Maria', honorificPrefix: 'Dr.' }],
    });
    const version = (await source.readItems([id])).get(id)?.version ?? null;

    const [updated] = await source.applyWrites([{ op: 'update', ref: 'u', id, patch: { phones: { business: '+49 30 7777', mobile: null, home: null, businessFax: '+49 30 1234568' }, surname: 'Souza' }, expectedVersion: version }]);
    expect(updated?.ok).toBe(true);
    const stored = await world.api<{ phoneNumbers: { value: string; type: string }[]; names: { middleName?: string; familyName?: string }[]; clientData: unknown[] }>(user, 'GET', `/v1/${id}?personFields=phoneNumbers,names,clientData`);
    expect(stored.body.phoneNumbers.map(({ value, type }) => ({ value, type }))).toEqual([
      { value: '+49 30 7777', type: 'work' },
      { value: '+49 30 1234568', type: 'workFax' },
      { value: '+49 30 555', type: 'pager' },
    ]);
    expect(stored.body.names[0]?.middleName).toBe('Maria');
    expect(stored.body.names[0]?.familyName).toBe('Souza');
    expect(stored.body.clientData).toEqual([{ key: 'synclineSyncId', value: 'sync-contact-1', metadata: expect.any(Object) }]);
  });

  it('reads corpus cards as Graph imports them', async () => {
    const user = await world.newUser();
    const vcf = readFileSync(path.join(CORPUS_VCF, 'gmail-vcard30-many-typed-tel-email.vcf'), 'utf8');
    const seeded = await world.admin<{ added: number; resourceNames: string[] }>('POST', `/_admin/users/${user.email}/people/seed-vcf`, { vcf, fileName: 'gmail.vcf' });
    expect(seeded.added).toBeGreaterThan(0);

    const source = createPeopleContactSource(user.options);
    const pull = await source.pullChanges(null, WINDOW);
    expect(pull.changes.map((change) => change.id).sort()).toEqual([...seeded.resourceNames].sort());
    const again = await world.admin<{ added: number; unchanged: number }>('POST', `/_admin/users/${user.email}/people/seed-vcf`, { vcf, fileName: 'gmail.vcf' });
    expect(again.added).toBe(0);
    expect(again.unchanged).toBe(seeded.added);
  });

  it('rejects a whole batch with contactErrors', async () => {
    const user = await world.newUser();
    const good = { names: [{ givenName: 'Good' }] };
    const bad = { names: [{ givenName: 'Bad' }], memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/missing' } }] };
    const refused = await world.api<{ error: { code: number; details: { '@type': string; contactErrors?: Record<string, { code: number }> }[] } }>(user, 'POST', '/v1/people:batchCreateContacts', {
      contacts: [{ contactPerson: good }, { contactPerson: bad }, { contactPerson: good }],
      readMask: 'names',
    });
    expect(refused.status).toBe(400);
    const detail = refused.body.error.details.find((entry) => entry['@type'] === 'type.googleapis.com/google.people.v1.BatchCreateContactsErrorDetails');
    expect(Object.keys(detail?.contactErrors ?? {})).toEqual(['1']);
    const pull = await createPeopleContactSource(user.options).pullChanges(null, WINDOW);
    expect(pull.changes).toEqual([]);
  });

  it('retries the valid contacts of a rejected batch', async () => {
    const user = await world.newUser();
    // Each request makes the contact with sync id bad-… name a contact group that does not exist.
    // The emulator rejects that contact the way People does.
    const requests: number[] = [];
    const fetchWithBadContact: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/people:batchCreateContacts') && typeof init?.body === 'string') {
        const body = JSON.parse(init.body) as { contacts: { contactPerson: { clientData?: { key: string; value: string }[]; memberships?: unknown[] } }[] };
        requests.push(body.contacts.length);
        for (const { contactPerson } of body.contacts) {
          if (contactPerson.clientData?.some((entry) => entry.value.startsWith('bad-'))) {
            contactPerson.memberships = [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/missing' } }];
          }
        }
        return fetch(input, { ...init, body: JSON.stringify(body) });
      }
      return fetch(input, init);
    };
    const source = createPeopleContactSource({ ...user.options, fetch: fetchWithBadContact });
    const syncIds = ['good-1', 'bad-2', 'good-3', 'good-4'];
    const results = await source.applyWrites(syncIds.map((syncId, n) => ({ op: 'create' as const, ref: syncId, syncId, item: sample(n) })));

    expect(results.map((result) => [result.ref, result.ok])).toEqual([
      ['good-1', true],
      ['bad-2', false],
      ['good-3', true],
      ['good-4', true],
    ]);
    const failed = results[1];
    expect(failed?.ok === false ? failed.failure : null).toMatchObject({ kind: 'itemError', code: 'ContactRejected' });
    expect(requests).toEqual([4, 3]);
    const pull = await createPeopleContactSource(user.options).pullChanges(null, WINDOW);
    expect(pull.changes.map((change) => change.id).sort()).toEqual(results.flatMap((result) => (result.ok ? [result.id] : [])).sort());
  });
});
