import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailMessage } from '../src/domain/email-message.ts';
import type { EmailSaveStore } from '../src/domain/email-saves.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS, saveRequestedEmail, type EmailRecordWriter } from '../src/email/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { PEOPLE, admin, emailWriter, liveRecords, registerOrg, runSession, startEmailEmulator, userIds } from './support/email-world.ts';
import { MemoryLinkResolver } from './support/memory-link-resolver.ts';
import { MemoryMessageSource } from './support/memory-message-source.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const [DANA, LEE, KIM] = PEOPLE;
const KEY_FIELD = 'Syncline_Message_Key__c';

/** One email from a customer to all three people of the org, with a file. */
const OFFER: MailMessage = {
  internetMessageId: '<offer-2026@customer.example>', conversationId: 'conv-offer', inReplyTo: null, references: [],
  subject: 'Offer for the spring order', from: { address: 'buyer@customer.example', name: 'Bea Buyer' },
  to: [
    { address: DANA.address, name: DANA.name },
    { address: LEE.address, name: LEE.name },
    { address: KIM.address, name: KIM.name },
  ],
  cc: [{ address: 'finance@customer.example', name: null }], bcc: [],
  sentAt: '2026-03-02T09:30:00.000Z', receivedAt: '2026-03-02T09:30:05.000Z',
  bodyText: 'Please find our offer attached.', bodyHtml: '<p>Please find our offer attached.</p>', headers: {},
  categories: ['Salesforce'], folder: 'inbox', isDraft: false,
  attachments: [{ id: 'a1', name: 'offer.pdf', contentType: 'application/pdf', size: 9, isInline: false, contentId: null }],
};
const OFFER_FILE = new Map([['a1', new TextEncoder().encode('%PDF-1.7\n')]]);

let emulator: RunningSalesforceEmulator;
let users: Map<string, string>;

beforeAll(async () => {
  emulator = await startEmailEmulator();
  users = await userIds(emulator);
});

afterAll(async () => {
  await emulator.close();
});

const TARGETS: readonly [string, () => StoreTarget][] = [
  ['SQLite', sqliteFileTarget],
  ['PostgreSQL', postgresSchemaTarget],
];

describe.each(TARGETS)('exactly once on %s', (_name, makeTarget) => {
  let target: StoreTarget;
  let store: SynclineStore;

  beforeAll(async () => {
    target = makeTarget();
    store = await target.open();
  });

  afterAll(async () => {
    await store.close();
    await target.dispose();
  });

  beforeEach(async () => {
    await admin(emulator, 'POST', 'reset');
    await store.truncateAll();
    await registerOrg(store, 'acme');
  });

  it('saves one email received by three users once', async () => {
    const sources = PEOPLE.map(() => {
      const source = new MemoryMessageSource();
      source.put('offer', OFFER, OFFER_FILE);
      return source;
    });

    const reports = await Promise.all(PEOPLE.map((person, index) => runSession({ orgId: 'acme', person, source: sources[index]!, store, emulator, users })));

    const emails = await liveRecords(emulator, 'EmailMessage');
    expect(emails).toHaveLength(1);
    expect(reports.map((report) => report.emailsSaved)).toEqual([1, 1, 1]);
    expect(reports.reduce((sum, report) => sum + report.recordsCreated, 0)).toBe(1);

    const relations = await liveRecords(emulator, 'EmailMessageRelation');
    const got = relations.map((relation) => `${String(relation.RelationType)} ${String(relation.RelationAddress)} ${String(relation.RelationId ?? '')}`).sort();
    expect(got).toEqual([
      'CcAddress finance@customer.example ',
      'FromAddress buyer@customer.example ',
      ...PEOPLE.map((person) => `ToAddress ${person.address} ${users.get(person.address)}`),
    ].sort());
    expect(relations.every((relation) => relation.EmailMessageId === emails[0]!.Id)).toBe(true);
    expect(await liveRecords(emulator, 'ContentVersion')).toHaveLength(1);

    const registry = await store.findSavedEmails('acme', [String(emails[0]![KEY_FIELD])]);
    expect([...registry.values()][0]?.mailboxIds).toEqual(PEOPLE.map((person) => `acme:${person.mailboxId}`).sort());
  });

  it('completes a partly written email once when two sessions race', async () => {
    // A record as an interrupted run leaves it: written, with none of its relations.
    await admin(emulator, 'POST', 'records', {
      sobject: 'EmailMessage',
      records: [{ Subject: OFFER.subject, Status: '1', Incoming: true, [KEY_FIELD]: 'm-' + (await offerKeyHash()) }],
    });
    const sources = [DANA, LEE].map(() => {
      const source = new MemoryMessageSource();
      source.put('offer', OFFER, OFFER_FILE);
      return source;
    });

    await Promise.all([DANA, LEE].map((person, index) => runSession({ orgId: 'acme', person, source: sources[index]!, store, emulator, users })));

    const relations = await liveRecords(emulator, 'EmailMessageRelation');
    const got = relations.map((relation) => `${String(relation.RelationType)} ${String(relation.RelationAddress)}`).sort();
    expect(got).toEqual([
      'CcAddress finance@customer.example',
      'FromAddress buyer@customer.example',
      ...PEOPLE.map((person) => `ToAddress ${person.address}`),
    ].sort());
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
  });

  it('adds relations for a second user instead of a record', async () => {
    const first = new MemoryMessageSource();
    first.put('offer', OFFER, OFFER_FILE);
    await runSession({ orgId: 'acme', person: DANA, source: first, store, emulator, users });
    const relationsBefore = await liveRecords(emulator, 'EmailMessageRelation');

    // Lee was a blind copy: Lee's copy shows the same headers, and Lee is added as a Bcc recipient.
    const second = new MemoryMessageSource();
    second.put('lee-copy', { ...OFFER, to: [{ address: DANA.address, name: DANA.name }] }, OFFER_FILE);
    const report = await runSession({ orgId: 'acme', person: LEE, source: second, store, emulator, users });

    expect(report.recordsCreated).toBe(0);
    expect(report.emailsSaved).toBe(1);
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
    const relations = await liveRecords(emulator, 'EmailMessageRelation');
    const added = relations.filter((relation) => !relationsBefore.some((before) => before.Id === relation.Id));
    expect(added.map((relation) => `${String(relation.RelationType)} ${String(relation.RelationAddress)}`)).toEqual([`BccAddress ${LEE.address}`]);
    expect(added[0]?.RelationId).toBe(users.get(LEE.address));
    // The owner's relation from Dana's save points at Lee's User now.
    const leeTo = relations.find((relation) => relation.RelationType === 'ToAddress' && relation.RelationAddress === LEE.address);
    expect(leeTo?.RelationId).toBe(users.get(LEE.address));
    expect(await liveRecords(emulator, 'ContentVersion')).toHaveLength(1);
  });

  it('saves differing copies of one email once', async () => {
    const sent = new MemoryMessageSource();
    sent.put('sent', { ...OFFER, from: { address: DANA.address, name: DANA.name }, to: [{ address: LEE.address, name: LEE.name }], folder: 'sent', bodyText: 'Short note.', bodyHtml: null, attachments: [] });
    await runSession({ orgId: 'acme', person: DANA, source: sent, store, emulator, users });

    // The recipient's copy carries a disclaimer the mail server appended after the sender's Sent Items copy was stored.
    const received = new MemoryMessageSource();
    received.put('received', { ...OFFER, from: { address: DANA.address, name: DANA.name }, to: [{ address: LEE.address, name: LEE.name }], bodyText: 'Short note.\n--\nConfidential.', bodyHtml: null, attachments: [] });
    const report = await runSession({ orgId: 'acme', person: LEE, source: received, store, emulator, users });

    expect(report.recordsCreated).toBe(0);
    expect(report.emailsSaved).toBe(1);
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
  });

  it('keeps one record after a crash between write and commit', async () => {
    const source = new MemoryMessageSource();
    source.put('offer', OFFER, OFFER_FILE);
    const crashing: EmailSaveStore = Object.create(store) as EmailSaveStore;
    crashing.commitEmailSaves = async () => {
      throw new Error('injected crash before the commit');
    };

    await expect(runSession({ orgId: 'acme', person: KIM, source, store: crashing as SynclineStore, emulator, users })).rejects.toThrow('injected crash');
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
    const relationsAfterCrash = await liveRecords(emulator, 'EmailMessageRelation');

    const report = await runSession({ orgId: 'acme', person: KIM, source, store, emulator, users });

    expect(report.emailsSaved).toBe(1);
    expect(report.recordsCreated).toBe(0);
    expect(report.relationsAdded).toBe(0);
    expect(report.attachmentsSaved).toBe(0);
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(1);
    expect(await liveRecords(emulator, 'EmailMessageRelation')).toHaveLength(relationsAfterCrash.length);
    expect(await liveRecords(emulator, 'ContentVersion')).toHaveLength(1);
    const emails = await liveRecords(emulator, 'EmailMessage');
    expect((await store.findSavedEmails('acme', [String(emails[0]![KEY_FIELD])])).size).toBe(1);
  });

  it('gives a reused Message-ID with other content its own record', async () => {
    const source = new MemoryMessageSource();
    source.put('offer', OFFER);
    await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users });
    source.put('reused', { ...OFFER, subject: 'Unrelated newsletter', bodyText: 'Other text', sentAt: '2026-04-01T08:00:00.000Z', attachments: [] });

    const report = await runSession({ orgId: 'acme', person: DANA, source, store, emulator, users });

    expect(report.recordsCreated).toBe(1);
    const emails = await liveRecords(emulator, 'EmailMessage');
    expect(emails.map((email) => email.Subject).sort()).toEqual(['Offer for the spring order', 'Unrelated newsletter']);
    expect(emails.map((email) => String(email[KEY_FIELD]).slice(0, 2)).sort()).toEqual(['f-', 'm-']);
  });

  it('keeps concurrent reused Message-IDs apart', async () => {
    // Two mailboxes save two different emails under one Message-ID at the same time, so neither sees the other's
    // registration before it claims the key.
    const offer = new MemoryMessageSource();
    offer.put('offer', { ...OFFER, to: [{ address: DANA.address, name: DANA.name }], attachments: [] });
    const newsletter = new MemoryMessageSource();
    const other = { ...OFFER, subject: 'Unrelated newsletter', from: { address: 'news@vendor.example', name: null }, to: [{ address: LEE.address, name: LEE.name }], cc: [], bodyText: 'Other text', bodyHtml: null, sentAt: '2026-04-01T08:00:00.000Z', attachments: [] };
    newsletter.put('newsletter', other);

    await Promise.all([
      runSession({ orgId: 'acme', person: DANA, source: offer, store, emulator, users }),
      runSession({ orgId: 'acme', person: LEE, source: newsletter, store, emulator, users }),
    ]);
    // Whichever lost the race saves its email in its next session.
    await runSession({ orgId: 'acme', person: DANA, source: offer, store, emulator, users });
    await runSession({ orgId: 'acme', person: LEE, source: newsletter, store, emulator, users });

    const emails = await liveRecords(emulator, 'EmailMessage');
    expect(emails.map((email) => email.Subject).sort()).toEqual(['Offer for the spring order', 'Unrelated newsletter']);
    const relations = await liveRecords(emulator, 'EmailMessageRelation');
    const senderOf = (subject: string) => {
      const email = emails.find((candidate) => candidate.Subject === subject);
      return relations.filter((relation) => relation.EmailMessageId === email?.Id && relation.RelationType === 'FromAddress').map((relation) => relation.RelationAddress);
    };
    expect(senderOf('Offer for the spring order')).toEqual(['buyer@customer.example']);
    expect(senderOf('Unrelated newsletter')).toEqual(['news@vendor.example']);
  });

  it('never recreates an email deleted in Salesforce', async () => {
    const first = new MemoryMessageSource();
    first.put('offer', OFFER);
    await runSession({ orgId: 'acme', person: DANA, source: first, store, emulator, users });
    const [email] = await liveRecords(emulator, 'EmailMessage');
    await fetch(`${emulator.url}/_admin/records/EmailMessage`, { method: 'GET' });
    await deleteRecord(String(email!.Id));

    const second = new MemoryMessageSource();
    second.put('offer', OFFER);
    const report = await runSession({ orgId: 'acme', person: LEE, source: second, store, emulator, users });

    expect(report.skipped.deletedInSalesforce).toBe(1);
    expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(0);
  });

  it('continues retry attempts on requested save', async () => {
    const source = new MemoryMessageSource();
    source.put('offer', OFFER, OFFER_FILE);
    const mailboxId = `acme:${DANA.mailboxId}`;
    await store.commitEmailSaves({
      orgId: 'acme', mailboxId, saves: [], mailboxSaves: [],
      retries: { put: [{ mailboxItemId: 'offer', code: 'UPLOAD_FAILED', message: 'The file upload failed', attempts: 3 }], remove: [] },
      composeMarks: { add: [], remove: [] }, at: '2026-03-02T10:00:00.000Z',
    });
    const writer = emailWriter(emulator);
    const failingUploads: EmailRecordWriter = Object.create(writer) as EmailRecordWriter;
    failingUploads.uploadFiles = async (files) => new Map(files.map((file) => [file.ref, {
      ok: false, failure: { kind: 'itemError', code: 'UPLOAD_FAILED', message: 'injected upload failure' }, recordId: file.recordId,
    }]));

    const result = await saveRequestedEmail({
      orgId: 'acme',
      mailbox: { id: mailboxId, address: DANA.address, timeZone: 'Europe/Berlin' },
      owner: { id: users.get(DANA.address)! },
      mailboxItemId: 'offer',
      source,
      writer: failingUploads,
      resolver: new MemoryLinkResolver(),
      store,
      settings: DEFAULT_EMAIL_SAVING_SETTINGS,
      logger: createSilentLogger(),
    });

    expect(result.status).toBe('saved');
    const retries = (await store.loadEmailSaveState(mailboxId)).retries;
    expect(retries).toHaveLength(1);
    expect(retries[0]?.mailboxItemId).toBe('offer');
    expect(retries[0]?.attempts).toBe(4);
  });

  it('lets a claim expire and be taken by another holder', async () => {
    expect(await store.claimEmailKeys('acme', 'session:a', ['k1', 'k2'], 60_000)).toEqual(['k1', 'k2']);
    expect(await store.claimEmailKeys('acme', 'request:b', ['k1', 'k3'], 60_000)).toEqual(['k3']);
    // The same holder takes its own claim back at once, as a session rerun after a crash does.
    expect((await store.claimEmailKeys('acme', 'session:a', ['k1'], 60_000))).toEqual(['k1']);
    await store.releaseEmailKeys('acme', 'session:a', ['k1']);
    expect(await store.claimEmailKeys('acme', 'request:b', ['k1'], 1)).toEqual(['k1']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.claimEmailKeys('acme', 'session:c', ['k1', 'k2'], 60_000)).toEqual(['k1']);
  });
});

async function offerKeyHash(): Promise<string> {
  const { messageIdHash, normalizeMessageId } = await import('../src/email/message-identity.ts');
  return messageIdHash(normalizeMessageId(OFFER.internetMessageId)!);
}

async function deleteRecord(id: string): Promise<void> {
  const token = await fetch(`${emulator.url}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'email-test', client_secret: 'email-test-secret', refresh_token: 'email-test-refresh' }),
  }).then(async (response) => String(((await response.json()) as { access_token: string }).access_token));
  const response = await fetch(`${emulator.url}/services/data/v62.0/sobjects/EmailMessage/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(204);
}
