import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageScope } from '../src/domain/email-message.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createGmailMessageSource } from '../src/mailbox/google/index.ts';
import { GoogleWorld, type GoogleUser } from './support/google-world.ts';

/** The Gmail message source against the Google emulator: full and incremental reads, labels, attachments, quota. */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_EML = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'eml');
const SCOPE: MessageScope = { folders: ['inbox', 'sent', 'salesforce'], since: '2020-01-01T00:00:00.000Z' };
const MARKERS = { category: 'Salesforce', folderName: 'Salesforce' };
const world = new GoogleWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

function corpusFile(name: string): Buffer {
  return readFileSync(path.join(CORPUS_EML, name));
}

async function seed(user: GoogleUser, file: string, labelIds: string[] = ['INBOX']): Promise<{ id: string; threadId: string }> {
  return world.admin('POST', `/_admin/users/${user.email}/gmail/seed-eml`, { emlBase64: corpusFile(file).toString('base64'), labelIds, receivedAt: '2026-10-05T09:30:00Z' });
}

async function salesforceLabelId(user: GoogleUser): Promise<string> {
  const labels = await world.api<{ labels: { id: string; name: string }[] }>(user, 'GET', '/gmail/v1/users/me/labels');
  return labels.body.labels.find((label) => label.name === 'Salesforce')?.id ?? '';
}

describe('Gmail message source', () => {
  it('reads the scope in full from raw messages', async () => {
    const user = await world.newUser();
    const inbox = await seed(user, 'applemail-reply-in-reply-to-references.eml');
    const sent = await seed(user, 'thunderbird-reply-quoted-foreign-signature-8bit.eml', ['SENT']);
    await seed(user, 'aol-original-message-block.eml', ['SPAM']);
    const source = createGmailMessageSource(user.options);
    await source.ensureMarkers(MARKERS);

    const pull = await source.pullMessages(null, SCOPE);
    expect(pull.isFullListing).toBe(true);
    expect(pull.changes.map((change) => change.id).sort()).toEqual([inbox.id, sent.id].sort());
    const reply = pull.changes.find((change) => change.id === inbox.id);
    const message = reply?.kind === 'upsert' ? reply.item : null;
    expect(message?.internetMessageId).toBe('<68001B29-8EA4-444C-A894-0537D2CA5208@example.com>');
    expect(message?.inReplyTo).toBe('<CABzQGhkMXDxUt_tSVQcg=43aniUhtsVfCZVzu-PG0kwS_uzqMw@mail.gmail.com>');
    expect(message?.conversationId).toBe(inbox.threadId);
    expect(message?.folder).toBe('inbox');
    expect(message?.receivedAt).toBe('2026-10-05T09:30:00.000Z');
    const outgoing = pull.changes.find((change) => change.id === sent.id);
    expect(outgoing?.kind === 'upsert' ? outgoing.item.folder : null).toBe('sent');
  });

  it('reports new mail and a new Salesforce label from the history', async () => {
    const user = await world.newUser();
    const first = await seed(user, 'applemail-reply-in-reply-to-references.eml');
    const source = createGmailMessageSource(user.options);
    await source.ensureMarkers(MARKERS);
    const cursor = (await source.pullMessages(null, SCOPE)).nextCursor;

    const second = await seed(user, 'sparrow-dashdash-signature-nested-quote.eml');
    await world.api(user, 'POST', `/gmail/v1/users/me/messages/${first.id}/modify`, { addLabelIds: [await salesforceLabelId(user)] });
    const pull = await source.pullMessages(cursor, SCOPE);

    expect(pull.isFullListing).toBe(false);
    expect(pull.changes.map((change) => change.id).sort()).toEqual([first.id, second.id].sort());
    const labelled = pull.changes.find((change) => change.id === first.id);
    const labelledItem = labelled?.kind === 'upsert' ? labelled.item : null;
    expect(labelledItem?.folder).toBe('salesforce');
    expect(labelledItem?.categories).toEqual(['Salesforce']);
    const quiet = await source.pullMessages(pull.nextCursor, SCOPE);
    expect(quiet.changes).toEqual([]);
  });

  it('reads in full after the history id expired, without duplicates', async () => {
    const user = await world.newUser();
    const first = await seed(user, 'applemail-reply-in-reply-to-references.eml');
    const source = createGmailMessageSource(user.options);
    await source.ensureMarkers(MARKERS);
    const cursor = (await source.pullMessages(null, SCOPE)).nextCursor;
    const second = await seed(user, 'sparrow-dashdash-signature-nested-quote.eml');
    await world.admin('POST', `/_admin/users/${user.email}/gmail/expire-history`);

    const error = await source.pullMessages(cursor, SCOPE).then(() => null, (caught: unknown) => caught);
    expect(isConnectorError(error, 'cursorExpired')).toBe(true);
    const full = await source.pullMessages(null, SCOPE);
    expect(full.changes.map((change) => change.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('returns attachment bytes exactly', async () => {
    const user = await world.newUser();
    const file = 'raw-8bit-nonascii-attachment-filename.eml';
    const seeded = await seed(user, file);
    const source = createGmailMessageSource(user.options);

    const message = (await source.readMessages([seeded.id])).get(seeded.id)?.item;
    const expected = await simpleParser(corpusFile(file));
    expect(message?.attachments.map((attachment) => attachment.name)).toEqual(expected.attachments.map((attachment) => attachment.filename));
    const first = message?.attachments[0];
    const bytes = await source.readAttachment(seeded.id, first?.id ?? '');
    expect(Buffer.from(bytes).equals(expected.attachments[0]?.content ?? Buffer.alloc(1))).toBe(true);
    expect(first?.size).toBe(expected.attachments[0]?.size);
  });

  it('creates the Salesforce label once', async () => {
    const user = await world.newUser();
    const source = createGmailMessageSource(user.options);
    await source.ensureMarkers(MARKERS);
    await createGmailMessageSource(user.options).ensureMarkers({ category: 'salesforce', folderName: 'SALESFORCE' });

    const labels = await world.api<{ labels: { name: string; type: string }[] }>(user, 'GET', '/gmail/v1/users/me/labels');
    expect(labels.body.labels.filter((label) => label.type === 'user').map((label) => label.name)).toEqual(['Salesforce']);
  });

  it('spends the documented quota units', async () => {
    const user = await world.newUser();
    await seed(user, 'applemail-reply-in-reply-to-references.eml');
    await seed(user, 'sparrow-dashdash-signature-nested-quote.eml');
    const source = createGmailMessageSource(user.options);
    const before = await world.admin<{ gmailQuotaUnits: number }>('GET', '/_admin/stats');

    await source.pullMessages(null, { folders: ['inbox'], since: SCOPE.since });
    const after = await world.admin<{ gmailQuotaUnits: number }>('GET', '/_admin/stats');
    // labels.list 1, getProfile 1, messages.list 5, two messages.get at 5 each.
    expect(after.gmailQuotaUnits - before.gmailQuotaUnits).toBe(1 + 1 + 5 + 2 * 5);
  });
});
