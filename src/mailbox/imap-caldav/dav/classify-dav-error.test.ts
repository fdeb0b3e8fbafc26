import { describe, expect, it } from 'vitest';
import { classifyDavError, parseRetryAfter } from './classify-dav-error.ts';

describe('classifyDavError', () => {
  it.each([
    [403, 'valid-sync-token', 'cursorExpired'],
    [409, 'valid-sync-token', 'cursorExpired'],
    [401, null, 'suspend'],
    [403, null, 'suspend'],
    [403, 'supported-calendar-component', 'itemError'],
    [404, null, 'notFound'],
    [410, null, 'notFound'],
    [412, null, 'conflict'],
    [400, null, 'itemError'],
    [415, null, 'itemError'],
    [429, null, 'retryLater'],
    [503, null, 'retryLater'],
    [507, null, 'suspend'],
    [405, null, 'bug'],
  ] as const)('%i %s is %s', (status, precondition, kind) => {
    expect(classifyDavError(status, precondition, null).kind).toBe(kind);
  });

  it('suspends on 507 with a reason that names the quota', () => {
    const failure = classifyDavError(507, null, '30');
    expect(failure).toMatchObject({ kind: 'suspend', code: 'HTTP507' });
    expect(failure.message).toMatch(/over its quota/);
    expect(failure.retryAfterMs).toBeUndefined();
  });

  it('keeps the server delay', () => {
    expect(classifyDavError(503, null, '120').retryAfterMs).toBe(120_000);
    expect(classifyDavError(429, null, null).retryAfterMs).toBeUndefined();
  });

  it('names the status and precondition', () => {
    const failure = classifyDavError(403, 'valid-sync-token', null);
    expect(failure.code).toBe('HTTP403:valid-sync-token');
    expect(failure.message).toContain('403 (valid-sync-token)');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-05-04T13:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 04 May 2026 13:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
