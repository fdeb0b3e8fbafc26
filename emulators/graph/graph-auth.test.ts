import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEmulator } from './test-client.ts';
import { USER, requestToken, startTestEmulator } from './test-client.ts';

describe('graph emulator authentication', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('token endpoint issues a bearer token for client credentials', async () => {
    const response = await requestToken(test.emulator.url);

    expect(response.status).toBe(200);
    expect(response.json.token_type).toBe('Bearer');
    expect(response.json.expires_in).toBe(3599);
    expect(response.json.ext_expires_in).toBe(3599);
    expect(response.json.access_token.split('.')).toHaveLength(3);
  });

  it('token endpoint rejects a wrong secret with invalid_client', async () => {
    const response = await requestToken(test.emulator.url, { client_secret: 'wrong' });

    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_client');
    expect(response.json.error_description).toMatch(/^AADSTS7000215: /);
    expect(response.json.error_codes).toEqual([7000215]);
    expect(typeof response.json.trace_id).toBe('string');
    expect(typeof response.json.correlation_id).toBe('string');
  });

  it('token endpoint rejects an unknown client, tenant, grant and scope', async () => {
    const unknownClient = await requestToken(test.emulator.url, { client_id: 'other-app' });
    const unknownTenant = await requestToken(test.emulator.url, {}, 'other-tenant');
    const wrongGrant = await requestToken(test.emulator.url, { grant_type: 'password' });
    const wrongScope = await requestToken(test.emulator.url, { scope: 'Calendars.ReadWrite' });

    expect([unknownClient.status, unknownClient.json.error]).toEqual([400, 'unauthorized_client']);
    expect([unknownTenant.status, unknownTenant.json.error]).toEqual([400, 'invalid_request']);
    expect([wrongGrant.status, wrongGrant.json.error]).toEqual([400, 'unsupported_grant_type']);
    expect([wrongScope.status, wrongScope.json.error]).toEqual([400, 'invalid_scope']);
  });

  it('graph call without a token gets 401 InvalidAuthenticationToken', async () => {
    const response = await test.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: null });

    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('InvalidAuthenticationToken');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(Object.keys(response.json.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  });

  it('graph call with a forged token gets 401', async () => {
    const [header, payload] = test.token.split('.');
    const response = await test.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: `${header}.${payload}.forged` });

    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('InvalidAuthenticationToken');
  });

  it('expireTokens fault invalidates issued tokens until a new one is fetched', async () => {
    const own = await startTestEmulator();
    try {
      const before = await own.graph('GET', `/users/${USER.userPrincipalName}/events`);
      await own.admin('POST', '/faults', { faults: [{ type: 'expireTokens' }] });
      const after = await own.graph('GET', `/users/${USER.userPrincipalName}/events`);
      const fresh = (await requestToken(own.emulator.url)).json.access_token as string;
      const renewed = await own.graph('GET', `/users/${USER.userPrincipalName}/events`, { token: fresh });

      expect(before.status).toBe(200);
      expect(after.status).toBe(401);
      expect(after.json.error.message).toMatch(/expired/);
      expect(renewed.status).toBe(200);
    } finally {
      await own.emulator.close();
    }
  });

  it('a token past its lifetime gets 401', async () => {
    const shortLived = await startTestEmulator({ tokenLifetimeSeconds: 1 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const response = await shortLived.graph('GET', `/users/${USER.userPrincipalName}/events`);
      expect(response.status).toBe(401);
    } finally {
      await shortLived.emulator.close();
    }
  });

  it('unknown user gets 404 ErrorInvalidUser', async () => {
    const response = await test.graph('GET', '/users/nobody@example.com/events');

    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('ErrorInvalidUser');
  });

  it('app-only /me request is rejected', async () => {
    const response = await test.graph('GET', '/me/events');

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BadRequest');
  });
});
