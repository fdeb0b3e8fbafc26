import { describe, expect, it } from 'vitest';
import { classifyImapError } from './classify-imap-error.ts';

describe('classifyImapError', () => {
  it.each([
    [{ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' }, 'suspend'],
    [{ serverResponseCode: 'EXPIRED' }, 'suspend'],
    [{ serverResponseCode: 'OVERQUOTA' }, 'suspend'],
    [{ serverResponseCode: 'UNAVAILABLE' }, 'retryLater'],
    [{ serverResponseCode: 'LIMIT' }, 'retryLater'],
    [{ code: 'ECONNRESET' }, 'retryLater'],
    [{ code: 'NoConnection' }, 'retryLater'],
    [{ code: 'ETIMEOUT' }, 'retryLater'],
    [{ serverResponseCode: 'NONEXISTENT', responseStatus: 'NO' }, 'notFound'],
    [{ responseStatus: 'BAD' }, 'bug'],
    [new Error('anything'), 'bug'],
  ])('%j is %s', (error, kind) => {
    expect(classifyImapError(error).kind).toBe(kind);
  });

  it('names the response code', () => {
    expect(classifyImapError({ responseStatus: 'BAD' }).code).toBe('IMAP_BAD');
    expect(classifyImapError({ code: 'EPIPE' }).message).toContain('EPIPE');
  });
});
