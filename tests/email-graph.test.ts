import { createHash } from 'node:crypto';
import PostalMime, { type Email } from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import type { RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import type { MessageSource } from '../src/domain/email-message.ts';
import { pathOnClient } from '../src/email/attachment-rules.ts';
import { createGraphMessageSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { PEOPLE, corpusEmlFiles, liveRecords, readCorpusEml, registerOrg, runSession, startEmailEmulator, userIds } from './support/email-world.ts';
import { mailboxesOf } from './support/memory-message-source.ts';
import { sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

/**
 * The corpus through the real mail side: seeded into the Graph emulator with the Salesforce category, read by the
 * Graph message source, saved to the Salesforce emulator, and compared with postal-mime's parse of each file.
 */
const DANA = PEOPLE[0];
const GRAPH_CLIENT = { tenantId: 'acme', clientId: 'email-graph-test', clientSecret: 'graph-secret' };
const KEY_FIELD = 'Syncline_Message_Key__c';

let graph: RunningGraphEmulator;
let salesforce: RunningSalesforceEmulator;
let target: StoreTarget;
let store: SynclineStore;
let users: Map<string, string>;
let source: MessageSource;
const seededIds = new Map<string, string>();

beforeAll(async () => {
  graph = await startGraphEmulator({ clients: [GRAPH_CLIENT], users: [{ userPrincipalName: DANA.address, displayName: DANA.name }] });
  salesforce = await startEmailEmulator();
  users = await userIds(salesforce);
  target = sqliteFileTarget();
  store = await target.open();
  await registerOrg(store, 'acme');
  source = createGraphMessageSource({
    graphBaseUrl: `${graph.url}/v1.0`,
    tokenUrl: `${graph.url}/${GRAPH_CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: GRAPH_CLIENT.clientId,
    clientSecret: GRAPH_CLIENT.clientSecret,
    userId: DANA.address,
    mailboxTimeZone: 'Europe/Berlin',
    logger: createSilentLogger(),
  });

  const messages = corpusEmlFiles().map((file) => ({ emlBase64: Buffer.from(readCorpusEml(file)).toString('base64'), fileName: file, folder: 'inbox', categories: ['Salesforce'], receivedDateTime: new Date().toISOString() }));
  const response = await fetch(`${graph.url}/_admin/users/${DANA.address}/messages/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages }),
  });
  expect(response.status).toBe(200);
  for (const result of ((await response.json()) as { results: { fileName: string; id: string }[] }).results) {
    seededIds.set(result.fileName, result.id);
  }
});

afterAll(async () => {
  await store.close();
  await target.dispose();
  await graph.close();
  await salesforce.close();
});

describe('emails saved from a Graph mailbox', () => {
  it('saves every categorized corpus email once, equal to its parse', async () => {
    const report = await runSession({ orgId: 'acme', person: DANA, source, store, emulator: salesforce, users });

    const files = corpusEmlFiles();
    expect(report.itemErrors).toEqual([]);
    expect(report.emailsSaved).toBe(files.length);
    const emails = await liveRecords(salesforce, 'EmailMessage');
    expect(emails).toHaveLength(files.length);
    const versions = await liveRecords(salesforce, 'ContentVersion');

    for (const file of files) {
      const parsed = await PostalMime.parse(readCorpusEml(file));
      const record = emails.find((email) => (parsed.messageId === undefined ? false : email.MessageIdentifier === parsed.messageId))
        ?? emails.find((email) => email.MessageIdentifier === null && (email.Subject ?? '') === (parsed.subject ?? '') && (email.FromAddress ?? null) === (parsed.from === undefined ? null : (mailboxesOf([parsed.from])[0]?.address ?? null)));
      expect(record, `${file} has an EmailMessage`).toBeDefined();
      expectSameEmail(record!, parsed, file);
      expectSameFiles(versions.filter((version) => version.FirstPublishLocationId === record!.Id), parsed, file);
    }

    // A second session finds nothing new; a message changed in the mailbox is not saved again.
    const again = await runSession({ orgId: 'acme', person: DANA, source, store, emulator: salesforce, users });
    expect(again.emailsSaved).toBe(0);
    expect(await liveRecords(salesforce, 'EmailMessage')).toHaveLength(files.length);
    expect(new Set(emails.map((email) => email[KEY_FIELD])).size).toBe(files.length);
  });
});

function expectSameEmail(record: Record<string, unknown>, parsed: Email, file: string): void {
  const list = (addresses: Email['to']) => {
    const joined = mailboxesOf(addresses ?? []).map((mailbox) => mailbox.address).join('; ');
    return joined === '' ? null : joined;
  };
  const from = parsed.from === undefined ? undefined : mailboxesOf([parsed.from])[0];
  expect(record.Subject ?? '', `${file} Subject`).toBe(parsed.subject ?? '');
  expect(record.FromAddress ?? null, `${file} FromAddress`).toBe(from?.address ?? null);
  expect(record.ToAddress ?? null, `${file} ToAddress`).toBe(list(parsed.to));
  expect(record.CcAddress ?? null, `${file} CcAddress`).toBe(list(parsed.cc));
  expect(record.MessageIdentifier ?? null, `${file} MessageIdentifier`).toBe(parsed.messageId ?? null);
  expect(record.Status, `${file} Status`).toBe('1');
  expect(record.Incoming, `${file} Incoming`).toBe(true);
  // Graph returns one body: the HTML part when there is one, else the text.
  if (parsed.html !== undefined) {
    expect(squeeze(String(record.HtmlBody)), `${file} HtmlBody`).toBe(squeeze(parsed.html));
  } else {
    expect(squeeze(String(record.TextBody)), `${file} TextBody`).toBe(squeeze(parsed.text));
  }
}

function expectSameFiles(versions: Record<string, unknown>[], parsed: Email, file: string): void {
  const bytesOf = (attachment: Email['attachments'][number]) =>
    typeof attachment.content === 'string' ? Buffer.from(attachment.content) : Buffer.from(new Uint8Array(attachment.content as ArrayBuffer));
  const got = versions.map((version) => ({ name: String(version.PathOnClient), sha: sha(Buffer.from(String(version.VersionData), 'base64')) }));
  expect(got.map((entry) => entry.sha).sort(), `${file} file contents`).toEqual(parsed.attachments.map((attachment) => sha(bytesOf(attachment))).sort());
  // Exchange names a part that has no file name itself ("Untitled attachment 00001.ics"), so only given names compare.
  for (const attachment of parsed.attachments.filter((entry) => entry.filename !== null && entry.filename !== undefined)) {
    expect(got.some((entry) => entry.name === pathOnClient(attachment.filename!) && entry.sha === sha(bytesOf(attachment))), `${file} file ${attachment.filename}`).toBe(true);
  }
}

function squeeze(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
