import PostalMime, { type Email } from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MailMessage } from '../src/domain/email-message.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS, type EmailSavingSettings } from '../src/email/index.ts';
import { pathOnClient } from '../src/email/attachment-rules.ts';
import { contentFingerprint, keyFromFingerprint, keyFromMessageId, normalizeMessageId } from '../src/email/message-identity.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { PEOPLE, admin, corpusEmlFiles, liveRecords, readCorpusEml, registerOrg, runSession, openEmailWorld, type EmailWorld } from './support/email-world.ts';
import { MemoryMessageSource, mailMessageFromEml, mailboxesOf } from './support/memory-message-source.ts';

const DANA = PEOPLE[0];
const KEY_FIELD = DEFAULT_EMAIL_SAVING_SETTINGS.messageKeyField;

let world: EmailWorld;
let emulator: RunningSalesforceEmulator;
let store: SynclineStore;
let users: Map<string, string>;

beforeAll(async () => {
  world = await openEmailWorld('syncline-email-corpus-');
  ({ emulator, store, users } = world);
});

afterAll(async () => {
  await world.close();
});

interface CorpusEmail {
  readonly file: string;
  readonly parsed: Email;
  readonly message: MailMessage;
  readonly attachments: Map<string, Uint8Array>;
}

async function loadCorpus(overrides: Partial<MailMessage>): Promise<CorpusEmail[]> {
  return Promise.all(corpusEmlFiles().map(async (file) => {
    const raw = readCorpusEml(file);
    const { message, attachments } = await mailMessageFromEml(raw, overrides);
    // The independent parse the saved record is compared with.
    const parsed = await PostalMime.parse(raw);
    return { file, parsed, message, attachments };
  }));
}

interface PathCase {
  readonly path: string;
  readonly settings?: EmailSavingSettings;
  readonly outbound: boolean;
  /** Puts the corpus in the mailbox and runs the sessions that save it; returns extra records expected besides the corpus. */
  readonly save: (source: MemoryMessageSource, corpus: readonly CorpusEmail[], run: () => Promise<unknown>) => Promise<number>;
}

const ROOT: MailMessage = {
  internetMessageId: '<thread-root@acme.example>', conversationId: 'conv-corpus', inReplyTo: null, references: [], subject: 'Thread root',
  from: { address: 'dana@acme.example', name: 'Dana Reyes' }, to: [{ address: 'buyer@customer.example', name: null }], cc: [], bcc: [],
  sentAt: '1990-01-01T00:00:00.000Z', receivedAt: '1990-01-01T00:00:00.000Z', bodyText: 'Root of the thread', bodyHtml: null, headers: {},
  categories: ['Salesforce'], folder: 'sent', isDraft: false, attachments: [],
};

const CASES: readonly PathCase[] = [
  {
    path: 'category',
    outbound: false,
    save: async (source, corpus, run) => {
      corpus.forEach((email) => source.put(email.file, { ...email.message, categories: ['Salesforce'] }, email.attachments));
      await run();
      return 0;
    },
  },
  {
    path: 'folder',
    outbound: false,
    save: async (source, corpus, run) => {
      corpus.forEach((email) => source.put(email.file, { ...email.message, folder: 'salesforce' }, email.attachments));
      await run();
      return 0;
    },
  },
  {
    path: 'inbound',
    settings: { ...DEFAULT_EMAIL_SAVING_SETTINGS, autoSave: { inbound: true, outbound: false, threads: false } },
    outbound: false,
    save: async (source, corpus, run) => {
      corpus.forEach((email) => source.put(email.file, { ...email.message, folder: 'inbox' }, email.attachments));
      await run();
      return 0;
    },
  },
  {
    path: 'outbound',
    settings: { ...DEFAULT_EMAIL_SAVING_SETTINGS, autoSave: { inbound: false, outbound: true, threads: false } },
    outbound: true,
    save: async (source, corpus, run) => {
      corpus.forEach((email) => source.put(email.file, { ...email.message, folder: 'sent' }, email.attachments));
      await run();
      return 0;
    },
  },
  {
    path: 'thread',
    outbound: false,
    save: async (source, corpus, run) => {
      source.put('root', ROOT);
      await run();
      corpus.forEach((email) => source.put(email.file, { ...email.message, conversationId: 'conv-corpus' }, email.attachments));
      await run();
      return 1;
    },
  },
  {
    path: 'compose',
    outbound: true,
    save: async (source, corpus, run) => {
      // Drafts with a Message-ID carry the category; the others get the add-in's header, which survives sending.
      for (const email of corpus) {
        const marked = email.message.internetMessageId === null
          ? { headers: { ...email.message.headers, 'x-syncline-save': '1' } }
          : { categories: ['Salesforce'] };
        source.put(email.file, { ...email.message, ...marked, folder: 'drafts', isDraft: true }, email.attachments);
      }
      await run();
      corpus.forEach((email) => source.update(email.file, { folder: 'sent', isDraft: false, categories: [] }));
      await run();
      return 0;
    },
  },
];

describe('corpus emails saved once through each selection path', () => {
  for (const testCase of CASES) {
    it(`saves every corpus email through the ${testCase.path} path`, async () => {
      await admin(emulator, 'POST', 'reset');
      const orgId = `corpus-${testCase.path}`;
      await registerOrg(store, orgId);
      const source = new MemoryMessageSource();
      const run = () => runSession({ orgId, person: DANA, source, store, emulator, users, ...(testCase.settings === undefined ? {} : { settings: testCase.settings }) });
      const corpus = await loadCorpus({});

      const extra = await testCase.save(source, corpus, run);

      const emails = await liveRecords(emulator, 'EmailMessage');
      expect(emails).toHaveLength(corpus.length + extra);
      const relations = await liveRecords(emulator, 'EmailMessageRelation');
      const versions = await liveRecords(emulator, 'ContentVersion');
      for (const email of corpus) {
        const record = emails.find((candidate) => candidate[KEY_FIELD] === keyOf(email.message));
        expect(record, `${email.file} has an EmailMessage`).toBeDefined();
        expectRecordMatchesParse(record!, email, testCase.outbound);
        expectRelationsMatchParse(relations.filter((relation) => relation.EmailMessageId === record!.Id), email);
        expectFilesMatchParse(versions.filter((version) => version.FirstPublishLocationId === record!.Id), email);
      }

      // Every message reported again by the mailbox: nothing is written twice.
      const relationCount = relations.length;
      corpus.forEach((email) => source.update(email.file, {}));
      const again = await run();
      expect(again.emailsSaved).toBe(0);
      // A compose mark is used up by the save, so a sent email reported again without the header is not selected at all.
      expect((again.skipped.alreadySaved ?? 0) + (testCase.path === 'compose' ? (again.skipped.notSelected ?? 0) : 0)).toBe(corpus.length);
      expect(await liveRecords(emulator, 'EmailMessage')).toHaveLength(corpus.length + extra);
      expect(await liveRecords(emulator, 'EmailMessageRelation')).toHaveLength(relationCount);
      expect(await liveRecords(emulator, 'ContentVersion')).toHaveLength(versions.length);
    });
  }
});

function keyOf(message: MailMessage): string {
  const id = normalizeMessageId(message.internetMessageId);
  return id === null ? keyFromFingerprint(contentFingerprint(message)) : keyFromMessageId(id);
}

function expectRecordMatchesParse(record: Record<string, unknown>, email: CorpusEmail, outbound: boolean): void {
  const { parsed, file } = email;
  const from = parsed.from === undefined ? undefined : mailboxesOf([parsed.from])[0];
  const list = (addresses: Email['to']) => {
    const joined = mailboxesOf(addresses ?? []).map((mailbox) => mailbox.address).join('; ');
    return joined === '' ? null : joined;
  };
  expect(record.Subject ?? '', `${file} Subject`).toBe(parsed.subject ?? '');
  expect(record.FromAddress ?? null, `${file} FromAddress`).toBe(from?.address ?? null);
  expect(record.FromName ?? null, `${file} FromName`).toBe(from?.name ?? null);
  expect(record.ToAddress ?? null, `${file} ToAddress`).toBe(list(parsed.to));
  expect(record.CcAddress ?? null, `${file} CcAddress`).toBe(list(parsed.cc));
  expect(record.BccAddress ?? null, `${file} BccAddress`).toBe(list(parsed.bcc));
  expect(record.HtmlBody ?? null, `${file} HtmlBody`).toBe(parsed.html ?? null);
  if (parsed.text !== undefined) {
    expect(record.TextBody, `${file} TextBody`).toBe(parsed.text === '' ? null : parsed.text);
  } else {
    // An HTML-only email gets a text body made from its HTML.
    expect(typeof record.TextBody, `${file} TextBody from HTML`).toBe('string');
    expect(String(record.TextBody).length, `${file} TextBody length`).toBeGreaterThan(0);
  }
  expect(record.MessageIdentifier ?? null, `${file} MessageIdentifier`).toBe(parsed.messageId ?? null);
  const date = parsed.date !== undefined && !Number.isNaN(Date.parse(parsed.date)) ? Date.parse(parsed.date) : null;
  expect(record.MessageDate === null || record.MessageDate === undefined ? null : Date.parse(String(record.MessageDate)), `${file} MessageDate`).toBe(date);
  expect(record.Status, `${file} Status`).toBe(outbound ? '3' : '1');
  expect(record.Incoming, `${file} Incoming`).toBe(!outbound);
  expect(record.AddInEmail__c, `${file} AddInEmail__c`).toBe(false);
}

function expectRelationsMatchParse(relations: Record<string, unknown>[], email: CorpusEmail): void {
  const { parsed, file } = email;
  const wanted = new Set<string>();
  const add = (type: string, addresses: Email['to']) => mailboxesOf(addresses ?? []).forEach((mailbox) => wanted.add(`${type} ${mailbox.address.toLowerCase()}`));
  add('FromAddress', parsed.from === undefined ? [] : [parsed.from]);
  add('ToAddress', parsed.to);
  add('CcAddress', parsed.cc);
  add('BccAddress', parsed.bcc);
  // The mailbox owner is no header recipient of the corpus, so the owner is related as a blind copy.
  wanted.add(`BccAddress ${DANA.address}`);

  const got = relations.map((relation) => `${String(relation.RelationType)} ${String(relation.RelationAddress).toLowerCase()}`);
  expect(got.sort(), `${file} relations`).toEqual([...wanted].sort());
  const owner = relations.find((relation) => relation.RelationAddress === DANA.address);
  expect(owner?.RelationId, `${file} owner relation`).toBe(users.get(DANA.address));
}

function expectFilesMatchParse(versions: Record<string, unknown>[], email: CorpusEmail): void {
  const { parsed, file } = email;
  const expected = parsed.attachments.map((attachment) => {
    const bytes = typeof attachment.content === 'string' ? Buffer.from(attachment.content) : Buffer.from(new Uint8Array(attachment.content as ArrayBuffer));
    return `${pathOnClient(attachment.filename ?? '')} ${bytes.toString('base64')}`;
  });
  const got = versions.map((version) => `${String(version.PathOnClient)} ${String(version.VersionData)}`);
  expect(got.sort(), `${file} files`).toEqual(expected.sort());
}
