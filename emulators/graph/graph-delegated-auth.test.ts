import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonResponse, TestEmulator } from './test-client.ts';
import { CLIENT, TENANT, USER, startTestEmulator } from './test-client.ts';

const OTHER = { userPrincipalName: 'grace@example.com', displayName: 'Grace Hopper', id: 'a1b2c3d4-0000-4000-8000-000000000002' };
const REDIRECT = 'http://127.0.0.1:9/auth/graph/callback';
const SCOPES = 'offline_access User.Read Calendars.ReadWrite';
const VERIFIER = 'verifier-0123456789-0123456789-0123456789-0123456789';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

let test: TestEmulator;

beforeEach(async () => {
  test = await startTestEmulator({ users: [USER, OTHER] });
});

afterEach(async () => {
  await test.emulator.close();
});

/** Run the authorize endpoint as a browser would and return the redirect's query. */
async function authorize(params: Record<string, string> = {}): Promise<URLSearchParams> {
  const query = new URLSearchParams({
    client_id: CLIENT.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: SCOPES,
    state: 'state-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    login_hint: USER.userPrincipalName,
    ...params,
  });
  const response = await fetch(`${test.emulator.url}/${TENANT}/oauth2/v2.0/authorize?${query.toString()}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return location.searchParams;
}

async function token(form: Record<string, string>): Promise<JsonResponse> {
  const response = await fetch(`${test.emulator.url}/${TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, ...form }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? null : JSON.parse(text) };
}

async function signIn(): Promise<{ accessToken: string; refreshToken: string }> {
  const code = (await authorize()).get('code') ?? '';
  const redeemed = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, scope: SCOPES });
  expect(redeemed.status).toBe(200);
  return { accessToken: redeemed.json.access_token, refreshToken: redeemed.json.refresh_token };
}

function refresh(refreshToken: string): Promise<JsonResponse> {
  return token({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: SCOPES });
}

describe('graph emulator delegated sign-in', () => {
  it('authorize redirects with code and state', async () => {
    const query = await authorize();

    expect(query.get('state')).toBe('state-1');
    expect(query.get('code')?.length).toBeGreaterThan(40);
    expect(query.get('error')).toBeNull();
  });

  it('code redeems once for both tokens', async () => {
    const code = (await authorize()).get('code') ?? '';
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, scope: SCOPES };

    const first = await token(form);
    const second = await token(form);

    expect(first.status).toBe(200);
    expect(first.json.token_type).toBe('Bearer');
    expect(first.json.scope).toBe('User.Read Calendars.ReadWrite');
    expect(typeof first.json.refresh_token).toBe('string');
    expect([second.status, second.json.error, second.json.error_codes]).toEqual([400, 'invalid_grant', [54005]]);
  });

  it('code needs the PKCE verifier and redirect', async () => {
    const code = (await authorize()).get('code') ?? '';

    const wrongVerifier = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: 'another-verifier', scope: SCOPES });
    const code2 = (await authorize()).get('code') ?? '';
    const wrongRedirect = await token({ grant_type: 'authorization_code', code: code2, redirect_uri: 'http://127.0.0.1:9/other', code_verifier: VERIFIER, scope: SCOPES });

    expect([wrongVerifier.status, wrongVerifier.json.error]).toEqual([400, 'invalid_grant']);
    expect([wrongRedirect.status, wrongRedirect.json.error, wrongRedirect.json.error_codes]).toEqual([400, 'invalid_grant', [70000]]);
  });

  it('unknown app gets an error page', async () => {
    const query = new URLSearchParams({ client_id: 'other-app', response_type: 'code', redirect_uri: REDIRECT, scope: SCOPES });
    const response = await fetch(`${test.emulator.url}/${TENANT}/oauth2/v2.0/authorize?${query.toString()}`, { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('AADSTS700016');
  });

  it('declined consent returns access_denied', async () => {
    await test.admin('POST', '/auth/decline-consent', { user: USER.userPrincipalName });

    const query = await authorize();

    expect(query.get('error')).toBe('access_denied');
    expect(query.get('error_description')).toMatch(/^AADSTS65004/);
    expect(query.get('code')).toBeNull();
  });

  it('refresh rotates and old stays valid', async () => {
    const { refreshToken } = await signIn();

    const first = await refresh(refreshToken);
    const again = await refresh(refreshToken);

    expect(first.status).toBe(200);
    expect(first.json.refresh_token).not.toBe(refreshToken);
    expect(again.status).toBe(200);
    expect((await refresh(first.json.refresh_token)).status).toBe(200);
  });

  it('delegated token reads its own mailbox', async () => {
    const { accessToken } = await signIn();

    const me = await test.graph('GET', '/me', { token: accessToken });
    const own = await test.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: accessToken });
    const other = await test.graph('GET', `/users/${OTHER.userPrincipalName}/events`, { token: accessToken });

    expect(me.status).toBe(200);
    expect(me.json.userPrincipalName).toBe(USER.userPrincipalName);
    expect(own.status).toBe(200);
    expect([other.status, other.json.error.code]).toEqual([403, 'ErrorAccessDenied']);
  });

  it('revoked consent answers AADSTS65001', async () => {
    const { accessToken, refreshToken } = await signIn();
    await test.admin('POST', '/auth/revoke-consent', { user: USER.userPrincipalName });

    const refreshed = await refresh(refreshToken);
    const call = await test.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: accessToken });

    expect([refreshed.status, refreshed.json.error, refreshed.json.error_codes]).toEqual([400, 'invalid_grant', [65001]]);
    expect(refreshed.json.error_description).toMatch(/^AADSTS65001: /);
    expect([call.status, call.json.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });

  it('signing in again restores the grant', async () => {
    await signIn();
    await test.admin('POST', '/auth/revoke-consent', { user: USER.userPrincipalName });

    const { refreshToken } = await signIn();

    expect((await refresh(refreshToken)).status).toBe(200);
  });

  it('revoked sessions answer AADSTS50173', async () => {
    const { refreshToken } = await signIn();
    await test.admin('POST', '/auth/revoke-sessions', { user: USER.userPrincipalName });

    const refreshed = await refresh(refreshToken);

    expect([refreshed.status, refreshed.json.error_codes]).toEqual([400, [50173]]);
  });

  it('expired refresh tokens answer AADSTS70008', async () => {
    const { refreshToken } = await signIn();
    await test.admin('POST', '/auth/expire-refresh-tokens', {});

    const refreshed = await refresh(refreshToken);

    expect([refreshed.status, refreshed.json.error, refreshed.json.error_codes]).toEqual([400, 'invalid_grant', [70008]]);
  });

  it('app without admin consent gets 403', async () => {
    await test.admin('POST', '/auth/revoke-app-consent', { clientId: CLIENT.clientId });
    const issued = await token({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });

    const call = await test.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: issued.json.access_token });
    await test.admin('POST', '/auth/grant-app-consent', { clientId: CLIENT.clientId });
    const restored = await token({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });

    expect(issued.status).toBe(200);
    expect([call.status, call.json.error.code]).toEqual([403, 'ErrorAccessDenied']);
    expect((await test.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: restored.json.access_token })).status).toBe(200);
  });

  it('app-only token has no /me', async () => {
    const response = await test.graph('GET', '/me');

    expect(response.status).toBe(400);
    expect(response.json.error.message).toMatch(/delegated/);
  });
});
