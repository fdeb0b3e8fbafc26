import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage, MessageSource } from '../src/domain/email-message.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createGraphMessageSource } from '../src/mailbox/graph/index.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import { seedEmlFolder, type MailSeedResult } from '../emulators/sandbox-mail-seed.ts';

/**
 * Seeds every .eml file of the shared corpus the way `syncline sandbox seed` does and reads the messages back through
 * the Graph message source. It compares them with mailparser's parse of the same files. The emulator parses with
 * postal-mime, so the two parsers check each other.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EML_DIR = path.resolve(repoRoot, '..', 'shared', 'corpus', 'eml');
const FILES = readdirSync(EML_DIR).filter((name) => name.endsWith('.eml')).sort();
const CLIENT = { tenantId: 'contoso', clientId: 'syncline-eml-test', clientSecret: 'test-secret' };
const MAILBOX = 'corpus@contoso.example';

type Field = 'subject' | 'body' | 'attachments' | 'references';

/** Where the two parsers read a malformed or unusual file differently; every other field must agree. */
const PARSER_DIVERGENCES: Readonly<Record<string, { readonly fields: readonly Field[]; readonly reason: string }>> = {
  'eudora-raw-8bit-inside-encoded-word.eml': {
    fields: ['subject'],
    reason: 'raw 8-bit bytes inside an encoded word are invalid: postal-mime reads them as Latin-1, mailparser replaces them',
  },
  'forward-empty-message-rfc822-8bit.eml': {
    fields: ['body', 'attachments'],
    reason: 'postal-mime renders the empty message/rfc822 part into the body, mailparser lists it as an attachment',
  },
  'mime-torture-test.eml': { fields: ['body'], reason: 'the parsers join the many text parts into one HTML body with different markup' },
  'nested-mixed-related-alternative.eml': { fields: ['body'], reason: 'mailparser puts a <br/> between the HTML parts it joins' },
  'multiple-references-headers-one-invalid.eml': {
    fields: ['references'],
    reason: 'a Message-ID broken across a fold: the seeding drops it, mailparser keeps a cut-off <invalid.>',
  },
};

let emulator: RunningGraphEmulator;
let source: MessageSource;
let seeded: MailSeedResult[];
let again: MailSeedResult[];
let messages: Map<string, MailMessage>;

beforeAll(async () => {
  emulator = await startGraphEmulator({ clients: [CLIENT], users: [{ userPrincipalName: MAILBOX, displayName: 'Corpus Mailbox' }] });
  source = createGraphMessageSource({
    graphBaseUrl: `${emulator.url}/v1.0`,
    tokenUrl: `${emulator.url}/${CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    userId: MAILBOX,
    mailboxTimeZone: 'UTC',
    logger: createSilentLogger(),
  });

  seeded = await seedEmlFolder({ graphUrl: emulator.url, folder: EML_DIR, mailboxAddress: MAILBOX });
  again = await seedEmlFolder({ graphUrl: emulator.url, folder: EML_DIR, mailboxAddress: MAILBOX });
  const pulled = await source.pullMessages(null, { folders: ['inbox'], since: new Date(Date.now() - 86_400_000).toISOString() });
  messages = new Map(pulled.changes.flatMap((change) => (change.kind === 'upsert' ? [[change.id, change.item] as const] : [])));
});

afterAll(async () => {
  await emulator.close();
});

function diverges(file: string, field: Field): boolean {
  return PARSER_DIVERGENCES[file]?.fields.includes(field) ?? false;
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = asList(value);
  return objects.flatMap((object) => object.value.flatMap((entry) => (entry.group ? entry.group : [entry]))).flatMap((entry) => (entry.address ? [entry.address] : []));
}

function messageIds(value: string | string[] | undefined): string[] {
  const values = asList(value);
  return values.flatMap((entry) => [...entry.matchAll(/<[^<>\s]+>/g)].map((match) => match[0]));
}

function squeeze(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Calendar parts come out of postal-mime as UTF-8 text with LF line ends, so they compare as text. */
function comparableBytes(contentType: string, bytes: Uint8Array): string {
  return /^(text\/calendar|application\/ics)$/i.test(contentType) ? Buffer.from(bytes).toString('utf8').replace(/\r\n/g, '\n').trimEnd() : sha(bytes);
}

describe('.eml seeding over the corpus', () => {
  it('seeds every file once and again without change', () => {
    expect(seeded.map((result) => result.file)).toEqual(FILES);
    expect(seeded.every((result) => result.outcome === 'added' && result.folder === 'Inbox')).toBe(true);
    expect(again.map((result) => [result.file, result.outcome, result.id])).toEqual(seeded.map((result) => [result.file, 'unchanged', result.id]));
    expect(messages.size).toBe(FILES.length);
  });

  it('warns about files without Message-ID or From', () => {
    const warned = Object.fromEntries(seeded.filter((result) => result.warnings.length > 0).map((result) => [result.file, result.warnings.length]));

    expect(warned['outlook-iso-2022-jp-encoded-subject-no-from.eml']).toBe(2);
    expect(warned['nested-mixed-related-alternative.eml']).toBe(1);
  });

  describe.each(FILES)('%s', (file) => {
    let parsed: ParsedMail;
    let message: MailMessage;
    let id: string;

    beforeAll(async () => {
      parsed = await simpleParser(readFileSync(path.join(EML_DIR, file)));
      id = seeded.find((result) => result.file === file)?.id ?? '';
      const found = messages.get(id);
      if (!found) {
        throw new Error(`${file}: the message source did not return message ${id}`);
      }
      message = found;
    });

    it('has the same identity, people and dates', () => {
      expect(message.internetMessageId).toBe(parsed.messageId ?? null);
      expect(message.from?.address ?? null).toBe(parsed.from?.value[0]?.address || null);
      expect(message.to.map((person) => person.address)).toEqual(addresses(parsed.to));
      expect(message.cc.map((person) => person.address)).toEqual(addresses(parsed.cc));
      if (parsed.date) {
        expect(message.sentAt).toBe(parsed.date.toISOString());
      }
      const name = parsed.from?.value[0]?.name;
      if (name && name.toLowerCase() !== message.from?.address.toLowerCase()) {
        expect(message.from?.name).toBe(name);
      }
    });

    it('has the same subject', () => {
      if (diverges(file, 'subject')) {
        return;
      }
      expect(message.subject).toBe(parsed.subject ?? '');
    });

    it('has the same body', () => {
      if (diverges(file, 'body')) {
        return;
      }
      if (parsed.html) {
        expect(squeeze(message.bodyHtml)).toBe(squeeze(parsed.html));
      } else {
        expect(message.bodyHtml).toBeNull();
        expect(squeeze(message.bodyText)).toBe(squeeze(parsed.text));
      }
    });

    it('has the same threading headers', () => {
      expect(message.inReplyTo).toBe(messageIds(parsed.inReplyTo)[0] ?? null);
      if (!diverges(file, 'references')) {
        expect(message.references).toEqual(messageIds(parsed.references));
      }
    });

    it('has the same attachments, byte for byte', async () => {
      if (diverges(file, 'attachments')) {
        return;
      }
      expect(message.attachments.length).toBe(parsed.attachments.length);
      for (const [index, expected] of parsed.attachments.entries()) {
        const actual = message.attachments[index];
        const bytes = await source.readAttachment(id, actual?.id ?? '');
        if (expected.filename) {
          expect(actual?.name).toBe(expected.filename);
        }
        expect(actual?.contentType).toBe(expected.contentType);
        expect(comparableBytes(expected.contentType, bytes)).toBe(comparableBytes(expected.contentType, expected.content));
      }
    });
  });
});
