import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, MailboxContactSource } from '../src/domain/connector.ts';
import type { MailboxContact } from '../src/domain/contact.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createGraphContactSource } from '../src/mailbox/graph/index.ts';
import { ItemMailboxes, type ItemMailbox } from './support/graph-item-mailbox.ts';

/** The contact source against the Graph emulator: the ItemSource contract, end to end over HTTP. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const corpusApi = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'api');
const mailboxes = new ItemMailboxes();

beforeAll(() => mailboxes.start());
afterAll(() => mailboxes.stop());

const CONTACT: MailboxContact = {
  givenName: 'Dana',
  surname: 'Whitlock',
  salutation: 'Dr.',
  emails: ['dana.whitlock@fabrikam.example.com', 'dana@home.example.org'],
  phones: { business: '+49 30 1234567', mobile: '+49 170 5550101', home: null, businessFax: '+49 30 1234599' },
  companyName: 'Fabrikam GmbH',
  jobTitle: 'Head of Procurement',
  department: 'Purchasing',
  businessAddress: { street: 'Friedrichstraße 10\n3rd floor', city: 'Berlin', state: null, postalCode: '10117', country: 'Germany' },
  homeAddress: null,
  notes: 'Prefers calls before 10:00.',
  birthday: '1981-03-09',
  categories: ['Salesforce'],
};

interface ContactWorld {
  readonly mailbox: ItemMailbox;
  readonly source: MailboxContactSource;
}

async function newWorld(): Promise<ContactWorld> {
  const mailbox = await mailboxes.newMailbox();
  return { mailbox, source: createGraphContactSource(mailbox.options) };
}

function upserts(changes: readonly Change<MailboxContact>[]): Extract<Change<MailboxContact>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<MailboxContact>, { kind: 'upsert' }> => change.kind === 'upsert');
}

async function createContact(world: ContactWorld, contact: MailboxContact, syncId: string): Promise<string> {
  const [result] = await world.source.applyWrites([{ op: 'create', ref: 'c', syncId, item: contact }]);
  if (!result?.ok) {
    throw new Error(`create failed: ${JSON.stringify(result)}`);
  }
  return result.id;
}

interface AdminContact {
  readonly id: string;
  readonly jobTitle: string | null;
  readonly emailAddresses: { address: string }[];
  readonly singleValueExtendedProperties?: { id: string; value: string }[];
}

async function adminContacts(world: ContactWorld): Promise<AdminContact[]> {
  return (await mailboxes.admin<{ value: AdminContact[] }>('GET', `/users/${encodeURIComponent(world.mailbox.address)}/contacts`)).value;
}

/** Build a create body from the documented get-contact payload, without the server-assigned properties. */
function documentedContactBody(): Record<string, unknown> {
  const documented = JSON.parse(readFileSync(path.join(corpusApi, 'graph-contact.json'), 'utf8')) as Record<string, unknown>;
  const serverOwned = ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'parentFolderId'];
  return Object.fromEntries(Object.entries(documented).filter(([key]) => !serverOwned.includes(key)));
}

describe('Graph contact source', () => {
  it('first pull maps the documented contact', async () => {
    const world = await newWorld();
    await mailboxes.admin('POST', `/users/${encodeURIComponent(world.mailbox.address)}/contacts/seed`, { contacts: [{ contact: documentedContactBody() }] });

    const pull = await world.source.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    expect(upserts(pull.changes).map((change) => change.item)).toEqual([
      {
        givenName: 'Tobin',
        surname: 'Veld',
        salutation: null,
        emails: ['tobin@a830edad9050849NDA1.onmicrosoft.com'],
        phones: { business: '+1 918 555 0101', mobile: null, home: null, businessFax: null },
        companyName: 'Contoso, Inc.',
        jobTitle: 'Web Marketing Manager',
        department: 'Sales & Marketing',
        businessAddress: { street: '10 Contoso Way', city: 'Redmond', state: 'WA', postalCode: '98075', country: 'USA' },
        homeAddress: null,
        notes: null,
        birthday: '1974-07-22',
        categories: [],
      },
    ]);
  });

  it('creates, reads back and reports a contact in delta', async () => {
    const world = await newWorld();
    const first = await world.source.pullChanges(null, WINDOW);
    expect(first.changes).toEqual([]);

    const id = await createContact(world, CONTACT, 'sync-contact-1');
    const read = (await world.source.readItems([id])).get(id);
    expect(read?.item).toEqual(CONTACT);
    expect(read?.syncId).toBe('sync-contact-1');

    const stored = (await adminContacts(world))[0];
    expect(stored?.singleValueExtendedProperties).toEqual(
      expect.arrayContaining([{ id: 'String 0x3A24', value: '+49 30 1234599' }, expect.objectContaining({ value: 'sync-contact-1' })]),
    );

    const delta = await world.source.pullChanges(first.nextCursor, WINDOW);
    expect(delta.isFullListing).toBe(false);
    expect(upserts(delta.changes).map((change) => [change.id, change.syncId, change.item])).toEqual([[id, 'sync-contact-1', CONTACT]]);
  });

  it('updates with a partial patch and If-Match', async () => {
    const world = await newWorld();
    const id = await createContact(world, CONTACT, 'sync-contact-2');
    const cursor = (await world.source.pullChanges(null, WINDOW)).nextCursor;
    const before = (await world.source.readItems([id])).get(id);

    const [result] = await world.source.applyWrites([
      { op: 'update', ref: 'u', id, patch: { jobTitle: 'Chief Procurement Officer', birthday: null }, expectedVersion: before?.version ?? null },
    ]);

    expect(result).toMatchObject({ ok: true, id });
    const patch = world.mailbox.batches.at(-1)?.[0];
    expect(Object.keys(patch?.body ?? {}).sort()).toEqual(['birthday', 'jobTitle']);
    expect(patch?.headers?.['If-Match']).toBe(`W/"${before?.version}"`);
    const after = (await world.source.readItems([id])).get(id);
    expect(after?.item).toEqual({ ...CONTACT, jobTitle: 'Chief Procurement Officer', birthday: null });

    const delta = await world.source.pullChanges(cursor, WINDOW);
    expect(upserts(delta.changes).map((change) => change.item.jobTitle)).toEqual(['Chief Procurement Officer']);
  });

  it('stale version fails as a conflict', async () => {
    const world = await newWorld();
    const id = await createContact(world, CONTACT, 'sync-contact-3');
    const stale = (await world.source.readItems([id])).get(id)?.version ?? null;
    await mailboxes.admin('POST', `/users/${encodeURIComponent(world.mailbox.address)}/contacts/${encodeURIComponent(id)}/touch`, { changes: { department: 'Sourcing' } });

    const [result] = await world.source.applyWrites([{ op: 'update', ref: 'u', id, patch: { jobTitle: 'Buyer' }, expectedVersion: stale }]);

    expect(result).toMatchObject({ ok: false, failure: { kind: 'conflict' } });
    expect((await adminContacts(world))[0]?.jobTitle).toBe(CONTACT.jobTitle);
  });

  it('deletes, reports the removal and deletes again quietly', async () => {
    const world = await newWorld();
    const id = await createContact(world, CONTACT, 'sync-contact-4');
    const cursor = (await world.source.pullChanges(null, WINDOW)).nextCursor;

    const [deleted] = await world.source.applyWrites([{ op: 'delete', ref: 'd', id }]);
    const [again] = await world.source.applyWrites([{ op: 'delete', ref: 'd2', id }]);

    expect(deleted).toMatchObject({ ok: true, id });
    expect(again).toMatchObject({ ok: true, id });
    expect((await world.source.readItems([id])).size).toBe(0);
    const delta = await world.source.pullChanges(cursor, WINDOW);
    expect(delta.changes).toEqual([{ kind: 'delete', id, mayStillExist: true }]);
  });

  it('expired delta link then full listing', async () => {
    const world = await newWorld();
    await createContact(world, CONTACT, 'sync-contact-5');
    const cursor = (await world.source.pullChanges(null, WINDOW)).nextCursor;
    await mailboxes.fault({ type: 'expireDeltaTokens' });

    const failure = await world.source.pullChanges(cursor, WINDOW).catch((error: unknown) => error);

    expect(isConnectorError(failure, 'cursorExpired')).toBe(true);
    const full = await world.source.pullChanges(null, WINDOW);
    expect(full.isFullListing).toBe(true);
    expect(upserts(full.changes).map((change) => change.syncId)).toEqual(['sync-contact-5']);
  });

  it('finds a contact whose create response was lost', async () => {
    const world = await newWorld();
    world.mailbox.loseNextCreateResponse();

    const [result] = await world.source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-lost', item: CONTACT }]);

    const stored = await adminContacts(world);
    expect(stored).toHaveLength(1);
    expect(result).toMatchObject({ ok: true, id: stored[0]?.id });
    const found = await world.source.findBySyncIds(['sync-lost', 'sync-unknown']);
    expect([...found.keys()]).toEqual(['sync-lost']);
    expect(found.get('sync-lost')?.item).toEqual(CONTACT);
  });

  it('waits out a 429 with Retry-After', async () => {
    const world = await newWorld();
    await mailboxes.fault({ type: 'throttle', count: 1, retryAfterSeconds: 3, pathPattern: '/contactFolders/' });

    const pull = await world.source.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    expect(world.mailbox.waits).toEqual([3000]);
  });

  it('one bad write fails alone', async () => {
    const world = await newWorld();
    const goneId = await createContact(world, CONTACT, 'sync-gone');
    await world.source.applyWrites([{ op: 'delete', ref: 'd', id: goneId }]);

    const results = await world.source.applyWrites([
      { op: 'create', ref: 'good', syncId: 'sync-good', item: CONTACT },
      { op: 'create', ref: 'bad-birthday', syncId: 'sync-bad', item: { ...CONTACT, birthday: '9th of March' } },
      { op: 'update', ref: 'gone', id: goneId, patch: { jobTitle: 'Too late' }, expectedVersion: null },
    ]);

    expect(results.map((result) => [result.ref, result.ok])).toEqual([
      ['good', true],
      ['bad-birthday', false],
      ['gone', false],
    ]);
    expect(results[1]).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'InvalidItemValue' } });
    expect(results[2]).toMatchObject({ ok: false, failure: { kind: 'notFound' } });
    expect((await adminContacts(world)).map((contact) => contact.emailAddresses[0]?.address)).toEqual([CONTACT.emails[0]]);
  });

  it('leaves out contacts of other folders', async () => {
    const world = await newWorld();
    const inDefault = await createContact(world, CONTACT, 'sync-default');
    const folder = await mailboxes.graph<{ id: string }>(world.mailbox, 'POST', '/contactFolders', { displayName: 'Private' });
    const elsewhere = await mailboxes.graph<{ id: string }>(world.mailbox, 'POST', `/contactFolders/${encodeURIComponent(folder.id)}/contacts`, { givenName: 'Elsewhere' });

    const read = await world.source.readItems([inDefault, elsewhere.id]);
    const pull = await world.source.pullChanges(null, WINDOW);

    expect([...read.keys()]).toEqual([inDefault]);
    expect(upserts(pull.changes).map((change) => change.id)).toEqual([inDefault]);
  });

  it('writes three email addresses at most', async () => {
    const world = await newWorld();
    const emails = ['one@example.com', 'two@example.com', 'three@example.com', 'four@example.com'];

    const id = await createContact(world, { ...CONTACT, emails }, 'sync-emails');

    expect((await world.source.readItems([id])).get(id)?.item.emails).toEqual(emails.slice(0, 3));
  });
});
