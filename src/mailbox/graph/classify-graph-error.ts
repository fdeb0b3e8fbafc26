import type { Failure, FailureKind } from '../../domain/errors.ts';
import type { GraphAuthKind } from './auth/access-token-source.ts';

/**
 * Error codes for a delta token that is no longer valid. Graph returns 410 Gone with one of these, and older
 * Outlook endpoints return 400 with the Exchange code, so the code alone decides.
 */
const SYNC_STATE_CODES = new Set(
  ['syncStateNotFound', 'syncStateInvalid', 'resyncRequired', 'ErrorSyncStateNotFound', 'ErrorInvalidSyncStateData'].map(
    (code) => code.toLowerCase(),
  ),
);

/** 403 codes that mean the app lost its right to this mailbox: nothing works until an admin acts. */
const ACCESS_CODES = new Set(
  ['ErrorAccessDenied', 'Authorization_RequestDenied', 'AccessDenied', 'ErrorQuotaExceeded', 'MailboxNotEnabledForRESTAPI'].map(
    (code) => code.toLowerCase(),
  ),
);

/** 404 codes that name the mailbox, not an item: the mailbox is gone or has no Exchange Online licence. */
const MAILBOX_CODES = new Set(
  ['MailboxNotEnabledForRESTAPI', 'ErrorInvalidUser', 'ErrorNonExistentMailbox', 'Request_ResourceNotFound'].map((code) =>
    code.toLowerCase(),
  ),
);

const ITEM_NOT_FOUND_CODES = new Set(['ErrorItemNotFound', 'ResourceNotFound', 'itemNotFound'].map((code) => code.toLowerCase()));

/** 400 codes Exchange gives for a value it will not store: the item is wrong, the request shape is not. */
const ITEM_ERROR_CODES = new Set(
  [
    'ErrorInvalidRequest',
    // Microsoft To Do rejects a value it will not store (a second linked resource, a bad status) with this code.
    'invalidRequest',
    'ErrorInvalidProperty',
    'ErrorInvalidPropertyValue',
    'ErrorPropertyValidationFailure',
    'ErrorInvalidIdMalformed',
    'ErrorInvalidRecipients',
    'ErrorCalendarEndDateIsEarlierThanStartDate',
    'ErrorCalendarDurationIsTooLong',
    'ErrorOccurrenceCrossingBoundary',
    'ErrorCalendarIsCancelledForAccept',
    'ErrorCorruptData',
    'ErrorItemSave',
    'ErrorMessageSizeExceeded',
    'ErrorTimeZone',
    'InvalidTimeZone',
    'TimeZoneNotSupportedException',
    'BadRequest',
    'RequestBodyRead',
    'UnableToDeserializePostBody',
  ].map((code) => code.toLowerCase()),
);

const ADVICE: Record<FailureKind, string> = {
  retryLater: 'Graph is busy or unavailable, so the request is repeated after the server delay',
  reauthenticate: 'the access token was rejected, so a new token is requested',
  cursorExpired: 'the stored delta link expired, so the calendar is read again in full',
  suspend: 'the app has no access to this mailbox. An administrator must grant admin consent to its application permissions (Calendars.ReadWrite and the others in docs/connect-office365.md), allow the mailbox in the Exchange Online application RBAC scope, or check the user id',
  itemError: 'Graph rejected this item, so it is recorded and skipped',
  conflict: 'the item changed since it was read, so it is read again in the next session',
  notFound: 'the item no longer exists',
  bug: 'Graph rejected a request that Syncline built. Report this with the code',
};

/** With delegated access the signed-in user's grant, not the app's consent, gives access to the mailbox. */
const DELEGATED_SUSPEND_ADVICE =
  "the signed-in user's grant no longer gives access to this mailbox. The mailbox owner must sign in to Syncline again, or an administrator grants consent for the tenant";

/**
 * Turn a failed Graph response into one of the failure kinds the sync core acts on, from status and code only.
 * `authKind` only changes the advice of a suspension: who must act differs between app-only and delegated access.
 */
export function classifyGraphError(status: number, body: unknown, headers: Headers, authKind: GraphAuthKind = 'appOnly'): Failure {
  const code = errorCode(body) ?? `HTTP${status}`;
  const kind = failureKind(status, code.toLowerCase());
  const advice = kind === 'suspend' && authKind === 'delegated' ? DELEGATED_SUSPEND_ADVICE : ADVICE[kind];
  const failure: Failure = { kind, code, message: `Graph returned ${status} ${code}: ${advice}` };

  if (kind !== 'retryLater') {
    return failure;
  }

  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
}

function failureKind(status: number, code: string): FailureKind {
  if (status === 410 || SYNC_STATE_CODES.has(code)) {
    return 'cursorExpired';
  }

  if (status === 429 || status >= 500) {
    return 'retryLater';
  }

  return clientErrorKind(status, code);
}

function clientErrorKind(status: number, code: string): FailureKind {
  switch (status) {
    case 401:
      return 'reauthenticate';
    case 403:
      return ACCESS_CODES.has(code) ? 'suspend' : 'bug';
    case 404:
      if (ITEM_NOT_FOUND_CODES.has(code)) {
        return 'notFound';
      }
      return MAILBOX_CODES.has(code) ? 'suspend' : 'bug';
    case 409:
    case 412:
      return 'conflict';
    case 413:
      return 'itemError';
    case 400:
    case 422:
      return ITEM_ERROR_CODES.has(code) ? 'itemError' : 'bug';
    default:
      return 'bug';
  }
}

function errorCode(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) {
    return null;
  }

  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) {
    return null;
  }

  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : null;
}

/**
 * Graph sends Retry-After as seconds, sometimes with a fraction (`2.128`). An HTTP-date form is not used by
 * Graph and is ignored, so the backoff table decides instead.
 */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) {
    return undefined;
  }

  return Math.ceil(Number(value) * 1000);
}
