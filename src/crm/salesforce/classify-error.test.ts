import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../../domain/errors.ts';
import { classifyNetworkError, classifySalesforceError, classifyUpsertFailure, parseRetryAfter } from './classify-error.ts';

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
    ['plain 502', 502, null, 'retryLater'],
    ['too many requests', 429, null, 'retryLater'],
    ['concurrent limit', 403, error('REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.'), 'retryLater'],
    ['daily limit by message', 403, error('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), 'suspend'],
    ['request running too long', 400, error('REQUEST_RUNNING_TOO_LONG'), 'retryLater'],
    ['query timeout', 400, error('QUERY_TIMEOUT'), 'retryLater'],
    ['halted by allOrNone', 200, recordError('PROCESSING_HALTED'), 'retryLater'],
    ['rolled back by allOrNone', 200, recordError('ALL_OR_NONE_OPERATION_ROLLED_BACK'), 'retryLater'],
    ['invalid auth header', 401, error('INVALID_AUTH_HEADER'), 'reauthenticate'],
    ['API currently disabled', 403, error('API_CURRENTLY_DISABLED'), 'suspend'],
    ['org locked', 403, error('ORG_LOCKED'), 'suspend'],
    ['expired password', 403, error('INVALID_OPERATION_WITH_EXPIRED_PASSWORD'), 'suspend'],
    ['storage full', 200, recordError('STORAGE_LIMIT_EXCEEDED'), 'suspend'],
    ['transaction security policy', 403, error('TXN_SECURITY_NO_ACCESS'), 'suspend'],
    ['feature off', 400, error('FUNCTIONALITY_NOT_ENABLED'), 'suspend'],
    ['plain 403', 403, null, 'suspend'],
    ['retired API version', 410, null, 'suspend'],
    ['edge without route', 420, null, 'suspend'],
    ['duplicate rule', 200, recordError('DUPLICATES_DETECTED'), 'itemError'],
    ['duplicate unique value', 200, recordError('DUPLICATE_VALUE', ['Syncline_Sync_Id__c']), 'itemError'],
    ['duplicate external id', 200, recordError('DUPLICATE_EXTERNAL_ID'), 'itemError'],
    ['bad lookup id', 200, recordError('INVALID_CROSS_REFERENCE_KEY', ['WhatId']), 'itemError'],
    ['lookup filter', 200, recordError('FIELD_FILTER_VALIDATION_EXCEPTION', ['WhoId']), 'itemError'],
    ['no access to lookup', 200, recordError('INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY'), 'itemError'],
    ['inactive owner', 200, recordError('INACTIVE_OWNER_OR_USER', ['OwnerId']), 'itemError'],
    ['trigger error', 200, recordError('CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY'), 'itemError'],
    ['record locked by approval', 200, recordError('ENTITY_IS_LOCKED'), 'itemError'],
    ['bad email', 200, recordError('INVALID_EMAIL_ADDRESS', ['Email']), 'itemError'],
    ['number out of range', 200, recordError('NUMBER_OUTSIDE_VALID_RANGE'), 'itemError'],
    ['bad charset', 200, recordError('TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET'), 'itemError'],
    ['wrong value type', 200, recordError('INVALID_TYPE_ON_FIELD_IN_RECORD'), 'itemError'],
    ['bad id field', 200, recordError('INVALID_ID_FIELD'), 'itemError'],
    ['malformed id', 200, recordError('MALFORMED_ID', ['WhatId']), 'itemError'],
    ['delete refused', 200, recordError('DELETE_FAILED'), 'itemError'],
    ['upsert matched several', 300, corpus('sf-upsert-300-multiple-choices.json'), 'itemError'],
    ['changed since read', 412, null, 'conflict'],
    ['conflict', 409, null, 'conflict'],
    ['wrong method', 405, error('METHOD_NOT_ALLOWED'), 'bug'],
    ['URI too long', 414, null, 'bug'],
    ['bad media type', 415, null, 'bug'],
    ['unparsable JSON', 400, error('JSON_PARSER_ERROR'), 'bug'],
    ['unknown sObject', 404, error('NOT_FOUND'), 'notFound'],
    ['org suspended', 403, error('ORG_SUSPENDED'), 'suspend'],
    ['inactive org', 403, error('INACTIVE_ORG'), 'suspend'],
    ['user locked out', 403, error('PASSWORD_LOCKOUT'), 'suspend'],
    ['circular lookup', 200, recordError('CIRCULAR_DEPENDENCY'), 'itemError'],
    ['archived activity', 200, recordError('ENTITY_IS_ARCHIVED'), 'itemError'],
    ['per-record limit', 200, recordError('LIMIT_EXCEEDED'), 'itemError'],
    ['bad filter operator', 400, error('INVALID_QUERY_FILTER_OPERATOR'), 'bug'],
    ['unknown type', 400, error('INVALID_TYPE'), 'bug'],
    ['bad batch size', 400, error('INVALID_BATCH_SIZE'), 'bug'],
    ['too many ids', 400, error('EXCEEDED_ID_LIMIT'), 'bug'],
    ['expired query locator', 400, error('INVALID_QUERY_LOCATOR'), 'retryLater'],
    ['trigger that hit a locked row', 200, [{ statusCode: 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', message: 'Sync: execution of AfterInsert caused by: System.DmlException: Update failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []', fields: [] }], 'retryLater'],
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

  it('daily limit suspends with an estimated resume time', () => {
    const now = Date.parse('2026-05-04T12:00:00Z');
    const headers = new Headers({ 'Sforce-Limit-Info': 'api-usage=15000/15000' });
    const failure = classifySalesforceError(403, error('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), headers, now);
    // A tenth of the calls must leave the rolling window: a tenth of 24 hours at an even pace.
    expect(failure.resumeAt).toBe('2026-05-04T14:24:00.000Z');
    expect(failure.message).toContain('2026-05-04T14:24:00.000Z');
  });

  it('concurrent limit with usage to spare stays temporary', () => {
    const headers = new Headers({ 'Sforce-Limit-Info': 'api-usage=18/15000' });
    expect(classifySalesforceError(403, error('REQUEST_LIMIT_EXCEEDED', 'Limit exceeded.'), headers).kind).toBe('retryLater');
  });

  it('keeps code, fields and Retry-After', () => {
    const failure = classifySalesforceError(200, recordError('STRING_TOO_LONG', ['Subject', 'Location']), new Headers({ 'Retry-After': '3' }));
    expect(failure).toMatchObject({ code: 'STRING_TOO_LONG', fields: ['Subject', 'Location'], retryAfterMs: 3000 });
  });

  it('value-quoting codes get own message', () => {
    const quoting = (statusCode: string, message: string, fields: string[]) => classifySalesforceError(200, [{ statusCode, message, fields }], new Headers());
    const tooLong = quoting('STRING_TOO_LONG', 'Subject: data value too large: Dinner with the Smiths (max length=10)', ['Subject']);
    expect(tooLong).toMatchObject({ kind: 'itemError', code: 'STRING_TOO_LONG', fields: ['Subject'] });
    expect(tooLong.message).toBe('The value of Subject is longer than the field allows: shorten it in the source item, or lengthen the field in Salesforce');
    const email = quoting('INVALID_EMAIL_ADDRESS', 'Email: invalid email address: jane.private@', ['Email', 'Secondary__c']);
    expect(email.message).toBe('The value of Email and Secondary__c is not an email address Salesforce accepts: correct it in the source item');
    const json = classifySalesforceError(400, error('JSON_PARSER_ERROR', 'Unexpected character (\'D\' (code 68)) at [line:1, column:20] near "Dinner with the Smiths"'), new Headers());
    expect(json).toMatchObject({ kind: 'bug', code: 'JSON_PARSER_ERROR' });
    for (const failure of [tooLong, email, json]) {
      expect(failure.message).not.toMatch(/Smiths|jane\.private/);
    }
  });

  it('non-lock trigger failure stays item', () => {
    const failure = classifySalesforceError(200, [{ statusCode: 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', message: 'Sync: execution of AfterInsert caused by: System.NullPointerException', fields: [] }], new Headers());
    expect(failure.kind).toBe('itemError');
    expect(failure.message).toContain('System.NullPointerException');
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

describe('classifyUpsertFailure', () => {
  it('concurrent upsert duplicate is temporary', () => {
    const failure = classifyUpsertFailure(classifySalesforceError(200, recordError('DUPLICATE_VALUE', ['Syncline_Sync_Id__c']), new Headers()));
    expect(failure).toMatchObject({ kind: 'retryLater', code: 'DUPLICATE_VALUE', fields: ['Syncline_Sync_Id__c'] });
  });

  it('leaves other failures as they are', () => {
    const original = classifySalesforceError(200, recordError('STRING_TOO_LONG', ['Subject']), new Headers());
    expect(classifyUpsertFailure(original)).toBe(original);
  });
});

describe('classifyNetworkError', () => {
  it('timeout is temporary with its own code', () => {
    const failure = classifyNetworkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'Salesforce');
    expect(failure).toMatchObject({ kind: 'retryLater', code: 'REQUEST_TIMEOUT' });
  });

  it('refused connection names the cause code', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    const failure = classifyNetworkError(error, 'Salesforce');
    expect(failure).toMatchObject({ kind: 'retryLater', code: 'NETWORK_ERROR' });
    expect(failure.message).toBe('Salesforce unreachable (ECONNREFUSED): retrying after a wait');
  });
});
