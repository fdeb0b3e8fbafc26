import type { Failure, FailureKind } from '../../../domain/errors.ts';

/** WebDAV 507: the server cannot store the request because the account is out of space (quota). */
const INSUFFICIENT_STORAGE = 507;

const ADVICE: Record<FailureKind, string> = {
  retryLater: 'the server is busy or unavailable, so the request is repeated later',
  reauthenticate: 'the server rejected the credentials, so they are sent again',
  cursorExpired: 'the stored sync token is no longer valid, so the collection is read again in full',
  suspend: 'the server rejected the login or denies access: check dav.username and the (app) password, then resume the mailbox',
  itemError: 'the server rejected this item, so it is recorded and skipped',
  conflict: 'the item changed since it was read, so it is read again in the next session',
  notFound: 'the item no longer exists',
  bug: 'the server rejected a request that Syncline built. Report this with the code',
};

/**
 * Turn a failed CalDAV/CardDAV response into a failure kind from the status and, for 403 and 409, the DAV
 * precondition element named in the error body (RFC 4918 section 16), never free text. A 401 suspends: the
 * credentials are a password, which does not renew itself.
 */
export function classifyDavError(status: number, precondition: string | null, retryAfter: string | null): Failure {
  const kind = failureKind(status, precondition);
  const code = precondition === null ? `HTTP${status}` : `HTTP${status}:${precondition}`;
  if (status === INSUFFICIENT_STORAGE) {
    // RFC 4918 section 11.5: the account is out of space. Like IMAP OVERQUOTA, only a person can fix that.
    return { kind, code, message: `the DAV server returned ${status} (Insufficient Storage): the calendar or address book account is over its quota; free space in it, then resume the mailbox` };
  }
  const failure: Failure = { kind, code, message: `the DAV server returned ${status}${precondition === null ? '' : ` (${precondition})`}: ${ADVICE[kind]}` };
  if (kind !== 'retryLater') {
    return failure;
  }

  const retryAfterMs = parseRetryAfter(retryAfter);
  return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
}

function failureKind(status: number, precondition: string | null): FailureKind {
  // RFC 6578 section 3.2: an unknown or expired token fails the valid-sync-token precondition, with 403 or 409.
  if (precondition === 'valid-sync-token') {
    return 'cursorExpired';
  }
  if (status === INSUFFICIENT_STORAGE) {
    return 'suspend';
  }
  if (status === 429 || status >= 500) {
    return 'retryLater';
  }

  switch (status) {
    case 401:
      return 'suspend';
    case 403:
      return precondition === null ? 'suspend' : 'itemError';
    case 404:
    case 410:
      return 'notFound';
    case 409:
      return 'conflict';
    case 412:
      return 'conflict';
    case 400:
    case 413:
    case 415:
    case 422:
      return 'itemError';
    default:
      return 'bug';
  }
}

/** Retry-After in seconds, or as an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(value)) {
    return Number(value) * 1000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
