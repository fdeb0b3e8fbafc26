import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/domain/errors.ts';
import { createGoogleEventSource, createGmailMessageSource } from '../src/mailbox/google/index.ts';
import { ALL_SCOPES, GoogleWorld, SERVICE_ACCOUNT_CLIENT_ID, SERVICE_ACCOUNT_EMAIL } from './support/google-world.ts';

/** Service-account (domain-wide delegation) and user OAuth access through google-auth-library, and how it fails. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const world = new GoogleWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConnectorError);
  return (error as ConnectorError).failure;
}

async function delegate(scopes: readonly string[]): Promise<void> {
  await world.admin('POST', '/_admin/service-accounts', { clientEmail: SERVICE_ACCOUNT_EMAIL, publicKeyPem: world.publicKey, clientId: SERVICE_ACCOUNT_CLIENT_ID, delegatedScopes: scopes });
}

async function refreshTokenFor(email: string): Promise<string> {
  const { refreshToken } = await world.admin<{ refreshToken: string }>('POST', '/_admin/refresh-tokens', { clientId: 'oauth-client.apps.googleusercontent.com', email, scopes: ALL_SCOPES });
  return refreshToken;
}

describe('Google access', () => {
  it('suspends when domain-wide delegation lacks a scope', async () => {
    const user = await world.newUser();
    await delegate(ALL_SCOPES.filter((scope) => !scope.includes('calendar')));
    try {
      const failure = await failureOf(createGoogleEventSource(user.options).pullChanges(null, WINDOW));
      expect(failure.kind).toBe('suspend');
      expect(failure.code).toBe('unauthorized_client');
      expect(failure.message).toContain('Domain-wide delegation');
      await expect(createGmailMessageSource(user.options).ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' })).resolves.toBeUndefined();
    } finally {
      await delegate(ALL_SCOPES);
    }
  });

  it('suspends for an address the domain does not know', async () => {
    const options = world.optionsFor('nobody@example.com', 'Europe/Berlin');
    const failure = await failureOf(createGoogleEventSource(options).pullChanges(null, WINDOW));
    expect(failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
  });

  it('gets a new token after a 401 with a service account', async () => {
    const user = await world.newUser();
    const source = createGoogleEventSource(user.options);
    await source.pullChanges(null, WINDOW);
    await world.admin('POST', `/_admin/users/${user.email}/revoke`);

    const pull = await source.pullChanges(null, WINDOW);
    expect(pull.isFullListing).toBe(true);
  });

  it('suspends a user whose consent was revoked', async () => {
    const user = await world.newUser();
    const options = world.optionsFor(user.email, 'Europe/Berlin', {
      credentials: { kind: 'userOAuth', clientId: 'oauth-client.apps.googleusercontent.com', clientSecret: 'oauth-secret', refreshToken: await refreshTokenFor(user.email) },
    });
    const source = createGoogleEventSource(options);
    await source.pullChanges(null, WINDOW);
    await world.admin('POST', `/_admin/users/${user.email}/revoke`);

    const failure = await failureOf(source.pullChanges(null, WINDOW));
    expect(failure).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
    expect(failure.message).toContain('connect Google again');
  });

  it('suspends for a wrong OAuth client secret', async () => {
    const user = await world.newUser();
    const options = world.optionsFor(user.email, 'Europe/Berlin', {
      credentials: { kind: 'userOAuth', clientId: 'oauth-client.apps.googleusercontent.com', clientSecret: 'wrong', refreshToken: await refreshTokenFor(user.email) },
    });
    const failure = await failureOf(createGoogleEventSource(options).pullChanges(null, WINDOW));
    expect(failure).toMatchObject({ kind: 'suspend', code: 'invalid_client' });
  });

  it('suspends with the key setting when the service account key cannot sign', async () => {
    const user = await world.newUser();
    for (const privateKey of ['not a pem', world.privateKey.replace(/\n/g, '\\n')]) {
      const options = world.optionsFor(user.email, 'Europe/Berlin', { credentials: { kind: 'serviceAccount', clientEmail: SERVICE_ACCOUNT_EMAIL, privateKey } });
      const failure = await failureOf(createGoogleEventSource(options).pullChanges(null, WINDOW));
      expect(failure).toMatchObject({ kind: 'suspend', code: 'INVALID_PRIVATE_KEY' });
      expect(failure.message).toContain('google.auth.privateKey');
      expect(failure.message).not.toContain('tokenUrl');
    }
  });

  it('waits for an unreachable token endpoint', async () => {
    const user = await world.newUser();
    const options = world.optionsFor(user.email, 'Europe/Berlin', { tokenUrl: 'http://127.0.0.1:9/token' });
    const failure = await failureOf(createGoogleEventSource(options).pullChanges(null, WINDOW));
    expect(failure.kind).toBe('retryLater');
    expect(failure.message).toContain('http://127.0.0.1:9/token');
  });
});
