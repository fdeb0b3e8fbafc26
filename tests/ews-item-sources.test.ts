import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../src/domain/connector.ts';
import type { MailboxContact } from '../src/domain/contact.ts';
import type { MailboxTask } from '../src/domain/task.ts';
import { EwsWorld } from './support/ews-world.ts';

/** Tasks, contacts and messages over EWS against the emulator: the same contracts the Graph sources meet. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const world = new EwsWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

function upserts<T>(changes: readonly Change<T>[]): Extract<Change<T>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<T>, { kind: 'upsert' }> => change.kind === 'upsert');
}

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
  notes: 'Prefers calls before 10:00.',
  birthday: '1981-03-09',
  categories: ['Salesforce'],
};

describe('EWS task source', () => {
  it('creates, reads back and reports in sync', async () => {
    const { connector } = await world.newMailbox();
    const first = await connector.tasks.pullChanges(null, WINDOW);
    expect(first.changes).toEqual([]);

    const [created] = await connector.tasks.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task', item: TASK }]);
    const id = created?.ok ? created.id : '';
    expect((await connector.tasks.readItems([id])).get(id)).toMatchObject({ syncId: 'sync-task', item: TASK });

    const delta = await connector.tasks.pullChanges(first.nextCursor, WINDOW);
    expect(delta.isFullListing).toBe(false);
    expect(upserts(delta.changes).map((change) => [change.id, change.syncId, change.item])).toEqual([[id, 'sync-task', TASK]]);
  });

  it('patches fields and clears dates', async () => {
    const { connector } = await world.newMailbox();
    const [created] = await connector.tasks.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-2', item: TASK }]);
    const id = created?.ok ? created.id : '';
    const version = created?.ok ? created.version : null;

    const [updated] = await connector.tasks.applyWrites([{ op: 'update', ref: 'u', id, patch: { status: 'completed', completedAt: '2026-06-10T09:00:00.000Z', dueDate: null, reminderAt: null }, expectedVersion: version }]);

    expect(updated).toMatchObject({ ok: true, id });
    expect((await connector.tasks.readItems([id])).get(id)?.item).toEqual({ ...TASK, status: 'completed', completedAt: '2026-06-10T09:00:00.000Z', dueDate: null, reminderAt: null });
  });

  it('deletion reported as final', async () => {
    const mailbox = await world.newMailbox();
    const { tasks } = mailbox.connector;
    const [created] = await tasks.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-3', item: TASK }]);
    const id = created?.ok ? created.id : '';
    const cursor = (await tasks.pullChanges(null, WINDOW)).nextCursor;

    await tasks.applyWrites([{ op: 'delete', ref: 'd', id }]);

    expect((await tasks.pullChanges(cursor, WINDOW)).changes).toEqual([{ kind: 'delete', id, mayStillExist: false }]);
  });
});

describe('EWS contact source', () => {
  it('round-trips every mapped field', async () => {
    const { connector } = await world.newMailbox();
    const [created] = await connector.contacts.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-contact', item: CONTACT }]);
    const id = created?.ok ? created.id : '';

    expect((await connector.contacts.readItems([id])).get(id)).toMatchObject({ syncId: 'sync-contact', item: CONTACT });
    const pull = await connector.contacts.pullChanges(null, WINDOW);
    expect(upserts(pull.changes).map((change) => change.item)).toEqual([CONTACT]);
  });

  it('patches indexed fields and the salutation', async () => {
    const { connector } = await world.newMailbox();
    const [created] = await connector.contacts.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-contact-2', item: CONTACT }]);
    const id = created?.ok ? created.id : '';
    const patch: Partial<MailboxContact> = {
      emails: ['dana@fabrikam.example.com'],
      phones: { ...CONTACT.phones, mobile: null, home: '+49 30 999' },
      businessAddress: { ...(CONTACT.businessAddress as NonNullable<MailboxContact['businessAddress']>), city: 'Potsdam', postalCode: null },
      salutation: null,
      birthday: null,
    };

    const [updated] = await connector.contacts.applyWrites([{ op: 'update', ref: 'u', id, patch, expectedVersion: created?.ok ? created.version : null }]);

    expect(updated).toMatchObject({ ok: true });
    expect((await connector.contacts.readItems([id])).get(id)?.item).toEqual({ ...CONTACT, ...patch });
  });

  it('one bad write fails alone', async () => {
    const { connector } = await world.newMailbox();
    const results = await connector.contacts.applyWrites([
      { op: 'create', ref: 'good', syncId: 'sync-good', item: CONTACT },
      { op: 'create', ref: 'bad', syncId: 'sync-bad', item: { ...CONTACT, birthday: '9th of March' } },
      { op: 'update', ref: 'gone', id: 'AAMkIgone', patch: { jobTitle: 'Too late' }, expectedVersion: null },
    ]);

    expect(results.map((result) => [result.ref, result.ok])).toEqual([
      ['good', true],
      ['bad', false],
      ['gone', false],
    ]);
    expect(results[1]).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'InvalidItemValue' } });
    expect(results[2]).toMatchObject({ ok: false, failure: { kind: 'notFound' } });
  });
});

describe('EWS message source', () => {
  it('pulls inbox and sent with attachments and headers', async () => {
    const mailbox = await world.newMailbox();
    const post = (body: unknown) => world.admin<{ id: string }>('POST', `/users/${encodeURIComponent(mailbox.address)}/messages`, body);
    await post({
      subject: 'Renewal terms',
      from: { name: 'Nora Quill', address: 'nora@northwind.example' },
      to: [{ address: mailbox.address }],
      html: '<p>Hello <b>there</b></p>',
      internetMessageId: '<m1@northwind.example>',
      inReplyTo: '<m0@contoso.example>',
      references: '<m-1@contoso.example> <m0@contoso.example>',
      conversationId: 'AAQkConv1',
      receivedAt: '2026-11-02T10:00:00.000Z',
      categories: ['Salesforce'],
      headers: { 'List-Unsubscribe': '<mailto:leave@northwind.example>' },
      attachments: [{ name: 'terms.pdf', contentType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.7').toString('base64') }],
    });
    await post({ subject: 'Too old', from: { address: 'old@northwind.example' }, text: 'old', receivedAt: '2026-01-02T10:00:00.000Z' });
    await post({ folder: 'sentitems', subject: 'Re: Renewal terms', from: { address: mailbox.address }, to: [{ address: 'nora@northwind.example' }], text: 'Thanks', receivedAt: '2026-11-02T11:00:00.000Z' });
    const scope = { folders: ['inbox', 'sent', 'salesforce'] as const, since: '2026-10-01T00:00:00Z' };

    const pull = await mailbox.connector.messages.pullMessages(null, { ...scope, folders: [...scope.folders] });

    const bySubject = new Map(upserts(pull.changes).map((change) => [change.item.subject, change.item]));
    expect([...bySubject.keys()].sort()).toEqual(['Re: Renewal terms', 'Renewal terms']);
    const message = bySubject.get('Renewal terms');
    expect(message).toMatchObject({
      internetMessageId: '<m1@northwind.example>',
      conversationId: 'AAQkConv1',
      inReplyTo: '<m0@contoso.example>',
      references: ['<m-1@contoso.example>', '<m0@contoso.example>'],
      from: { address: 'nora@northwind.example', name: 'Nora Quill' },
      to: [{ address: mailbox.address, name: null }],
      receivedAt: '2026-11-02T10:00:00.000Z',
      bodyHtml: '<p>Hello <b>there</b></p>',
      bodyText: 'Hello there',
      categories: ['Salesforce'],
      folder: 'inbox',
      headers: { 'list-unsubscribe': '<mailto:leave@northwind.example>' },
    });
    expect(bySubject.get('Re: Renewal terms')).toMatchObject({ folder: 'sent', bodyText: 'Thanks', bodyHtml: null });

    const attachment = message?.attachments[0];
    expect(attachment).toMatchObject({ name: 'terms.pdf', contentType: 'application/pdf', size: 8, isInline: false });
    const id = upserts(pull.changes).find((change) => change.item.subject === 'Renewal terms')?.id ?? '';
    expect(Buffer.from(await mailbox.connector.messages.readAttachment(id, attachment?.id ?? '')).toString()).toBe('%PDF-1.7');

    const next = await mailbox.connector.messages.pullMessages(pull.nextCursor, { ...scope, folders: [...scope.folders] });
    expect(next.changes).toEqual([]);
  });

  it('ensureMarkers creates the folder and category once', async () => {
    const mailbox = await world.newMailbox();
    const { messages } = mailbox.connector;

    await messages.ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });
    await messages.ensureMarkers({ category: 'salesforce', folderName: 'Salesforce' });

    const stats = await world.admin<{ operations: Record<string, number> }>('GET', '/stats');
    expect(stats.operations.CreateFolder).toBe(1);
    expect(stats.operations.CreateUserConfiguration).toBe(1);
    const pull = await messages.pullMessages(null, { folders: ['salesforce'], since: '2026-01-01T00:00:00Z' });
    expect(pull.changes).toEqual([]);
    expect(JSON.parse(pull.nextCursor)).toMatchObject({ folders: { salesforce: expect.any(String) as string } });
  });
});
