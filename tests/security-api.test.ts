import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/auth/sign-in-sessions.ts';
import { ApiWorld, errorOf, orgSetting, type ApiClient } from './support/api-world.ts';

const ACME = orgSetting('acme', 'Acme Corp', [
  { id: 'mbx-dana', address: 'dana@acme.example' },
  { id: 'mbx-eli', address: 'eli@acme.example' },
]);
const GLOBEX = orgSetting('globex', 'Globex', [{ id: 'mbx-gina', address: 'gina@globex.example' }]);

let world: ApiWorld;

beforeAll(async () => {
  world = await ApiWorld.start({ orgs: [ACME, GLOBEX], maxSignInFailures: 3 });
  await world.addUser('acme', 'admin@acme.example', 'admin');
  await world.addUser('acme', 'dana@acme.example', 'user');
  await world.addUser('globex', 'gina@globex.example', 'admin');
  await world.addUser('acme', 'oidc-only@acme.example', 'user', null);
  await world.addUser('acme', 'guessed@acme.example', 'user');
}, 30_000);

afterAll(async () => {
  await world?.close();
});

/** Return a shared signed-in client, because Argon2 makes every sign-in cost time. */
function signedIn(email: string): Promise<ApiClient> {
  return world.session(email);
}

/** Sign in a new client, for tests that sign out or replace the session. */
async function freshlySignedIn(email: string): Promise<ApiClient> {
  const client = world.client();
  const response = await client.signIn(email);
  expect(response.status).toBe(200);
  return client;
}

describe('org isolation', () => {
  const foreign = ['GET /api/v1/mailboxes/mbx-gina', 'GET /api/v1/mailboxes/mbx-gina/sessions', 'POST /api/v1/mailboxes/mbx-gina/force', 'POST /api/v1/mailboxes/mbx-gina/suspend', 'POST /api/v1/mailboxes/mbx-gina/resume'];

  it.each(foreign)('admin of another org gets 404 for %s', async (route) => {
    const admin = await signedIn('admin@acme.example');
    const [method = 'GET', path = ''] = route.split(' ');
    const response = await admin.request(method, path);
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('not_found');
  });

  it('foreign action changes nothing', async () => {
    const admin = await signedIn('admin@acme.example');
    await admin.request('POST', '/api/v1/mailboxes/mbx-gina/suspend', { body: { reason: 'hostile' } });
    expect(await world.store.loadSchedule('mbx-gina')).toBeNull();
  });

  it('listing never shows another org', async () => {
    const gina = await signedIn('gina@globex.example');
    const response = await gina.request('GET', '/api/v1/mailboxes');
    expect((response.body as { mailboxes: { id: string }[] }).mailboxes.map((mailbox) => mailbox.id)).toEqual(['mbx-gina']);
  });

  it("user gets 404 for a colleague's mailbox", async () => {
    const dana = await signedIn('dana@acme.example');
    expect((await dana.request('GET', '/api/v1/mailboxes/mbx-eli')).status).toBe(404);
    expect((await dana.request('POST', '/api/v1/mailboxes/mbx-eli/suspend')).status).toBe(404);
    expect(await world.store.loadSchedule('mbx-eli')).toBeNull();
  });
});

describe('authentication', () => {
  it.each(['/api/v1/me', '/api/v1/mailboxes', '/api/v1/mailboxes/mbx-dana', '/api/v1/org/settings'])('no session gets 401 for %s', async (route) => {
    const response = await world.client().request('GET', route);
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('unauthenticated');
  });

  it.each(['/%61pi/v1/mailboxes', '/api/v1/%6Dailboxes', '/./api/v1/mailboxes'])('encoded path %s gets the same checks', async (route) => {
    expect((await world.client().request('GET', route)).status).toBe(401);
    const dana = await signedIn('dana@acme.example');
    expect((await dana.request('GET', route)).status).toBe(200);
    const forced = await dana.request('POST', `${route}/mbx-dana/force`, { csrf: false });
    expect(forced.status).toBe(403);
    expect(errorOf(forced).code).toBe('csrf_failed');
  });

  it('unknown address and wrong password respond alike', async () => {
    const unknown = await world.client().signIn('nobody@acme.example');
    const wrong = await world.client().signIn('dana@acme.example', 'not the right password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.setCookies).toEqual([]);
  });

  it('OIDC-only user cannot sign in with a password', async () => {
    const response = await world.client().signIn('oidc-only@acme.example');
    expect(response.status).toBe(401);
  });

  it('repeated failures are throttled', async () => {
    const client = world.client();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await client.signIn('guessed@acme.example', `guess number ${attempt}`)).status).toBe(401);
    }
    const blocked = await client.signIn('guessed@acme.example');
    expect(blocked.status).toBe(429);
    expect(errorOf(blocked).code).toBe('too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('stolen cookie stops working after sign-out', async () => {
    const victim = await freshlySignedIn('dana@acme.example');
    const thief = world.client();
    for (const [name, value] of victim.cookies) {
      thief.cookies.set(name, value);
    }
    thief.csrfToken = victim.csrfToken;
    expect((await thief.request('GET', '/api/v1/me')).status).toBe(200);

    const signOut = await victim.request('POST', '/api/v1/auth/sign-out');
    expect(signOut.status).toBe(204);
    expect(signOut.setCookies.some((line) => /^syncline_session=;/.test(line) && /Max-Age=0/i.test(line))).toBe(true);

    expect((await thief.request('GET', '/api/v1/me')).status).toBe(401);
    expect((await thief.request('POST', '/api/v1/mailboxes/mbx-dana/force')).status).toBe(401);
  });

  it('expired session gets 401 and is deleted', async () => {
    const userId = (await world.store.findUsersByEmail('dana@acme.example'))[0]?.id ?? '';
    const token = randomBytes(32).toString('base64url');
    await world.store.createSignInSession({ tokenHash: hashToken(token), userId, orgId: 'acme', method: 'password', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T12:00:00.000Z' });
    const client = world.client();
    client.cookies.set('syncline_session', token);

    expect((await client.request('GET', '/api/v1/me')).status).toBe(401);
    expect(await world.store.loadSignInSession(hashToken(token))).toBeNull();
  });

  it('store keeps no usable token', async () => {
    const client = await freshlySignedIn('dana@acme.example');
    const token = client.cookies.get('syncline_session') ?? '';
    expect(await world.store.loadSignInSession(token)).toBeNull();
    expect(await world.store.loadSignInSession(hashToken(token))).not.toBeNull();
  });

  it('sign-in replaces the earlier session', async () => {
    const client = await freshlySignedIn('dana@acme.example');
    const first = client.cookies.get('syncline_session') ?? '';
    await client.signIn('dana@acme.example');
    expect(client.cookies.get('syncline_session')).not.toBe(first);
    expect(await world.store.loadSignInSession(hashToken(first))).toBeNull();
  });
});

describe('CSRF', () => {
  it('missing token gets 403 and changes nothing', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/suspend', { csrf: false });
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('csrf_failed');
    expect((await world.store.loadSchedule('mbx-dana'))?.state ?? 'active').toBe('active');
  });

  it('forged token gets 403', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/force', { csrf: false, headers: { 'x-csrf-token': 'A'.repeat(43) } });
    expect(response.status).toBe(403);
  });

  it("another session's token gets 403", async () => {
    const admin = await signedIn('admin@acme.example');
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/force', { csrf: false, headers: { 'x-csrf-token': admin.csrfToken ?? '' } });
    expect(response.status).toBe(403);
  });

  it('sign-out needs the token too', async () => {
    const dana = await signedIn('dana@acme.example');
    expect((await dana.request('POST', '/api/v1/auth/sign-out', { csrf: false })).status).toBe(403);
    expect((await dana.request('GET', '/api/v1/me')).status).toBe(200);
  });

  it('me returns the same token as sign-in', async () => {
    const dana = await signedIn('dana@acme.example');
    const me = await dana.request('GET', '/api/v1/me');
    expect((me.body as { csrfToken: string }).csrfToken).toBe(dana.csrfToken);
  });
});

describe('request bodies', () => {
  it('oversized body gets 413', async () => {
    const response = await world.client().request('POST', '/api/v1/auth/sign-in', { body: { email: 'dana@acme.example', password: 'x'.repeat(20_000) } });
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('body_too_large');
  });

  it('malformed JSON gets 400', async () => {
    const response = await world.client().request('POST', '/api/v1/auth/sign-in', { rawBody: '{"email": "dana@acme.example", "password": ' });
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('malformed_body');
  });

  it('form body gets 415', async () => {
    const response = await world.client().request('POST', '/api/v1/auth/sign-in', { rawBody: 'email=dana%40acme.example&password=x', contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
  });

  it('text/plain body gets 415', async () => {
    const response = await world.client().request('POST', '/api/v1/auth/sign-in', { rawBody: JSON.stringify({ email: 'dana@acme.example', password: 'x' }), contentType: 'text/plain' });
    expect(response.status).toBe(415);
    expect(errorOf(response).code).toBe('unsupported_media_type');
  });

  it('invalid email names the field', async () => {
    const response = await world.client().request('POST', '/api/v1/auth/sign-in', { body: { email: 'not-an-address', password: 'x' } });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toEqual({ code: 'invalid_request', message: 'email: expected an email address', field: 'email' });
  });

  it('missing password names the field', async () => {
    const response = await world.client().request('POST', '/api/v1/auth/sign-in', { body: { email: 'dana@acme.example' } });
    expect(response.status).toBe(400);
    expect(errorOf(response).field).toBe('password');
  });

  it('API responses are not cached', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('GET', '/api/v1/me');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('session cookie flags', () => {
  it('loopback HTTP cookie is HttpOnly and Lax', () => {
    // Every cookie this file's clients received, from every sign-in and sign-out above.
    expect(world.issuedCookies.every((line) => line.startsWith('syncline_session='))).toBe(true);
    const sessionCookies = world.issuedCookies.filter((line) => line.startsWith('syncline_session='));
    expect(sessionCookies.length).toBeGreaterThanOrEqual(5);
    for (const line of sessionCookies) {
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/; Domain=/i);
    }
  });

  it('HTTPS public URL gets Secure and __Host-', async () => {
    const secureWorld = await ApiWorld.start({ orgs: [ACME], server: { host: '127.0.0.1', port: 0, publicUrl: 'https://syncline.example.com' } });
    try {
      await secureWorld.addUser('acme', 'dana@acme.example', 'user');
      const client = secureWorld.client();
      const signIn = await client.signIn('dana@acme.example');
      expect(signIn.status).toBe(200);
      expect(signIn.setCookies).toHaveLength(1);
      const [line = ''] = signIn.setCookies;
      expect(line).toMatch(/^__Host-syncline_session=[A-Za-z0-9_-]{43};/);
      for (const flag of ['; Secure', '; HttpOnly', '; SameSite=Lax', '; Path=/']) {
        expect(line).toContain(flag);
      }
      expect(line).not.toMatch(/; Domain=/i);

      const signOut = await client.request('POST', '/api/v1/auth/sign-out');
      expect(signOut.status).toBe(204);
      expect(signOut.setCookies.every((cookie) => cookie.includes('; Secure') && cookie.includes('; HttpOnly'))).toBe(true);
      // The cookie of the other name opens nothing on this server.
      const stray = secureWorld.client();
      stray.cookies.set('syncline_session', client.cookies.get('__Host-syncline_session') ?? 'x');
      expect((await stray.request('GET', '/api/v1/me')).status).toBe(401);
    } finally {
      await secureWorld.close();
    }
  });

  it('0.0.0.0 without a public URL gets Secure', async () => {
    const { cookiePolicyFor } = await import('../src/server/session-cookie.ts');
    expect(cookiePolicyFor({ host: '0.0.0.0', port: 8787, publicUrl: null }).secure).toBe(true);
    expect(cookiePolicyFor({ host: '127.0.0.1', port: 8787, publicUrl: null }).secure).toBe(false);
    expect(cookiePolicyFor({ host: '127.0.0.1', port: 8787, publicUrl: 'http://localhost:8787' }).secure).toBe(false);
    expect(cookiePolicyFor({ host: '127.0.0.1', port: 8787, publicUrl: 'https://localhost:8787' }).secure).toBe(true);
  });
});
