import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '@emulators/core';
import { googlePlugin, seedFromConfig } from '@emulators/google';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageScope } from '../src/domain/email-message.ts';
import { ConnectorError } from '../src/domain/errors.ts';
import { encodeGmailCursor } from '../src/mailbox/google/gmail/gmail-cursor.ts';
import { createGmailMessageSource, type GoogleClientOptions } from '../src/mailbox/google/index.ts';

/**
 * The Gmail message source against the public `@emulators/google` package (0.4.1, the newest release that installs:
 * 0.11.2 depends on an `@emulators/core` version the registry does not have). That emulator serves the OAuth refresh
 * grant and its revocation, labels, `history.list` and single message reads, which this file covers. It has no batch
 * endpoint and no `getProfile`, so a full pull cannot run there, but an incremental pull that reads one new message
 * can (a batch of one goes to the API directly). Calendar has no sync tokens there, so the Calendar, People and Tasks
 * sources run against emulators/google only.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_EML = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'eml');
const BASE_URL = 'http://127.0.0.1:4010';
const USER = 'dana@example.com';
const CLIENT = { client_id: 'syncline-test.apps.googleusercontent.com', client_secret: 'test-secret', redirect_uris: ['http://127.0.0.1/callback'] };
const SCOPES = 'https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.labels https://www.googleapis.com/auth/gmail.modify';

let options: GoogleClientOptions;
let emulatorFetch: typeof fetch;

/** The emulator's Hono app runs in process; the connector reaches it through this fetch instead of a socket. */
beforeAll(async () => {
  const server = createServer(googlePlugin, { port: 4010, baseUrl: BASE_URL });
  seedFromConfig(server.store, BASE_URL, { users: [{ email: USER, name: 'Dana' }], oauth_clients: [CLIENT] });
  emulatorFetch = (async (input: string | URL | Request, init?: RequestInit) => server.app.fetch(new Request(input, init))) as typeof fetch;

  const refreshToken = await consent();

  options = {
    userEmail: USER,
    credentials: { kind: 'userOAuth', clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, refreshToken },
    tokenUrl: `${BASE_URL}/oauth2/token`,
    apiBaseUrl: BASE_URL,
    peopleBaseUrl: BASE_URL,
    logger: pino({ level: 'silent' }),
    fetch: emulatorFetch,
    sleep: async () => undefined,
  };
});

describe('Gmail message source on @emulators/google', () => {
  it('creates the Salesforce label once', async () => {
    await createGmailMessageSource(options).ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });
    await createGmailMessageSource(options).ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });

    const token = await tokenFor();
    const labels = (await (await emulatorFetch(`${BASE_URL}/gmail/v1/users/me/labels`, { headers: { authorization: `Bearer ${token}` } })).json()) as { labels: { name: string }[] };
    expect(labels.labels.filter((label) => label.name === 'Salesforce')).toHaveLength(1);
  });

  it('returns attachment bytes exactly', async () => {
    const file = readFileSync(path.join(CORPUS_EML, 'raw-8bit-nonascii-attachment-filename.eml'));
    const token = await tokenFor();
    const imported = await emulatorFetch(`${BASE_URL}/gmail/v1/users/me/messages/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ raw: file.toString('base64url'), labelIds: ['INBOX'] }),
    });
    const { id } = (await imported.json()) as { id: string };

    const bytes = await createGmailMessageSource(options).readAttachment(id, 'part:0');
    const expected = await simpleParser(file);
    expect(Buffer.from(bytes).equals(expected.attachments[0]?.content ?? Buffer.alloc(1))).toBe(true);
  });

  it('reads the messages history.list names since the stored history id', async () => {
    const scope: MessageScope = { folders: ['inbox', 'sent', 'salesforce'], since: '2020-01-01T00:00:00.000Z' };
    const eml = (subject: string) => Buffer.from(`From: Ana Lima <ana@customer.example>\r\nTo: ${USER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@customer.example>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n`);
    const before = await importEml(eml('Before the cursor'), ['INBOX']);
    const source = createGmailMessageSource(options);
    await source.ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });
    const cursor = encodeGmailCursor({ historyId: before.historyId, salesforceLabelName: 'Salesforce' });

    const added = await importEml(eml('Quote for Q1'), ['INBOX']);
    await importEml(eml('Starred only'), ['STARRED']);
    const pull = await source.pullMessages(cursor, scope);
    expect(pull.isFullListing).toBe(false);
    expect(pull.changes.map((change) => (change.kind === 'upsert' ? [change.id, change.item.subject, change.item.folder] : [change.id]))).toEqual([[added.id, 'Quote for Q1', 'inbox']]);

    const again = await source.pullMessages(pull.nextCursor, scope);
    expect(again.changes).toEqual([]);
  });

  it('suspends the mailbox once its refresh token is revoked', async () => {
    const refreshToken = await consent();
    const revocable: GoogleClientOptions = { ...options, credentials: { kind: 'userOAuth', clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, refreshToken } };
    await createGmailMessageSource(revocable).ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });

    const revoked = await emulatorFetch(`${BASE_URL}/oauth2/revoke`, { method: 'POST', body: new URLSearchParams({ token: refreshToken }) });
    expect(revoked.status).toBe(200);
    const error = await createGmailMessageSource(revocable)
      .ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' })
      .then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
    expect((error as ConnectorError).failure.message).toContain('connect Google again');
  });
});

/** Run the user's consent in the emulator and return the refresh token the authorization code buys. */
async function consent(): Promise<string> {
  const callback = await emulatorFetch(`${BASE_URL}/o/oauth2/v2/auth/callback`, {
    method: 'POST',
    body: new URLSearchParams({ email: USER, redirect_uri: CLIENT.redirect_uris[0] as string, scope: SCOPES, client_id: CLIENT.client_id }),
    redirect: 'manual',
  });
  const code = new URL(callback.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tokens = await emulatorFetch(`${BASE_URL}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, redirect_uri: CLIENT.redirect_uris[0] as string }),
  });
  return ((await tokens.json()) as { refresh_token: string }).refresh_token;
}

/** Import an email through the Gmail API and return its id and history id. */
async function importEml(eml: Buffer, labelIds: readonly string[]): Promise<{ id: string; historyId: string }> {
  const token = await tokenFor();
  const imported = await emulatorFetch(`${BASE_URL}/gmail/v1/users/me/messages/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ raw: eml.toString('base64url'), labelIds }),
  });
  const { id } = (await imported.json()) as { id: string };
  const read = await emulatorFetch(`${BASE_URL}/gmail/v1/users/me/messages/${id}?format=minimal`, { headers: { authorization: `Bearer ${token}` } });
  return { id, historyId: ((await read.json()) as { historyId: string }).historyId };
}

async function tokenFor(): Promise<string> {
  const credentials = options.credentials as { clientId: string; clientSecret: string; refreshToken: string };
  const response = await emulatorFetch(`${BASE_URL}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken, client_id: credentials.clientId, client_secret: credentials.clientSecret }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
