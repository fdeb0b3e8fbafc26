import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEmulator } from './test-client.ts';
import { SYNC_PROPERTY, USER, corpusApiDir, startTestEmulator } from './test-client.ts';

/** The contacts part of the emulator: folders, contacts, extended properties, delta and seeding. */
const USER_PATH = `/users/${USER.userPrincipalName}`;

function documentedContact(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(corpusApiDir, 'graph-contact.json'), 'utf8')) as Record<string, unknown>;
}

/** Build a create body from the documented payload, without the server-assigned properties. */
function createBody(): Record<string, unknown> {
  const serverOwned = ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'parentFolderId'];
  return Object.fromEntries(Object.entries(documentedContact()).filter(([key]) => !serverOwned.includes(key)));
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

describe('graph emulator contacts', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('contact matches graph-contact.json key for key', async () => {
    const created = await test.graph('POST', `${USER_PATH}/contacts`, { body: createBody() });
    const read = await test.graph('GET', `${USER_PATH}/contacts/${created.json.id}`);
    const documented = documentedContact();
    const ours = Object.fromEntries(Object.entries(read.json as Record<string, unknown>).filter(([key]) => !key.startsWith('@odata.')));

    expect(created.status).toBe(201);
    expect(Object.keys(ours)).toEqual(Object.keys(documented));
    for (const [key, value] of Object.entries(documented)) {
      expect([key, typeOf(ours[key])]).toEqual([key, typeOf(value)]);
    }
    expect(ours.businessAddress).toEqual(documented.businessAddress);
    expect(ours.homeAddress).toEqual({});
    expect(ours.birthday).toBe('1974-07-22T00:00:00Z');
    expect(ours.fileAs).toBe('Veld, Tobin');
  });

  it('derives display name until the client sets it', async () => {
    const created = await test.graph('POST', `${USER_PATH}/contacts`, { body: { givenName: 'Ines', surname: 'Moreau' } });
    const renamed = await test.graph('PATCH', `${USER_PATH}/contacts/${created.json.id}`, { body: { surname: 'Moreau-Lind' } });
    const named = await test.graph('PATCH', `${USER_PATH}/contacts/${created.json.id}`, { body: { displayName: 'Ines (Lyon office)' } });
    const regiven = await test.graph('PATCH', `${USER_PATH}/contacts/${created.json.id}`, { body: { givenName: 'Inès' } });

    expect(created.json.displayName).toBe('Ines Moreau');
    expect(renamed.json.displayName).toBe('Ines Moreau-Lind');
    expect(named.json.displayName).toBe('Ines (Lyon office)');
    expect(regiven.json.displayName).toBe('Ines (Lyon office)');
    expect(regiven.json.fileAs).toBe('Moreau-Lind, Inès');
  });

  it('default folder answers to its well-known name', async () => {
    const byName = await test.graph('GET', `${USER_PATH}/contactFolders/contacts`);
    const created = await test.graph('POST', `${USER_PATH}/contacts`, { body: { givenName: 'Folder check' } });
    const child = await test.graph('POST', `${USER_PATH}/contactFolders`, { body: { displayName: 'Suppliers' } });
    const children = await test.graph('GET', `${USER_PATH}/contactFolders`);

    expect(byName.status).toBe(200);
    expect(created.json.parentFolderId).toBe(byName.json.id);
    expect(child.json.parentFolderId).toBe(byName.json.id);
    expect(children.json.value.map((folder: { displayName: string }) => folder.displayName)).toEqual(['Suppliers']);
  });

  it('filters by extended property and email address', async () => {
    const tagged = await test.graph('POST', `${USER_PATH}/contacts`, {
      body: { givenName: 'Tagged', emailAddresses: [{ address: 'Tagged@Example.com' }], singleValueExtendedProperties: [{ id: SYNC_PROPERTY, value: 'sync-42' }] },
    });
    const property = `singleValueExtendedProperties/Any(ep: ep/id eq '${SYNC_PROPERTY}' and ep/value eq 'sync-42')`;
    const byProperty = await test.graph('GET', `${USER_PATH}/contacts?$filter=${encodeURIComponent(property)}&$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${SYNC_PROPERTY}')`)}`);
    const byEmail = await test.graph('GET', `${USER_PATH}/contacts?$filter=${encodeURIComponent("emailAddresses/any(a:a/address eq 'tagged@example.com')")}`);
    const bad = await test.graph('GET', `${USER_PATH}/contacts?$filter=${encodeURIComponent("nickName gt 'a'")}`);

    expect(byProperty.json.value.map((contact: { id: string }) => contact.id)).toEqual([tagged.json.id]);
    expect(byProperty.json.value[0].singleValueExtendedProperties).toEqual([{ id: SYNC_PROPERTY, value: 'sync-42' }]);
    expect(byEmail.json.value.map((contact: { id: string }) => contact.id)).toEqual([tagged.json.id]);
    expect([bad.status, bad.json.error.code]).toEqual([400, 'BadRequest']);
  });

  it('honours If-Match with the change key', async () => {
    const created = await test.graph('POST', `${USER_PATH}/contacts`, { body: { givenName: 'Guarded' } });
    await test.graph('PATCH', `${USER_PATH}/contacts/${created.json.id}`, { body: { jobTitle: 'Buyer' } });
    const conflict = await test.graph('DELETE', `${USER_PATH}/contacts/${created.json.id}`, { headers: { 'if-match': `W/"${created.json.changeKey}"` } });

    expect([conflict.status, conflict.json.error.code]).toEqual([412, 'ErrorIrresolvableConflict']);
  });

  it('rejects bad values and unknown properties', async () => {
    const birthday = await test.graph('POST', `${USER_PATH}/contacts`, { body: { birthday: 'soon' } });
    const unknown = await test.graph('POST', `${USER_PATH}/contacts`, { body: { faxNumber: '123' } });
    const address = await test.graph('POST', `${USER_PATH}/contacts`, { body: { businessAddress: { zip: '123' } } });

    expect([birthday.status, birthday.json.error.code]).toEqual([400, 'BadRequest']);
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'RequestBodyRead']);
    expect([address.status, address.json.error.code]).toEqual([400, 'RequestBodyRead']);
  });

  it('delta per folder with paging, $select and removals', async () => {
    const fresh = await startTestEmulator();
    try {
      const folder = (await fresh.graph('GET', `${USER_PATH}/contactFolders/contacts`)).json.id as string;
      const deltaPath = `${USER_PATH}/contactFolders/${encodeURIComponent(folder)}/contacts/delta`;
      const ids: string[] = [];
      for (const givenName of ['Ana', 'Ben', 'Cleo']) {
        ids.push((await fresh.graph('POST', `${USER_PATH}/contacts`, { body: { givenName } })).json.id);
      }
      const other = (await fresh.graph('POST', `${USER_PATH}/contactFolders`, { body: { displayName: 'Other' } })).json.id as string;
      await fresh.graph('POST', `${USER_PATH}/contactFolders/${encodeURIComponent(other)}/contacts`, { body: { givenName: 'Elsewhere' } });

      const page1 = await fresh.graph('GET', `${deltaPath}?$select=givenName`, { headers: { prefer: 'odata.maxpagesize=2' } });
      const page2 = await fresh.graph('GET', page1.json['@odata.nextLink']);
      await fresh.graph('DELETE', `${USER_PATH}/contacts/${ids[2]}`);
      const next = await fresh.graph('GET', page2.json['@odata.deltaLink']);
      const expanded = await fresh.graph('GET', `${deltaPath}?$expand=singleValueExtendedProperties`);

      expect(page1.json.value.map((item: { givenName: string }) => item.givenName)).toEqual(['Ana', 'Ben']);
      expect(Object.keys(page1.json.value[0]).sort()).toEqual(['@odata.etag', 'givenName', 'id']);
      expect(page2.json.value.map((item: { givenName: string }) => item.givenName)).toEqual(['Cleo']);
      expect(next.json.value).toEqual([{ '@odata.type': '#microsoft.graph.contact', id: ids[2], '@removed': { reason: 'deleted' } }]);
      expect([expanded.status, expanded.json.error.code]).toEqual([400, 'ErrorInvalidUrlQuery']);
    } finally {
      await fresh.emulator.close();
    }
  });

  it('seeding matches by UID, then by first email', async () => {
    const seed = (contact: Record<string, unknown>, uid?: string) => ({ uid, contact });
    const first = await test.admin('POST', `${USER_PATH}/contacts/seed`, {
      contacts: [
        seed({ givenName: 'Uma', emailAddresses: [{ address: 'uma@example.com' }] }, 'uid-uma'),
        seed({ givenName: 'Vic', emailAddresses: [{ address: 'vic@example.com' }] }),
      ],
    });
    const written = await test.graph('PATCH', `${USER_PATH}/contacts/${first.json.ids[0]}`, {
      body: { singleValueExtendedProperties: [{ id: SYNC_PROPERTY, value: 'sync-uma' }] },
    });
    const second = await test.admin('POST', `${USER_PATH}/contacts/seed`, {
      contacts: [
        seed({ givenName: 'Uma', surname: 'Reyes', emailAddresses: [{ address: 'uma.reyes@example.com' }] }, 'uid-uma'),
        seed({ givenName: 'Vic', emailAddresses: [{ address: 'VIC@example.com', name: 'vic@example.com' }] }),
      ],
    });
    const uma = await test.graph('GET', `${USER_PATH}/contacts/${first.json.ids[0]}?$expand=singleValueExtendedProperties`);

    expect(first.json.outcomes).toEqual(['added', 'added']);
    expect(second.json.ids).toEqual(first.json.ids);
    expect(second.json.outcomes).toEqual(['updated', 'updated']);
    expect(uma.json.surname).toBe('Reyes');
    expect(uma.json.changeKey).not.toBe(written.json.changeKey);
    expect(uma.json.singleValueExtendedProperties).toEqual([{ id: SYNC_PROPERTY, value: 'sync-uma' }]);
    const third = await test.admin('POST', `${USER_PATH}/contacts/seed`, {
      contacts: [seed({ givenName: 'Uma', surname: 'Reyes', emailAddresses: [{ address: 'uma.reyes@example.com' }] }, 'uid-uma')],
    });
    expect(third.json.outcomes).toEqual(['unchanged']);
  });

  it('serves contacts inside $batch', async () => {
    const batch = await test.graph('POST', '/$batch', {
      body: {
        requests: [
          { id: '1', method: 'POST', url: `${USER_PATH}/contacts`, headers: { 'Content-Type': 'application/json' }, body: { givenName: 'Batched' } },
          { id: '2', method: 'GET', url: `${USER_PATH}/contacts/AAMkAmissing` },
        ],
      },
    });
    const byId = new Map(batch.json.responses.map((entry: { id: string }) => [entry.id, entry]));

    expect(byId.get('1')).toMatchObject({ status: 201, body: { givenName: 'Batched', displayName: 'Batched' } });
    expect(byId.get('2')).toMatchObject({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } });
  });
});
