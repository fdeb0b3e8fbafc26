import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailMessage } from '../src/domain/email-message.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS } from '../src/email/index.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { PEOPLE, admin, liveRecords, registerOrg, runSession, openEmailWorld, startEmailEmulator, userIds, type EmailWorld } from './support/email-world.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';
import { MemoryMessageSource } from './support/memory-message-source.ts';

const DANA = PEOPLE[0];

const MESSAGE: MailMessage = {
  internetMessageId: '<long-1@customer.example>', conversationId: 'conv-long', inReplyTo: null, references: [],
  subject: 'Contract draft', from: { address: 'buyer@customer.example', name: 'Bea Buyer' }, to: [{ address: DANA.address, name: DANA.name }],
  cc: [], bcc: [], sentAt: '2026-03-02T09:30:00.000Z', receivedAt: '2026-03-02T09:30:05.000Z',
  bodyText: 'Dear Dana,\nthe contract is attached.', bodyHtml: null, headers: { 'x-mailer': 'Customer Mail 2.0' },
  categories: ['Salesforce'], folder: 'inbox', isDraft: false,
  attachments: [
    { id: 'pdf', name: 'contract.pdf', contentType: 'application/pdf', size: 4, isInline: false, contentId: null },
    { id: 'exe', name: 'viewer.exe', contentType: 'application/octet-stream', size: 4, isInline: false, contentId: null },
    { id: 'big', name: 'scan.tiff', contentType: 'image/tiff', size: 2048, isInline: false, contentId: null },
  ],
};
const FILES = new Map([
  ['pdf', new Uint8Array([1, 2, 3, 4])],
  ['exe', new Uint8Array([5, 6, 7, 8])],
  ['big', new Uint8Array(2048)],
]);
const SMALL_FILES = { ...DEFAULT_EMAIL_SAVING_SETTINGS, attachments: { ...DEFAULT_EMAIL_SAVING_SETTINGS.attachments, maxBytes: 1024 } };

let world: EmailWorld;
let emulator: RunningSalesforceEmulator;
let store: SynclineStore;
let users: Map<string, string>;

beforeAll(async () => {
  world = await openEmailWorld('syncline-email-shape-');
  ({ emulator, store, users } = world);
});

afterAll(async () => {
  await world.close();
});

beforeEach(async () => {
  await admin(emulator, 'PUT', 'features', { enhancedEmail: true });
  await store.truncateAll();
  await registerOrg(store, 'acme');
});

describe('saved email record shape', () => {
  it('cuts bodies over the field limit and marks the cut', async () => {
    const source = new MemoryMessageSource();
    const longText = 'Lorem ipsum dolor sit amet. '.repeat(6000);
    source.put('long', { ...MESSAGE, attachments: [], bodyText: longText, bodyHtml: `<div>${longText}</div>` });

    await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users });

    const [email] = await liveRecords(emulator, 'EmailMessage');
    expect(String(email!.TextBody)).toHaveLength(131_072);
    expect(String(email!.TextBody).startsWith(longText.slice(0, 1000))).toBe(true);
    expect(String(email!.TextBody)).toMatch(/\[Cut by Syncline: the rest of this email is longer than the 131,072-character Salesforce field\]$/);
    expect(String(email!.HtmlBody).length).toBeLessThanOrEqual(131_072);
    expect(String(email!.HtmlBody)).toMatch(/<p>\[Cut by Syncline: .*\]<\/p>$/);
    expect(String(email!.Headers)).toContain('X-Mailer: Customer Mail 2.0');
    expect(String(email!.Headers)).toContain('Message-ID: <long-1@customer.example>');
  });

  it('saves allowed attachments and reports the others', async () => {
    const source = new MemoryMessageSource();
    source.put('files', MESSAGE, FILES);

    const report = await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users, settings: SMALL_FILES });

    expect(report.attachmentsSaved).toBe(1);
    expect(report.skippedAttachments).toEqual([
      { mailboxItemId: 'files', name: 'viewer.exe', reason: 'extensionBlocked' },
      { mailboxItemId: 'files', name: 'scan.tiff', reason: 'tooLarge' },
    ]);
    const [email] = await liveRecords(emulator, 'EmailMessage');
    const versions = await liveRecords(emulator, 'ContentVersion');
    expect(versions.map((version) => [version.PathOnClient, version.VersionData, version.FirstPublishLocationId])).toEqual([['contract.pdf', 'AQIDBA==', email!.Id]]);
    const links = await liveRecords(emulator, 'ContentDocumentLink');
    expect(links.map((link) => link.LinkedEntityId)).toEqual([email!.Id]);
  });

  it('links people and the account found by linking', async () => {
    const [contact] = ((await admin(emulator, 'POST', 'records', { sobject: 'Contact', records: [{ LastName: 'Buyer', Email: 'buyer@customer.example' }] })) as { ids: string[] }).ids;
    const [account] = ((await admin(emulator, 'POST', 'records', { sobject: 'Account', records: [{ Name: 'Customer Inc.' }] })) as { ids: string[] }).ids;
    const source = new MemoryMessageSource();
    source.put('linked', { ...MESSAGE, attachments: [] });
    const resolver = new MemoryLinkResolver({ 'buyer@customer.example': contact! }, { 'buyer@customer.example': account! });

    await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users, resolver });

    const [email] = await liveRecords(emulator, 'EmailMessage');
    expect(email!.RelatedToId).toBe(account);
    const relations = await liveRecords(emulator, 'EmailMessageRelation');
    expect(relations.find((relation) => relation.RelationType === 'FromAddress')?.RelationId).toBe(contact);
    expect(relations.find((relation) => relation.RelationType === 'ToAddress')?.RelationId).toBe(users.get(DANA.address));
    expect(resolver.requests[0]).toMatchObject({
      orgId: 'acme', ownerUserId: users.get(DANA.address), activity: 'EmailMessage', isBulk: false,
      // The mailbox owner is never a person of the email to link or create; their relation points at their User.
      people: [{ address: 'buyer@customer.example', name: 'Bea Buyer', role: 'from' }],
    });
  });

  it('saves a completed Task where the org lacks Enhanced Email', async () => {
    await admin(emulator, 'PUT', 'features', { enhancedEmail: false });
    const [contact] = ((await admin(emulator, 'POST', 'records', { sobject: 'Contact', records: [{ LastName: 'Buyer', Email: 'buyer@customer.example' }] })) as { ids: string[] }).ids;
    const source = new MemoryMessageSource();
    source.put('task', MESSAGE, FILES);

    const report = await runSession({
      orgId: 'acme', person: DANA, source, store, emulator, users, settings: SMALL_FILES,
      resolver: new MemoryLinkResolver({ 'buyer@customer.example': contact! }),
    });

    expect(report.recordsCreated).toBe(1);
    const tasks = await liveRecords(emulator, 'Task');
    expect(tasks).toHaveLength(1);
    const task = tasks[0]!;
    expect(task).toMatchObject({
      Subject: 'Email: Contract draft', Status: 'Completed', TaskSubtype: 'Email', IsClosed: true, WhoId: contact,
      OwnerId: users.get(DANA.address), ActivityDate: '2026-03-02', AddInEmail__c: false,
    });
    expect(String(task.Description)).toBe([
      'From: Bea Buyer <buyer@customer.example>',
      `To: Dana Reyes <${DANA.address}>`,
      'Date: 2026-03-02T09:30:00.000Z',
      'Subject: Contract draft',
      '',
      'Dear Dana,\nthe contract is attached.',
    ].join('\n'));
    const versions = await liveRecords(emulator, 'ContentVersion');
    expect(versions.map((version) => version.FirstPublishLocationId)).toEqual([task.Id]);

    // The same email again, from another mailbox: no second Task.
    const second = new MemoryMessageSource();
    second.put('task', MESSAGE, FILES);
    const again = await runSession({ orgId: 'acme', person: PEOPLE[1], source: second, store, emulator, users, settings: SMALL_FILES });
    expect(again.recordsCreated).toBe(0);
    expect(await liveRecords(emulator, 'Task')).toHaveLength(1);
    expect(await liveRecords(emulator, 'ContentVersion')).toHaveLength(1);
  });

  it('stops with the fix when the org lacks the message key field', async () => {
    const bare = await startEmailEmulator({ emailFields: null });
    try {
      const source = new MemoryMessageSource();
      source.put('m', MESSAGE);
      const error = await runSession({ orgId: 'acme', person: DANA, source, store, emulator: bare, users: await userIds(bare) }).catch((caught: unknown) => caught);
      expect(isConnectorError(error, 'suspend')).toBe(true);
      expect((error as Error).message).toMatch(/message key field Syncline_Message_Key__c is missing on EmailMessage.*emailSaving\.messageKeyField/);
      expect(await liveRecords(bare, 'EmailMessage')).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });

  it('stops with the fix when Enhanced Email is required but off', async () => {
    await admin(emulator, 'PUT', 'features', { enhancedEmail: false });
    const source = new MemoryMessageSource();
    source.put('m', MESSAGE);
    const error = await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users, settings: { ...DEFAULT_EMAIL_SAVING_SETTINGS, recordMode: 'enhancedEmail' } }).catch((caught: unknown) => caught);
    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toMatch(/turn on Enhanced Email in Setup, or set the org's emailSaving\.recordMode/);
  });

  it('continues after an expired cursor without saving twice', async () => {
    const source = new MemoryMessageSource();
    source.put('m', { ...MESSAGE, attachments: [] });
    await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users });
    source.expireCursor();
    source.put('n', { ...MESSAGE, internetMessageId: '<long-2@customer.example>', attachments: [] });

    const report = await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users });

    expect(report.emailsSaved).toBe(1);
    expect(report.skipped.alreadySaved).toBe(1);
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(2);
  });

  it('retries an email whose attachment could not be read', async () => {
    const source = new MemoryMessageSource();
    source.put('m', MESSAGE, new Map([['pdf', FILES.get('pdf')!]]));

    const first = await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users });
    expect(first.itemErrors.map((error) => error.code)).toEqual(['ErrorItemNotFound']);
    expect(first.emailsSaved).toBe(0);
    expect((await store.loadEmailSaveState('acme:mb-dana')).retries).toMatchObject([{ mailboxItemId: 'm', attempts: 1 }]);

    source.put('m', MESSAGE, FILES);
    const emptyPull = new MemoryMessageSource();
    // The retry reads the message by id even though no pull reports it again.
    const second = await runSession({ orgId: 'acme', person: DANA, source: Object.assign(emptyPull, { readMessages: source.readMessages.bind(source), readAttachment: source.readAttachment.bind(source) }), store, emulator, users });
    expect(second.itemErrors).toEqual([]);
    expect(second.emailsSaved).toBe(1);
    expect(second.attachmentsSaved).toBe(1);
    expect((await store.loadEmailSaveState('acme:mb-dana')).retries).toEqual([]);
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
    expect((await liveRecords(emulator, 'ContentVersion')).map((version) => version.PathOnClient).sort()).toEqual(['contract.pdf', 'scan.tiff']);
  });
});
