import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '@emulators/core';
import { googlePlugin, seedFromConfig } from '@emulators/google';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGmailMessageSource, type GoogleClientOptions } from '../src/mailbox/google/index.ts';

/**
 * The Gmail message source against the public `@emulators/google` package (0.4.1, the newest release that installs:
 * 0.11.2 depends on an `@emulators/core` version the registry does not have). That emulator serves the OAuth refresh
 * grant, labels and single message reads, which this file covers. It has no batch endpoint and no `getProfile`,
 * and Calendar has no sync tokens there, so pulls and the Calendar, People and Tasks sources run against
 * emulators/google only.
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

  const consent = await emulatorFetch(`${BASE_URL}/o/oauth2/v2/auth/callback`, {
    method: 'POST',
    body: new URLSearchParams({ email: USER, redirect_uri: CLIENT.redirect_uris[0] as string, scope: SCOPES, client_id: CLIENT.client_id }),
    redirect: 'manual',
  });
  const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tokens = await emulatorFetch(`${BASE_URL}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, redirect_uri: CLIENT.redirect_uris[0] as string }),
  });
  const refreshToken = ((await tokens.json()) as { refresh_token: string }).refresh_token;

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
});

async function tokenFor(): Promise<string> {
  const credentials = options.credentials as { clientId: string; clientSecret: string; refreshToken: string };
  const response = await emulatorFetch(`${BASE_URL}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken, client_id: credentials.clientId, client_secret: credentials.clientSecret }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
