import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../../domain/errors.ts';
import { classifySalesforceError, parseRetryAfter } from './classify-error.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = (name: string): unknown =>
  JSON.parse(readFileSync(path.resolve(repoRoot, '..', 'shared', 'corpus', 'api', name), 'utf8')) as unknown;

const error = (errorCode: string, message = 'x', fields?: string[]) => [{ errorCode, message, ...(fields ? { fields } : {}) }];
const recordError = (statusCode: string, fields: string[] = []) => [{ statusCode, message: 'x', fields }];

describe('classifySalesforceError', () => {
  const table: [string, number, unknown, FailureKind][] = [
    ['expired session', 401, corpus('sf-error-invalid-session-id.json'), 'reauthenticate'],
    ['401 without body', 401, null, 'reauthenticate'],
    ['API disabled', 403, error('API_DISABLED_FOR_ORG'), 'suspend'],
    ['profile without access', 403, error('INSUFFICIENT_ACCESS_OR_READONLY'), 'suspend'],
    ['record without access', 200, recordError('INSUFFICIENT_ACCESS_OR_READONLY'), 'itemError'],
    ['validation rule', 200, recordError('FIELD_CUSTOM_VALIDATION_EXCEPTION', ['Subject']), 'itemError'],
    ['required field', 200, recordError('REQUIRED_FIELD_MISSING', ['DurationInMinutes']), 'itemError'],
    ['text too long', 200, recordError('STRING_TOO_LONG', ['Subject']), 'itemError'],
    ['bad picklist', 200, recordError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['ShowAs']), 'itemError'],
    ['integrity', 200, recordError('FIELD_INTEGRITY_EXCEPTION'), 'itemError'],
    ['read-only field', 200, recordError('INVALID_FIELD_FOR_INSERT_UPDATE'), 'itemError'],
    ['unknown record error', 200, recordError('SOMETHING_NEW'), 'itemError'],
    ['deleted record', 200, recordError('ENTITY_IS_DELETED'), 'notFound'],
    ['missing record', 404, corpus('sf-delete-error-not-found.json'), 'notFound'],
    ['bad query', 400, error('MALFORMED_QUERY'), 'bug'],
    ['bad field', 400, corpus('sf-error-invalid-field.json'), 'bug'],
    ['unknown request error', 400, error('SOMETHING_NEW'), 'bug'],
    ['locked row', 200, recordError('UNABLE_TO_LOCK_ROW'), 'retryLater'],
    ['server unavailable', 503, error('SERVER_UNAVAILABLE'), 'retryLater'],
    ['plain 503', 503, '<html>down</html>', 'retryLater'],
    ['plain 500', 500, null, 'retryLater'],
    ['concurrent limit', 403, error('REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.'), 'retryLater'],
    ['daily limit by message', 403, error('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), 'suspend'],
  ];

  it.each(table)('%s', (_name, status, body, kind) => {
    expect(classifySalesforceError(status, body, new Headers()).kind).toBe(kind);
  });

  it('daily limit read from the usage header', () => {
    const headers = new Headers({ 'Sforce-Limit-Info': 'api-usage=15000/15000' });
    const failure = classifySalesforceError(403, error('REQUEST_LIMIT_EXCEEDED', 'Limit exceeded.'), headers);
    expect(failure.kind).toBe('suspend');
    expect(failure.message).toMatch(/daily API request allocation/);
  });

  it('concurrent limit with usage to spare stays temporary', () => {
    const headers = new Headers({ 'Sforce-Limit-Info': 'api-usage=18/15000' });
    expect(classifySalesforceError(403, error('REQUEST_LIMIT_EXCEEDED', 'Limit exceeded.'), headers).kind).toBe('retryLater');
  });

  it('keeps code, fields and Retry-After', () => {
    const failure = classifySalesforceError(200, recordError('STRING_TOO_LONG', ['Subject', 'Location']), new Headers({ 'Retry-After': '3' }));
    expect(failure).toMatchObject({ code: 'STRING_TOO_LONG', fields: ['Subject', 'Location'], retryAfterMs: 3000 });
  });

  it('reads the OAuth error shape', () => {
    const failure = classifySalesforceError(400, corpus('sf-oauth-refresh-invalid-grant.json'), new Headers());
    expect(failure.code).toBe('invalid_grant');
  });

  it('parses Retry-After as an HTTP date', () => {
    const now = Date.parse('2026-05-04T13:00:00Z');
    expect(parseRetryAfter('Mon, 04 May 2026 13:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
