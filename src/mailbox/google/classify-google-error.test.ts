import { describe, expect, it } from 'vitest';
import { classifyGoogleError } from './classify-google-error.ts';
import { classifyTokenError } from './auth/classify-token-error.ts';

function legacy(code: number, reason: string, status?: string) {
  return { error: { code, message: 'some text', errors: [{ domain: 'global', reason, message: 'some text' }], ...(status ? { status } : {}) } };
}

describe('classifyGoogleError', () => {
  it.each([
    [403, legacy(403, 'rateLimitExceeded'), 'retryLater'],
    [403, legacy(403, 'userRateLimitExceeded'), 'retryLater'],
    [429, legacy(429, 'rateLimitExceeded'), 'retryLater'],
    [503, null, 'retryLater'],
    [500, legacy(500, 'backendError'), 'retryLater'],
    [401, legacy(401, 'authError', 'UNAUTHENTICATED'), 'reauthenticate'],
    [410, legacy(410, 'fullSyncRequired'), 'cursorExpired'],
    [410, legacy(410, 'deleted'), 'notFound'],
    [404, legacy(404, 'notFound'), 'notFound'],
    [412, legacy(412, 'conditionNotMet'), 'conflict'],
    [403, legacy(403, 'insufficientPermissions', 'PERMISSION_DENIED'), 'suspend'],
    [403, legacy(403, 'accessNotConfigured'), 'suspend'],
    [403, legacy(403, 'dailyLimitExceeded'), 'suspend'],
    [403, legacy(403, 'forbiddenForNonOrganizer'), 'itemError'],
    [400, legacy(400, 'timeRangeEmpty'), 'itemError'],
    [400, legacy(400, 'invalid'), 'itemError'],
    [400, legacy(400, 'failedPrecondition', 'FAILED_PRECONDITION'), 'suspend'],
    [400, { error: { code: 400, status: 'FAILED_PRECONDITION', message: 'etag' } }, 'conflict'],
    [400, { error: { code: 400, status: 'FAILED_PRECONDITION', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'EXPIRED_SYNC_TOKEN' }] } }, 'cursorExpired'],
    [400, legacy(400, 'unknownParameter'), 'bug'],
    [403, legacy(403, 'somethingNew'), 'bug'],
  ] as const)('maps %i %j to %s', (status, body, kind) => {
    expect(classifyGoogleError(status, body, new Headers()).kind).toBe(kind);
  });

  it('keeps the reason as the code and ignores the message', () => {
    const failure = classifyGoogleError(403, legacy(403, 'userRateLimitExceeded'), new Headers());
    expect(failure.code).toBe('userRateLimitExceeded');
    expect(failure.message).not.toContain('some text');
  });

  it('takes the server delay from Retry-After', () => {
    expect(classifyGoogleError(429, null, new Headers({ 'retry-after': '3' })).retryAfterMs).toBe(3000);
    expect(classifyGoogleError(429, null, new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' })).retryAfterMs).toBeUndefined();
  });
});

describe('classifyTokenError', () => {
  it.each([
    [{ status: 400, error: 'invalid_grant', networkCode: null }, 'serviceAccount', 'suspend'],
    [{ status: 401, error: 'unauthorized_client', networkCode: null }, 'serviceAccount', 'suspend'],
    [{ status: 400, error: 'invalid_grant', networkCode: null }, 'userOAuth', 'suspend'],
    [{ status: 400, error: 'invalid_scope', networkCode: null }, 'serviceAccount', 'bug'],
    [{ status: 503, error: null, networkCode: null }, 'serviceAccount', 'retryLater'],
    [{ status: null, error: null, networkCode: 'ECONNREFUSED' }, 'userOAuth', 'retryLater'],
    [{ status: null, error: null, networkCode: null, signingCode: 'ERR_OSSL_UNSUPPORTED' }, 'serviceAccount', 'suspend'],
  ] as const)('maps %j for %s to %s', (input, credentials, kind) => {
    expect(classifyTokenError(input, credentials, 'https://oauth2.googleapis.com/token').kind).toBe(kind);
  });

  it('names who must act', () => {
    expect(classifyTokenError({ status: 401, error: 'unauthorized_client', networkCode: null }, 'serviceAccount', 'x').message).toContain('Domain-wide delegation');
    expect(classifyTokenError({ status: 400, error: 'invalid_grant', networkCode: null }, 'userOAuth', 'x').message).toContain('connect Google again');
  });

  // The settings named must exist in src/config/google-schema.ts.
  it('names the configuration keys that hold the client or the key', () => {
    const oauthClient = classifyTokenError({ status: 401, error: 'invalid_client', networkCode: null }, 'userOAuth', 'x').message;
    expect(oauthClient).toContain('google.auth.clientId and google.auth.clientSecret');
    const serviceAccount = classifyTokenError({ status: 401, error: 'invalid_client', networkCode: null }, 'serviceAccount', 'x').message;
    expect(serviceAccount).toContain('google.auth.keyFile');
    expect(serviceAccount).toContain('google.auth.privateKey');
    const badKey = classifyTokenError({ status: null, error: null, networkCode: null, signingCode: 'ERR_OSSL_UNSUPPORTED' }, 'serviceAccount', 'x');
    expect(badKey).toMatchObject({ kind: 'suspend', code: 'INVALID_PRIVATE_KEY' });
    expect(badKey.message).not.toContain('token endpoint');
    for (const message of [oauthClient, serviceAccount, badKey.message]) {
      expect(message).not.toMatch(/google\.(oauthClient|serviceAccount)/);
    }
  });
});
