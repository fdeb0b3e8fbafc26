import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { SignInThrottle } from '../src/auth/sign-in-throttle.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import type { MailMessage } from '../src/domain/email-message.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS } from '../src/email/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { emailRoutes } from '../src/server/routes/emails.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { ApiClient, PASSWORD, errorOf, orgSetting } from './support/api-world.ts';
import { PEOPLE, admin, emailWriter, liveRecords, runSession, startEmailEmulator, userIds } from './support/email-world.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';
import { MemoryMessageSource } from './support/memory-message-source.ts';

const [DANA, LEE] = PEOPLE;
const ADMIN = 'admin@acme.example';

const MESSAGE: MailMessage = {
  internetMessageId: '<api-1@customer.example>', conversationId: 'conv-api', inReplyTo: null, references: [],
  subject: 'Renewal terms', from: { address: 'buyer@customer.example', name: 'Bea Buyer' },
  to: [{ address: DANA.address, name: DANA.name }, { address: LEE.address, name: LEE.name }], cc: [], bcc: [],
  sentAt: '2026-03-05T08:00:00.000Z', receivedAt: '2026-03-05T08:00:02.000Z', bodyText: 'Terms below.', bodyHtml: null,
  headers: { 'list-unsubscribe': '<mailto:u@customer.example>' }, categories: [], folder: 'inbox', isDraft: false, attachments: [],
};

let emulator: RunningSalesforceEmulator;
let store: SynclineStore;
let server: RunningServer;
let dataDir: string;
let users: Map<string, string>;
const sources = new Map<string, MemoryMessageSource>();
const clients = new Map<string, ApiClient>();

beforeAll(async () => {
  emulator = await startEmailEmulator();
  users = await userIds(emulator);
  dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-email-api-'));
  const logger = createSilentLogger();
  const org = orgSetting('acme', 'Acme', PEOPLE.map((person) => ({ id: person.mailboxId, address: person.address })));
  const config: SynclineConfig = {
    dataDir,
    store: { kind: 'sqlite', path: path.join(dataDir, 'syncline.db') },
    window: { kind: 'relative', pastDays: 30, futureDays: 180 },
    jitter: 0,
    maxConcurrentSessions: 2,
    server: { host: '127.0.0.1', port: 0, publicUrl: null },
    orgs: [org],
  };
  store = await openStore(config.store, logger);
  await store.upsertOrg({ id: 'acme', name: 'Acme' });
  for (const person of PEOPLE) {
    await store.upsertMailbox({ id: person.mailboxId, orgId: 'acme', kind: 'graph', address: person.address, timeZone: 'Europe/Berlin' });
    sources.set(person.mailboxId, new MemoryMessageSource());
  }
  for (const [email, role] of [[DANA.address, 'user'], [LEE.address, 'user'], [ADMIN, 'admin']] as const) {
    await store.createUser({ id: randomUUID(), orgId: 'acme', email, role, passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
  }

  server = await createServer({
    logger,
    routes: [
      apiRoutes({ store, config, logger, signInThrottle: new SignInThrottle({ maxFailures: 10 }) }),
      emailRoutes({
        store,
        logger,
        openMailbox: async (mailbox) => ({
          source: sources.get(mailbox.id)!,
          writer: emailWriter(emulator),
          resolver: new MemoryLinkResolver(),
          settings: DEFAULT_EMAIL_SAVING_SETTINGS,
          owner: { email: mailbox.address },
        }),
      }),
    ],
  }).listen(0, '127.0.0.1');

  for (const email of [DANA.address, LEE.address, ADMIN]) {
    const client = new ApiClient(server.url);
    const response = await client.signIn(email);
    expect(response.status).toBe(200);
    clients.set(email, client);
  }
});

afterAll(async () => {
  await server.close();
  await store.close();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const source of sources.values()) {
    source.put('msg-1', MESSAGE);
    source.put('draft-1', { ...MESSAGE, internetMessageId: '<draft@acme.example>', isDraft: true, folder: 'drafts' });
  }
});

function save(email: string, body: unknown) {
  return clients.get(email)!.request('POST', '/api/v1/emails/save', { body });
}

function edit(email: string, id: string, body: unknown) {
  return clients.get(email)!.request('PATCH', `/api/v1/emails/${id}`, { body });
}

describe('POST /api/v1/emails/save', () => {
  it('rejects a caller who is not signed in', async () => {
    const response = await new ApiClient(server.url).request('POST', '/api/v1/emails/save', { body: { mailboxId: DANA.mailboxId, messageId: 'msg-1' } });
    expect(response.status).toBe(401);
  });

  it('names the invalid field', async () => {
    const missing = await save(DANA.address, { mailboxId: DANA.mailboxId });
    expect(missing.status).toBe(400);
    expect(errorOf(missing).field).toBe('messageId');

    const extra = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId: 'msg-1', subject: 'x' });
    expect(extra.status).toBe(400);
    expect(errorOf(extra).message).toMatch(/subject/);
  });

  it('hides mailboxes of other people', async () => {
    const response = await save(DANA.address, { mailboxId: LEE.mailboxId, messageId: 'msg-1' });
    expect(response.status).toBe(404);
    expect(errorOf(response).field).toBe('id');
  });

  it('responds 404 for unknown message, 422 for draft', async () => {
    const unknown = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId: 'nope' });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).field).toBe('messageId');

    const draft = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId: 'draft-1' });
    expect(draft.status).toBe(422);
    expect(errorOf(draft)).toMatchObject({ code: 'not_saved', field: 'messageId' });
  });

  it('saves once with the API mark', async () => {
    // The email is bulk (List-Unsubscribe), which holds back automatic rules but not a person's choice.
    const first = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId: 'msg-1' });
    expect(first.status).toBe(201);
    const saved = (first.body as { email: { recordId: string; created: boolean; recordUrl: string } }).email;
    expect(saved.created).toBe(true);
    expect(saved.recordUrl).toBe(`${emulator.url}/${saved.recordId}`);
    const [record] = await liveRecords(emulator, 'EmailMessage');
    expect(record).toMatchObject({ Id: saved.recordId, AddInEmail__c: true, Subject: 'Renewal terms' });

    const again = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId: 'msg-1' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ email: { recordId: saved.recordId, created: false, alreadySaved: true } });

    // Dana's next session treats the email as saved, even with the category put on it meanwhile.
    sources.get(DANA.mailboxId)!.update('msg-1', { categories: ['Salesforce'] });
    const report = await runSession({ orgId: 'acme', person: DANA, source: sources.get(DANA.mailboxId)!, store, emulator, users, overrides: { mailbox: { id: DANA.mailboxId, address: DANA.address, timeZone: 'Europe/Berlin' } } });
    expect(report.skipped.alreadySaved).toBe(1);
    expect(report.emailsSaved).toBe(0);

    const byLee = await save(LEE.address, { mailboxId: LEE.mailboxId, messageId: 'msg-1' });
    expect(byLee.status).toBe(200);
    expect(byLee.body).toMatchObject({ email: { recordId: saved.recordId, created: false, alreadySaved: false } });
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
    const leeRelation = (await liveRecords(emulator, 'EmailMessageRelation')).find((relation) => relation.RelationAddress === LEE.address);
    expect(leeRelation?.RelationId).toBe(users.get(LEE.address));
  });
});

describe('PATCH /api/v1/emails/{id}', () => {
  it('points an address of a saved email at another person', async () => {
    const recordId = await savedRecordId();
    const [contact] = ((await admin(emulator, 'POST', 'records', { sobject: 'Contact', records: [{ LastName: 'Buyer', Email: 'buyer@customer.example' }] })) as { ids: string[] }).ids;

    const response = await edit(DANA.address, recordId, { mailboxId: DANA.mailboxId, people: [{ address: 'buyer@customer.example', recordId: contact }] });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ email: { recordId, sobject: 'EmailMessage', changed: ['people'] } });
    const from = (await liveRecords(emulator, 'EmailMessageRelation')).find((relation) => relation.EmailMessageId === recordId && relation.RelationType === 'FromAddress');
    expect(from?.RelationId).toBe(contact);
  });

  it('rejects what Salesforce does not let change on an EmailMessage', async () => {
    const recordId = await savedRecordId();

    const subject = await edit(DANA.address, recordId, { mailboxId: DANA.mailboxId, subject: 'New subject' });
    expect(subject.status).toBe(422);
    expect(errorOf(subject)).toMatchObject({ code: 'not_editable', field: 'subject' });

    const stranger = await edit(DANA.address, recordId, { mailboxId: DANA.mailboxId, people: [{ address: 'nobody@else.example', recordId: null }] });
    expect(stranger.status).toBe(422);
    expect(errorOf(stranger).field).toBe('people[0].address');
  });

  it('validates the edit', async () => {
    const recordId = await savedRecordId();

    const empty = await edit(DANA.address, recordId, { mailboxId: DANA.mailboxId });
    expect(empty.status).toBe(400);
    expect(errorOf(empty).message).toMatch(/at least one change/);

    const wrongWhat = await edit(DANA.address, recordId, { mailboxId: DANA.mailboxId, whatId: '003000000000001AAA' });
    expect(wrongWhat.status).toBe(400);
    expect(errorOf(wrongWhat).field).toBe('whatId');
  });

  it('finds only emails the caller saved, unless the caller is an admin', async () => {
    const recordId = await savedRecordId();
    const [account] = ((await admin(emulator, 'POST', 'records', { sobject: 'Account', records: [{ Name: 'Customer Inc.' }] })) as { ids: string[] }).ids;
    const byLee = await edit(LEE.address, recordId, { mailboxId: LEE.mailboxId, whatId: account });
    expect(byLee.status).toBe(404);

    const byAdmin = await edit(ADMIN, recordId, { mailboxId: LEE.mailboxId, people: [{ address: DANA.address, recordId: users.get(DANA.address)! }] });
    expect(byAdmin.status).toBe(200);
  });

  // Last in the file: switching the feature starts a fresh emulated org, whose record ids repeat earlier ones.
  it('edits the subject and related record of an email saved as a Task', async () => {
    await admin(emulator, 'PUT', 'features', { enhancedEmail: false });
    const saved = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId: newMessage() });
    expect(saved.status).toBe(201);
    const recordId = (saved.body as { email: { recordId: string; sobject: string } }).email.recordId;
    const [account] = ((await admin(emulator, 'POST', 'records', { sobject: 'Account', records: [{ Name: 'Customer Inc.' }] })) as { ids: string[] }).ids;

    const response = await edit(DANA.address, recordId, { mailboxId: DANA.mailboxId, subject: 'Renewal terms (signed)', whatId: account });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ email: { recordId, sobject: 'Task', changed: ['Subject', 'WhatId'] } });
    const [task] = await liveRecords(emulator, 'Task');
    expect(task).toMatchObject({ Id: recordId, Subject: 'Email: Renewal terms (signed)', WhatId: account, AddInEmail__c: true });
  });
});

let edits = 0;

/** Put a new message in Dana's mailbox, save it through the API, and return its record id. */
async function savedRecordId(): Promise<string> {
  const messageId = newMessage();
  const response = await save(DANA.address, { mailboxId: DANA.mailboxId, messageId });
  expect(response.status).toBe(201);
  return (response.body as { email: { recordId: string } }).email.recordId;
}

function newMessage(): string {
  edits += 1;
  const id = `edit-${edits}`;
  sources.get(DANA.mailboxId)!.put(id, { ...MESSAGE, internetMessageId: `<${id}@customer.example>`, subject: `Edit case ${edits}` });
  return id;
}
