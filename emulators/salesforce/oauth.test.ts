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
