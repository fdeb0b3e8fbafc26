import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.ts';
import { ApiWorld, errorOf, orgSetting, type ApiClient, type ApiResponse } from './support/api-world.ts';
import { TestOidcProvider } from './support/oidc-provider.ts';

const CALLBACK = '/api/v1/auth/oidc/callback';

let provider: TestOidcProvider;
let world: ApiWorld;

beforeAll(async () => {
  provider = await TestOidcProvider.start({ clientId: 'syncline-web', clientSecret: 'oidc-client-secret', redirectUris: () => [`${world.url}${CALLBACK}`] });
  world = await ApiWorld.start({
    orgs: [
      orgSetting('acme', 'Acme Corp', [{ id: 'mbx-dana', address: 'dana@acme.example' }], { issuerUrl: provider.issuer, clientId: 'syncline-web', clientSecret: 'oidc-client-secret' }),
      orgSetting('globex', 'Globex', [{ id: 'mbx-gina', address: 'gina@globex.example' }]),
    ],
  });
  await world.addUser('acme', 'dana@acme.example', 'user', null);
  await world.addUser('globex', 'gina@globex.example', 'user');
}, 30_000);

afterAll(async () => {
  await world?.close();
  await provider?.close();
});

/** Start at Syncline, follow the provider's redirect; returns the callback path with its query. */
async function authorize(client: ApiClient, returnTo = '/dashboard'): Promise<{ start: ApiResponse; callback: string }> {
  const start = await client.request('GET', `/api/v1/auth/oidc/acme/start?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(302);
  const atProvider = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const back = new URL(atProvider.headers.get('location') ?? '');
  return { start, callback: `${back.pathname}${back.search}` };
}

describe('OIDC sign-in', () => {
  it('code flow with PKCE opens a session', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'Dana@Acme.example', emailVerified: true };
    const client = world.client();
    const { start, callback } = await authorize(client);

    const authorizationUrl = new URL(start.headers.get('location') ?? '');
    expect(authorizationUrl.origin).toBe(provider.issuer);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(`${world.url}${CALLBACK}`);
    expect(authorizationUrl.searchParams.get('state')).not.toBeNull();
    expect(authorizationUrl.searchParams.get('nonce')).not.toBeNull();
    expect(authorizationUrl.searchParams.get('scope')).toBe('openid email');

    const done = await client.request('GET', callback);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/dashboard');
    expect(client.cookies.has('syncline_oidc')).toBe(false);

    const me = await client.request('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: 'dana@acme.example', orgId: 'acme', role: 'user' }, session: { method: 'oidc' } });
  });

  it('planted returnTo to another site is rejected', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'dana@acme.example', emailVerified: true };
    const client = world.client();
    const { callback } = await authorize(client);

    const pending = JSON.parse(Buffer.from(client.cookies.get('syncline_oidc') ?? '', 'base64url').toString('utf8')) as Record<string, string>;
    client.cookies.set('syncline_oidc', Buffer.from(JSON.stringify({ ...pending, returnTo: '//evil.example/' }), 'utf8').toString('base64url'));
    const response = await client.request('GET', callback);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('oidc_not_started');
    expect(response.headers.get('location')).toBeNull();
    expect(client.cookies.has('syncline_session')).toBe(false);
  });

  it('changed state is rejected', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'dana@acme.example', emailVerified: true };
    const client = world.client();
    const { callback } = await authorize(client);

    const forged = callback.replace(/state=[^&]+/, 'state=forged-state');
    const response = await client.request('GET', forged);
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('oidc_failed');
    expect(client.cookies.has('syncline_session')).toBe(false);
  });

  it('callback without a started sign-in is rejected', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'dana@acme.example', emailVerified: true };
    const started = world.client();
    const { callback } = await authorize(started);

    // Another browser that never started the sign-in: a login CSRF attempt.
    const other = world.client();
    const response = await other.request('GET', callback);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('oidc_not_started');
  });

  it('wrong PKCE verifier is rejected by the provider', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'dana@acme.example', emailVerified: true };
    const client = world.client();
    const { callback } = await authorize(client);

    const pending = JSON.parse(Buffer.from(client.cookies.get('syncline_oidc') ?? '', 'base64url').toString('utf8')) as Record<string, string>;
    client.cookies.set('syncline_oidc', Buffer.from(JSON.stringify({ ...pending, codeVerifier: 'x'.repeat(43) }), 'utf8').toString('base64url'));
    const before = provider.tokenRequests;

    const response = await client.request('GET', callback);
    expect(response.status).toBe(401);
    expect(provider.tokenRequests).toBe(before + 1);
    expect(client.cookies.has('syncline_session')).toBe(false);
  });

  it('ID token with a forged signature is rejected', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'dana@acme.example', emailVerified: true };
    provider.forgeSignatures = true;
    try {
      const client = world.client();
      const { callback } = await authorize(client);
      const response = await client.request('GET', callback);
      expect(response.status).toBe(401);
      expect(client.cookies.has('syncline_session')).toBe(false);
    } finally {
      provider.forgeSignatures = false;
    }
  });

  it('address without a user gets 403', async () => {
    provider.nextUser = { subject: 'mallory-1', email: 'mallory@acme.example', emailVerified: true };
    const client = world.client();
    const { callback } = await authorize(client);

    const response = await client.request('GET', callback);
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('no_account');
  });

  it("user of another org gets 403", async () => {
    provider.nextUser = { subject: 'gina-1', email: 'gina@globex.example', emailVerified: true };
    const client = world.client();
    const { callback } = await authorize(client);
    expect((await client.request('GET', callback)).status).toBe(403);
  });

  it('unverified address gets 403', async () => {
    provider.nextUser = { subject: 'dana-1', email: 'dana@acme.example', emailVerified: false };
    const client = world.client();
    const { callback } = await authorize(client);

    const response = await client.request('GET', callback);
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('oidc_email_unverified');
  });

  it('returnTo off the site is rejected', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const response = await world.client().request('GET', `/api/v1/auth/oidc/acme/start?returnTo=${encodeURIComponent(returnTo)}`);
      expect(response.status).toBe(400);
      expect(errorOf(response).field).toBe('returnTo');
    }
  });

  it('org without a provider gets 404', async () => {
    const response = await world.client().request('GET', '/api/v1/auth/oidc/globex/start');
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('oidc_not_configured');
  });

  it('cookies are HttpOnly and Lax', () => {
    expect(world.issuedCookies.length).toBeGreaterThan(0);
    for (const line of world.issuedCookies) {
      expect(line).toMatch(/^syncline_(oidc|session)=/);
      expect(line).toContain('; HttpOnly');
      expect(line).toContain('; SameSite=Lax');
      expect(line).toContain('; Path=/');
    }
  });
});

describe('OIDC configuration', () => {
  const file = (oidc: unknown) => ({
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: { auth: { kind: 'refreshToken', clientId: 'c', clientSecret: 's', refreshToken: 'r' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'g', clientSecret: 'gs' },
        oidc,
        mailboxes: [{ address: 'dana@acme.example', timeZone: 'Europe/Berlin' }],
      },
    ],
  });

  it('secret comes from the environment', () => {
    const config = parseConfig(file({ issuerUrl: 'https://login.acme.example/', clientId: 'syncline' }), { source: 'test', env: { SYNCLINE_ACME_OIDC_CLIENT_SECRET: 'from-env' }, baseDir: '/tmp' });
    expect(config.orgs[0]?.oidc).toEqual({ issuerUrl: 'https://login.acme.example', clientId: 'syncline', clientSecret: 'from-env' });
  });

  it('public client has no secret', () => {
    const config = parseConfig(file({ issuerUrl: 'https://login.acme.example', clientId: 'syncline' }), { source: 'test', env: {}, baseDir: '/tmp' });
    expect(config.orgs[0]?.oidc?.clientSecret).toBeNull();
  });

  it('plain http issuer off loopback is rejected', () => {
    expect(() => parseConfig(file({ issuerUrl: 'http://login.acme.example', clientId: 'syncline' }), { source: 'test', env: {}, baseDir: '/tmp' })).toThrow(/orgs\[0\]\.oidc\.issuerUrl/);
  });
});
