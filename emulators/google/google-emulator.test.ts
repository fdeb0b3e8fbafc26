import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type RunningGoogleEmulator } from './server.ts';

/** Wire-format checks of the Google emulator: the token grant, error shapes, sync token rules, batch limits, state. */

const ACCOUNT = 'sa@project.iam.gserviceaccount.com';
const USER = 'dana@example.com';
const SCOPES = ['https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/contacts', 'https://www.googleapis.com/auth/gmail.readonly'];
const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dataDir = mkdtempSync(path.join(tmpdir(), 'google-emulator-'));
let emulator: RunningGoogleEmulator;

function assertion(privateKey: typeof key.privateKey, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: ACCOUNT, sub: USER, scope: SCOPES.join(' '), aud: 'https://oauth2.googleapis.com/token', iat: now, exp: now + 3600, ...claims })}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
}

async function token(jwt: string): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(emulator.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function call(accessToken: string, method: string, pathAndQuery: string, body?: string, contentType = 'application/json') {
  const response = await fetch(`${emulator.url}${pathAndQuery}`, { method, headers: { authorization: `Bearer ${accessToken}`, 'content-type': contentType }, body });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
}

async function start(): Promise<void> {
  emulator = await startGoogleEmulator({
    dataDir,
    users: [{ email: USER, timeZone: 'Europe/Berlin' }],
    serviceAccounts: [{ clientEmail: ACCOUNT, publicKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), clientId: '1', delegatedScopes: SCOPES }],
  });
}

beforeAll(start);
afterAll(async () => {
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Google emulator', () => {
  it('refuses an assertion signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await token(assertion(other.privateKey))).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } });
  });

  it('refuses a sync token combined with timeMin, and an expired one with 410', async () => {
    const { body } = await token(assertion(key.privateKey));
    const accessToken = body.access_token as string;
    const first = await call(accessToken, 'GET', '/calendar/v3/calendars/primary/events?singleEvents=true');
    const syncToken = String(first.body?.nextSyncToken);

    const combined = await call(accessToken, 'GET', `/calendar/v3/calendars/primary/events?syncToken=${syncToken}&timeMin=2026-01-01T00:00:00Z`);
    expect(combined.status).toBe(400);
    await fetch(`${emulator.url}/_admin/users/${USER}/calendar/expire-sync-tokens`, { method: 'POST' });
    const expired = await call(accessToken, 'GET', `/calendar/v3/calendars/primary/events?syncToken=${syncToken}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: 410, errors: [{ domain: 'calendar', reason: 'fullSyncRequired' }] } });
  });

  it('answers an expired People sync token with EXPIRED_SYNC_TOKEN', async () => {
    const accessToken = (await token(assertion(key.privateKey))).body.access_token as string;
    const first = await call(accessToken, 'GET', '/v1/people/me/connections?personFields=names&requestSyncToken=true');
    await fetch(`${emulator.url}/_admin/users/${USER}/people/expire-sync-tokens`, { method: 'POST' });

    const expired = await call(accessToken, 'GET', `/v1/people/me/connections?personFields=names&syncToken=${String(first.body?.nextSyncToken)}`);
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual({
      error: {
        code: 400,
        message: 'Sync token is expired. Clear local cache and retry call without the sync token.',
        status: 'FAILED_PRECONDITION',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'EXPIRED_SYNC_TOKEN', domain: 'googleapis.com' }],
      },
    });
  });

  it('limits a Gmail batch to 100 parts', async () => {
    const accessToken = (await token(assertion(key.privateKey))).body.access_token as string;
    const parts = Array.from({ length: 101 }, (_, index) => `--b\r\nContent-Type: application/http\r\nContent-ID: <${index}>\r\n\r\nGET /gmail/v1/users/me/labels HTTP/1.1\r\n\r\n`);
    const response = await call(accessToken, 'POST', '/batch/gmail/v1', `${parts.join('')}--b--\r\n`, 'multipart/mixed; boundary=b');
    expect(response.status).toBe(400);
  });

  it('keeps its state across a restart', async () => {
    const accessToken = (await token(assertion(key.privateKey))).body.access_token as string;
    const created = await call(accessToken, 'POST', '/calendar/v3/calendars/primary/events', JSON.stringify({ summary: 'Kept', start: { date: '2026-05-04' }, end: { date: '2026-05-05' } }));
    await emulator.close();
    await start();

    const fresh = (await token(assertion(key.privateKey))).body.access_token as string;
    const read = await call(fresh, 'GET', `/calendar/v3/calendars/primary/events/${String(created.body?.id)}`);
    expect(read.body?.summary).toBe('Kept');
  });
});
