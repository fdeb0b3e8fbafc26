import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, corpus, refreshToken, requestToken, shapeOf, startHarness, type Harness } from './test-support.ts';

describe('salesforce emulator oauth', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('refresh_token grant returns the documented token response', async () => {
    const { status, body } = await requestToken(h.emulator.url, {
      grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'test-refresh',
    });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
    expect(body.instance_url).toBe(h.emulator.url);
    expect(body.token_type).toBe('Bearer');
    expect(String(body.id)).toMatch(new RegExp(`^${h.emulator.url}/id/00D\\w{15}/005\\w{15}$`));
  });

  it('client_credentials grant gives a working token', async () => {
    const { status, body } = await requestToken(h.emulator.url, {
      grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret,
    });
    expect(status).toBe(200);
    const response = await fetch(`${h.emulator.url}${h.base}/limits`, { headers: { authorization: `Bearer ${String(body.access_token)}` } });
    expect(response.status).toBe(200);
  });

  it('unknown refresh token is invalid_grant shaped like the corpus', async () => {
    const { status, body } = await requestToken(h.emulator.url, {
      grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'nope',
    });
    expect(status).toBe(400);
    expect(body).toEqual(corpus('sf-oauth-refresh-invalid-grant.json'));
  });

  it('wrong client secret is refused', async () => {
    const { status, body } = await requestToken(h.emulator.url, {
      grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: 'wrong',
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_client');
  });

  it('missing token gets 401 INVALID_SESSION_ID like the corpus', async () => {
    const response = await fetch(`${h.emulator.url}${h.base}/limits`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(corpus('sf-error-invalid-session-id.json'));
  });

  it('expireTokens fault gives 401 until a new token is fetched', async () => {
    expect((await h.admin('POST', 'faults', { faults: [{ type: 'expireTokens' }] })).status).toBe(204);
    const expired = await h.api('GET', 'limits');
    expect(expired.status).toBe(401);
    expect(shapeOf(expired.body)).toEqual(shapeOf(corpus('sf-error-invalid-session-id.json')));
    h.token = await refreshToken(h.emulator.url);
    expect((await h.api('GET', 'limits')).status).toBe(200);
  });

  it('revokeRefreshTokens fault turns refresh into invalid_grant', async () => {
    await h.admin('POST', 'faults', { faults: [{ type: 'revokeRefreshTokens' }] });
    const { status, body } = await requestToken(h.emulator.url, {
      grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'test-refresh',
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });
});

describe('salesforce emulator jwt bearer grant', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const JWT_CLIENT = {
    clientId: 'jwt-app', clientSecret: 'jwt-secret', jwtPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwtApprovedUsernames: ['ada@example.com'],
  };
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      clients: [CLIENT, JWT_CLIENT],
      users: [
        { Username: 'ada@example.com', Email: 'ada@example.com', Name: 'Ada Lovelace' },
        { Username: 'bob@example.com', Email: 'bob@example.com', Name: 'Bob Smith' },
      ],
    });
  });
  afterAll(async () => h.close());

  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: JWT_CLIENT.clientId, sub: 'ada@example.com', aud: h.emulator.url, exp: Math.floor(Date.now() / 1000) + 120, ...extra,
  });
  const exchange = (assertion: string) =>
    requestToken(h.emulator.url, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });

  it('signed assertion gets a token for the sub user and no refresh token', async () => {
    const { status, body } = await exchange(signJwt(claims(), privateKey));
    expect(status).toBe(200);
    expect(body.refresh_token).toBeUndefined();
    expect(body.instance_url).toBe(h.emulator.url);
    const users = (await h.admin('GET', 'records/User')).body as { records: { Id: string; Username: string }[] };
    const ada = users.records.find((user) => user.Username === 'ada@example.com');
    expect(String(body.id).endsWith(`/${ada?.Id}`)).toBe(true);
    const response = await fetch(`${h.emulator.url}${h.base}/limits`, { headers: { authorization: `Bearer ${String(body.access_token)}` } });
    expect(response.status).toBe(200);
  });

  it('login.salesforce.com is an accepted audience', async () => {
    expect((await exchange(signJwt(claims({ aud: 'https://login.salesforce.com' }), privateKey))).status).toBe(200);
  });

  const refusals: [string, () => string, Record<string, string>][] = [
    ['signature by another key', () => signJwt(claims(), other.privateKey), { error: 'invalid_grant', error_description: 'invalid assertion' }],
    ['not a JWT', () => 'not-a-jwt', { error: 'invalid_grant', error_description: 'invalid assertion' }],
    ['unknown consumer key', () => signJwt(claims({ iss: 'nope' }), privateKey), { error: 'invalid_client_id', error_description: 'client identifier invalid' }],
    ['wrong audience', () => signJwt(claims({ aud: 'https://example.com' }), privateKey), { error: 'invalid_grant', error_description: 'audience is invalid' }],
    ['expired', () => signJwt(claims({ exp: Math.floor(Date.now() / 1000) - 5 }), privateKey), { error: 'invalid_grant', error_description: 'expired authorization code' }],
    ['exp beyond three minutes', () => signJwt(claims({ exp: Math.floor(Date.now() / 1000) + 3600 }), privateKey), { error: 'invalid_grant', error_description: 'invalid assertion' }],
    ['user not pre-authorized', () => signJwt(claims({ sub: 'bob@example.com' }), privateKey), { error: 'invalid_grant', error_description: "user hasn't approved this consumer" }],
    ['unknown user', () => signJwt(claims({ sub: 'nobody@example.com' }), privateKey), { error: 'invalid_grant', error_description: "user hasn't approved this consumer" }],
  ];

  it.each(refusals)('jwt grant refuses %s', async (_name, assertion, expected) => {
    const { status, body } = await exchange(assertion());
    expect(status).toBe(400);
    expect(body).toEqual(expected);
  });
});

/** Signs an RS256 JWT the way a client of the JWT bearer flow does. */
function signJwt(payload: Record<string, unknown>, key: KeyObject): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256' })}.${encode(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
