import { describe, expect, it } from 'vitest';
import { classifyTokenError } from './classify-token-error.ts';

const headers = new Headers();
const refresh = { grant: 'refresh_token' as const, signInUrl: 'https://syncline.example.com/auth/graph/sign-in/m1' };
const appOnly = { grant: 'client_credentials' as const };

function aad(error: string, code: number): Record<string, unknown> {
  return { error, error_description: `AADSTS${code}: description`, error_codes: [code] };
}

describe('classifyTokenError', () => {
  it.each([
    [65001, 'has not consented to the app, or withdrew the consent (AADSTS65001)', 'or an administrator grants consent for the tenant'],
    [70008, 'the refresh token expired or was revoked (AADSTS70008)', 'The mailbox owner must sign in again at https://syncline.example.com/auth/graph/sign-in/m1'],
    [700082, 'expired after 90 days without use (AADSTS700082)', 'must sign in again'],
    [50173, 'the grant was revoked', 'must sign in again'],
  ])('suspends a refused refresh token %i with advice', (code, cause, advice) => {
    const failure = classifyTokenError(400, aad('invalid_grant', code), headers, refresh);

    expect(failure.kind).toBe('suspend');
    expect(failure.code).toBe('invalid_grant');
    expect(failure.message).toContain(cause);
    expect(failure.message).toContain(advice);
  });

  it('suspends interaction_required for the user', () => {
    const failure = classifyTokenError(400, aad('interaction_required', 50076), headers, refresh);

    expect(failure).toMatchObject({ kind: 'suspend', code: 'interaction_required' });
    expect(failure.message).toContain('multi-factor authentication (AADSTS50076)');
  });

  it('names the secret when a delegated refresh fails on it', () => {
    const failure = classifyTokenError(401, aad('invalid_client', 7000222), headers, refresh);

    expect(failure.message).toContain('the client secret has expired (AADSTS7000222)');
    expect(failure.message).not.toContain('sign in again');
  });

  it('asks an administrator for app-only consent', () => {
    const failure = classifyTokenError(400, aad('invalid_grant', 65001), headers, appOnly);

    expect(failure.kind).toBe('suspend');
    expect(failure.message).toContain('An administrator must grant admin consent');
  });

  it('retries a busy endpoint with its Retry-After', () => {
    const failure = classifyTokenError(503, { error: 'temporarily_unavailable' }, new Headers({ 'Retry-After': '3' }), refresh);

    expect(failure).toMatchObject({ kind: 'retryLater', retryAfterMs: 3000 });
  });

  it('decides by error, not by description text', () => {
    const failure = classifyTokenError(400, { error: 'invalid_grant', error_description: 'AADSTS65001: consent missing' }, headers, refresh);

    expect(failure.message).toContain("the token endpoint rejected the user's grant (invalid_grant)");
  });
});
