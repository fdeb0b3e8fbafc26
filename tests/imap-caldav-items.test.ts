import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../src/domain/connector.ts';
import type { MailboxContact } from '../src/domain/contact.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import type { MailboxTask } from '../src/domain/task.ts';
import { ImapCalDavWorld } from './support/imap-caldav-world.ts';

/** The CalDAV task source (VTODO) and the CardDAV contact source against a real Radicale. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const CORPUS_VCF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'vcf');
const world = new ImapCalDavWorld();

beforeAll(async () => {
  if (ImapCalDavWorld.skipReason === null) {
    await world.start();
  }
});
afterAll(() => world.stop());

const TASK: MailboxTask = {
  subject: 'Send the renewal quote',
  body: 'Include the volume discount.\nCopy the account manager.',
  status: 'inProgress',
  importance: 'high',
  dueDate: '2026-06-12',
  startDate: '2026-06-01',
  completedAt: null,
  reminderAt: '2026-06-11T07:30:00.000Z',
  isPrivate: false,
  categories: ['Salesforce'],
};

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
  notes: 'Prefers calls before 10:00; not on Fridays.',
  birthday: '1981-03-09',
  categories: ['Salesforce'],
};

/** Radicale stores only cards with a UID, as every CardDAV client writes them; the corpus files lack one. */
function corpusCard(file: string): string {
  return readFileSync(path.join(CORPUS_VCF, file), 'utf8').replace(/^(VERSION:[^\r\n]*\r?\n)/m, `$1UID:${file}\r\n`);
}

function upserts<T>(changes: readonly Change<T>[]): Extract<Change<T>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<T>, { kind: 'upsert' }> => change.kind === 'upsert');
}

describe.skipIf(ImapCalDavWorld.skipReason !== null)('CalDAV task source on Radicale', () => {
  it('reads a client VTODO', async () => {
    const account = await world.newAccount();
    const todo = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Test//Client//EN',
      'BEGIN:VTODO',
      'UID:call-back@test',
      'DTSTAMP:20260301T100000Z',
      'LAST-MODIFIED:20260302T100000Z',
      'SUMMARY:Call Fabrikam back',
      'DUE;VALUE=DATE:20260825',
      'PRIORITY:9',
      'STATUS:COMPLETED',
      'COMPLETED:20260502T080000Z',
      'CATEGORIES:Red category',
      'CLASS:CONFIDENTIAL',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Call',
      'TRIGGER:-PT30M',
      'END:VALARM',
      'END:VTODO',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    await world.put(account.user, `${account.urls.tasks}call.ics`, todo);

    const pull = await account.connector.tasks.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    const [task] = upserts(pull.changes);
    expect(task?.item).toEqual({
      subject: 'Call Fabrikam back',
      body: null,
      status: 'completed',
      importance: 'low',
      dueDate: '2026-08-25',
      startDate: null,
      completedAt: '2026-05-02T08:00:00.000Z',
      // 30 minutes before midnight of the due date in the mailbox zone (UTC+2 in August).
      reminderAt: '2026-08-24T21:30:00.000Z',
      isPrivate: true,
      categories: ['Red category'],
    });
    expect(task?.modifiedAt).toBe('2026-03-02T10:00:00.000Z');
    expect(task?.syncId).toBeNull();
  });

  it('creates, updates and deletes a task', async () => {
    const account = await world.newAccount();
    const first = await account.connector.tasks.pullChanges(null, WINDOW);

    const [created] = await account.connector.tasks.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-1', item: TASK }]);
    expect(created).toMatchObject({ ok: true });
    const id = created?.ok ? created.id : '';
    const read = (await account.connector.tasks.readItems([id])).get(id);
    expect(read?.item).toEqual(TASK);
    expect(read?.syncId).toBe('sync-task-1');

    const [updated] = await account.connector.tasks.applyWrites([
      { op: 'update', ref: 'u', id, patch: { status: 'waitingOnOthers', dueDate: '2026-06-15', reminderAt: null }, expectedVersion: read?.version ?? null },
    ]);
    expect(updated).toMatchObject({ ok: true, id });
    const delta = await account.connector.tasks.pullChanges(first.nextCursor, WINDOW);
    expect(upserts(delta.changes).map((change) => change.item)).toEqual([{ ...TASK, status: 'waitingOnOthers', dueDate: '2026-06-15', reminderAt: null }]);

    const [deleted] = await account.connector.tasks.applyWrites([{ op: 'delete', ref: 'd', id }]);
    expect(deleted).toMatchObject({ ok: true, id });
    const removal = await account.connector.tasks.pullChanges(delta.nextCursor, WINDOW);
    expect(removal.changes).toEqual([{ kind: 'delete', id, mayStillExist: false }]);
  });

  it('invalid date fails one write', async () => {
    const account = await world.newAccount();

    const results = await account.connector.tasks.applyWrites([
      { op: 'create', ref: 'good', syncId: 'sync-good', item: TASK },
      { op: 'create', ref: 'bad', syncId: 'sync-bad', item: { ...TASK, dueDate: '2026-02-30' } },
      { op: 'update', ref: 'gone', id: new URL(`${account.urls.tasks}missing.ics`).pathname, patch: { subject: 'Too late' }, expectedVersion: null },
    ]);

    expect(results.map((result) => [result.ref, result.ok])).toEqual([
      ['good', true],
      ['bad', false],
      ['gone', false],
    ]);
    expect(results[1]).toMatchObject({ ok: false, failure: { kind: 'itemError', message: expect.stringContaining('2026-02-30') } });
    expect(results[2]).toMatchObject({ ok: false, failure: { kind: 'notFound' } });
  });
});

describe.skipIf(ImapCalDavWorld.skipReason !== null)('CardDAV contact source on Radicale', () => {
  it('creates, reads back and reports in delta', async () => {
    const account = await world.newAccount();
    const first = await account.connector.contacts.pullChanges(null, WINDOW);
    expect(first.changes).toEqual([]);

    const [created] = await account.connector.contacts.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-contact-1', item: CONTACT }]);
    const id = created?.ok ? created.id : '';
    const read = (await account.connector.contacts.readItems([id])).get(id);
    expect(read?.item).toEqual(CONTACT);
    expect(read?.syncId).toBe('sync-contact-1');
    const stored = await world.get(account.user, new URL(id, world.davUrl).toString());
    expect(stored.text).toContain('VERSION:3.0');
    expect(stored.text).toContain('X-SYNCLINE-SYNC-ID:sync-contact-1');

    const delta = await account.connector.contacts.pullChanges(first.nextCursor, WINDOW);
    expect(upserts(delta.changes).map((change) => [change.id, change.syncId, change.item])).toEqual([[id, 'sync-contact-1', CONTACT]]);
  });

  it('patches a vCard 4.0 and keeps the rest', async () => {
    const account = await world.newAccount();
    const url = `${account.urls.contacts}stevenson.vcf`;
    await world.put(account.user, url, corpusCard('vcard40-all-properties.vcf'), 'text/vcard; charset=utf-8');
    const pull = await account.connector.contacts.pullChanges(null, WINDOW);
    const [contact] = upserts(pull.changes);
    expect(contact?.item).toMatchObject({
      givenName: 'John',
      surname: 'Stevenson',
      salutation: 'Dr.',
      emails: ['jqpublic@xyz.example.com'],
      phones: { business: null, mobile: null, home: '+33-01-23-45-67', businessFax: null },
      companyName: 'ABC, Inc.',
      department: 'North American Division',
      jobTitle: 'Research Scientist',
      businessAddress: { street: 'pobox\napt\nstreet', city: 'city', state: 'state', postalCode: 'zipcode', country: 'country' },
      notes: 'This fax number is operational 0800 to 1715 EST, Mon-Fri',
      // A birthday without a year cannot be a date.
      birthday: null,
    });
    expect(contact?.modifiedAt).toBe('1995-10-31T22:27:10.000Z');

    const [updated] = await account.connector.contacts.applyWrites([{ op: 'update', ref: 'u', id: contact?.id ?? '', patch: { jobTitle: 'Chief Scientist', phones: { ...CONTACT.phones } }, expectedVersion: contact?.version ?? null }]);

    expect(updated).toMatchObject({ ok: true });
    const stored = await world.get(account.user, url);
    expect(stored.text).toContain('VERSION:4.0');
    expect(stored.text).toContain('TITLE:Chief Scientist');
    expect(stored.text).toContain('GEO:geo:37.386013\\,-122.082932');
    expect(stored.text).toContain('IMPP;PREF=1:xmpp:alice@example.com');
    const after = (await account.connector.contacts.readItems([contact?.id ?? ''])).get(contact?.id ?? '');
    expect(after?.item.phones).toEqual(CONTACT.phones);
    expect(after?.item.companyName).toBe('ABC, Inc.');
  });

  it('reads typed phones of a vCard 3.0', async () => {
    const account = await world.newAccount();
    await world.put(account.user, `${account.urls.contacts}gmail.vcf`, corpusCard('gmail-vcard30-many-typed-tel-email.vcf'), 'text/vcard; charset=utf-8');

    const [contact] = upserts((await account.connector.contacts.pullChanges(null, WINDOW)).changes);

    expect(contact?.item.givenName).toBe('VCard');
    expect(contact?.item.emails.slice(0, 3)).toEqual(['email@example.com', 'homeemail@example.com', 'workemail@example.com']);
    expect(contact?.item.phones).toEqual({ business: '5555551113', mobile: '5555551115', home: '5555551112', businessFax: '5555551118' });
    expect(contact?.item.homeAddress?.street).toBe('112 Main St');
    expect(contact?.item.businessAddress?.street).toBe('113 Main St');
  });

  it('stale version fails as a conflict', async () => {
    const account = await world.newAccount();
    const [created] = await account.connector.contacts.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-contact-2', item: CONTACT }]);
    const id = created?.ok ? created.id : '';
    const stale = created?.ok ? created.version : null;
    await account.connector.contacts.applyWrites([{ op: 'update', ref: 'u1', id, patch: { department: 'Sourcing' }, expectedVersion: null }]);

    const [result] = await account.connector.contacts.applyWrites([{ op: 'update', ref: 'u2', id, patch: { jobTitle: 'Buyer' }, expectedVersion: stale }]);

    expect(stale).not.toBeNull();
    expect(result).toMatchObject({ ok: false, failure: { kind: 'conflict' } });
    expect((await account.connector.contacts.readItems([id])).get(id)?.item.jobTitle).toBe(CONTACT.jobTitle);
  });

  it('deletes and expires a forged token', async () => {
    const account = await world.newAccount();
    const [created] = await account.connector.contacts.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-contact-3', item: CONTACT }]);
    const id = created?.ok ? created.id : '';
    const cursor = (await account.connector.contacts.pullChanges(null, WINDOW)).nextCursor;

    await account.connector.contacts.applyWrites([{ op: 'delete', ref: 'd', id }]);
    const delta = await account.connector.contacts.pullChanges(cursor, WINDOW);
    const forged = JSON.stringify({ ...(JSON.parse(cursor) as object), token: 'http://radicale.org/ns/sync/not-a-token' });
    const failure = await account.connector.contacts.pullChanges(forged, WINDOW).catch((error: unknown) => error);

    expect(delta.changes).toEqual([{ kind: 'delete', id, mayStillExist: false }]);
    expect(isConnectorError(failure, 'cursorExpired')).toBe(true);
  });
});
