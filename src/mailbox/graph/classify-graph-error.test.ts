import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../../domain/errors.ts';
import { classifyGraphError, parseRetryAfter } from './classify-graph-error.ts';
import { corpusJson } from './fake-graph.test-support.ts';

const body = (code: string) => ({ error: { code, message: 'secret detail that must not leak' } });

const TABLE: Array<[number, string | null, FailureKind]> = [
  [429, 'TooManyRequests', 'retryLater'],
  [429, 'ApplicationThrottled', 'retryLater'],
  [503, 'ServiceUnavailable', 'retryLater'],
  [504, 'GatewayTimeout', 'retryLater'],
  [500, 'ErrorInternalServerError', 'retryLater'],
  [502, null, 'retryLater'],
  [401, 'InvalidAuthenticationToken', 'reauthenticate'],
  [403, 'ErrorAccessDenied', 'suspend'],
  [403, 'Authorization_RequestDenied', 'suspend'],
  [403, 'SomethingElse', 'bug'],
  [404, 'ErrorItemNotFound', 'notFound'],
  [404, 'ResourceNotFound', 'notFound'],
  [404, 'MailboxNotEnabledForRESTAPI', 'suspend'],
  [404, null, 'bug'],
  [410, 'syncStateNotFound', 'cursorExpired'],
  [410, 'resyncRequired', 'cursorExpired'],
  [410, null, 'cursorExpired'],
  [400, 'ErrorInvalidSyncStateData', 'cursorExpired'],
  [412, 'ErrorIrresolvableConflict', 'conflict'],
  [409, 'ErrorIrresolvableConflict', 'conflict'],
  [400, 'ErrorInvalidRequest', 'itemError'],
  [400, 'ErrorPropertyValidationFailure', 'itemError'],
  [400, 'ErrorInvalidIdMalformed', 'itemError'],
  [400, 'UnknownCode', 'bug'],
  [405, null, 'bug'],
];

describe('classifyGraphError', () => {
  it.each(TABLE)('status %i with code %s is %s', (status, code, kind) => {
    const failure = classifyGraphError(status, code === null ? null : body(code), new Headers());

    expect(failure.kind).toBe(kind);
    expect(failure.code).toBe(code ?? `HTTP${status}`);
    expect(failure.message).not.toContain('secret detail');
  });

  it('takes a decimal Retry-After on the documented 429 body', () => {
    const failure = classifyGraphError(429, corpusJson('graph-error-429-throttled.json'), new Headers({ 'Retry-After': '2.128' }));

    expect(failure).toMatchObject({ kind: 'retryLater', code: 'TooManyRequests', retryAfterMs: 2128 });
  });

  it('leaves retryAfterMs out without a header', () => {
    expect(classifyGraphError(503, null, new Headers()).retryAfterMs).toBeUndefined();
  });

  it('ignores Retry-After on a final failure', () => {
    expect(classifyGraphError(404, body('ErrorItemNotFound'), new Headers({ 'Retry-After': '5' })).retryAfterMs).toBeUndefined();
  });

  it('compares codes without regard to case', () => {
    expect(classifyGraphError(404, body('errorItemNotFound'), new Headers()).kind).toBe('notFound');
  });

  it('tells who acts on lost access', () => {
    const appOnly = classifyGraphError(403, body('ErrorAccessDenied'), new Headers());
    const delegated = classifyGraphError(403, body('ErrorAccessDenied'), new Headers(), 'delegated');

    expect(appOnly.kind).toBe('suspend');
    expect(appOnly.message).toContain('An administrator must grant admin consent');
    expect(delegated.kind).toBe('suspend');
    expect(delegated.message).toContain('The mailbox owner must sign in to Syncline again');
  });
});

describe('parseRetryAfter', () => {
  it('reads whole and decimal seconds and rejects dates', () => {
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
