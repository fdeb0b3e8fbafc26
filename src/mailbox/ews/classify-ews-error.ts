import type { Failure, FailureKind } from '../../domain/errors.ts';

/** What an EWS failure carried: the HTTP status and, when the body could be read, the response code. */
export interface EwsErrorInput {
  readonly status: number;
  /** `ResponseCode` of a response message or SOAP fault; null when the body was not an EWS response. */
  readonly responseCode: string | null;
  /** `BackOffMilliseconds` from `MessageXml`, sent with ErrorServerBusy. */
  readonly backOffMs: number | null;
}

/** Codes that clear by themselves: the server is busy, a backend is briefly unavailable. */
const TEMPORARY_CODES = new Set([
  'ErrorServerBusy',
  'ErrorExceededConnectionCount',
  'ErrorTooManyObjectsOpened',
  'ErrorTimeoutExpired',
  'ErrorInternalServerTransientError',
  'ErrorMailboxStoreUnavailable',
  'ErrorMailboxMoveInProgress',
  'ErrorConnectionFailed',
  'ErrorBatchProcessingStopped',
  'ErrorInternalServerError',
]);

const CURSOR_CODES = new Set(['ErrorInvalidSyncStateData', 'ErrorSyncFolderNotFound']);

/** The item changed since its ChangeKey was read; with ConflictResolution="NeverOverwrite" the update was not applied. */
const CONFLICT_CODES = new Set(['ErrorIrresolvableConflict', 'ErrorStaleObject']);

const NOT_FOUND_CODES = new Set([
  'ErrorItemNotFound',
  'ErrorCalendarOccurrenceIsDeletedFromRecurrence',
  'ErrorAttachmentNotFound',
  'ErrorInvalidIdMalformed',
  'ErrorInvalidIdNotAnItemAttachmentId',
]);

/** The service account lost access to the mailbox, or the mailbox is gone: nothing works until an administrator acts. */
const ACCESS_CODES = new Set([
  'ErrorImpersonateUserDenied',
  'ErrorImpersonationDenied',
  'ErrorImpersonationFailed',
  'ErrorInvalidExchangeImpersonationHeaderData',
  'ErrorNonExistentMailbox',
  'ErrorAccessDenied',
  'ErrorAccountDisabled',
  'ErrorMailboxConfiguration',
  'ErrorQuotaExceeded',
  'ErrorNoMailboxOnAccount',
]);

/** Codes for a value Exchange will not store: the item is wrong, the request shape is not. */
const ITEM_CODES = new Set([
  'ErrorInvalidPropertyValue',
  'ErrorInvalidValueForProperty',
  'ErrorPropertyValidationFailure',
  'ErrorCalendarEndDateIsEarlierThanStartDate',
  'ErrorCalendarDurationIsTooLong',
  'ErrorCalendarInvalidTimeZone',
  'ErrorOccurrenceCrossingBoundary',
  'ErrorInvalidRecipients',
  'ErrorCorruptData',
  'ErrorItemSave',
  'ErrorMessageSizeExceeded',
  'ErrorInvalidCompleteDate',
  'ErrorIncorrectUpdatePropertyCount',
  'ErrorCannotOpenFileAttachment',
]);

const ADVICE: Record<FailureKind, string> = {
  retryLater: 'Exchange is busy or unavailable, so the request is repeated after the server delay',
  reauthenticate: 'the credentials were rejected, so a new token is requested',
  cursorExpired: 'the stored sync state is no longer valid, so the folder is read again in full',
  suspend:
    'the service account cannot reach this mailbox. An Exchange administrator must give it the ApplicationImpersonation role (docs/connect-exchange.md), check that the mailbox exists, and check ews.url and the credentials',
  itemError: 'Exchange rejected this item, so it is recorded and skipped',
  conflict: 'the item changed since it was read (its ChangeKey moved), so it is read again in the next session',
  notFound: 'the item no longer exists',
  bug: 'Exchange rejected a request that Syncline built. Report this with the code',
};

/** Turn a failed EWS call into one of the failure kinds the sync core acts on, from status and response code only. */
export function classifyEwsError(input: EwsErrorInput): Failure {
  const code = input.responseCode ?? `HTTP${input.status}`;
  const kind = failureKind(input.status, input.responseCode);
  const where = input.responseCode === null ? `HTTP ${input.status}` : `${code} (HTTP ${input.status})`;
  const failure: Failure = { kind, code, message: `Exchange returned ${where}: ${ADVICE[kind]}` };

  if (kind === 'retryLater' && input.backOffMs !== null) {
    return { ...failure, retryAfterMs: Math.ceil(input.backOffMs) };
  }
  return failure;
}

function failureKind(status: number, code: string | null): FailureKind {
  if (code !== null) {
    const byCode = kindOfCode(code);
    if (byCode !== null) {
      return byCode;
    }
  }

  if (status === 401) {
    return 'reauthenticate';
  }
  if (status === 403 || status === 404) {
    // 403: the account may not use EWS; 404: ews.url names no EWS endpoint. Both need an administrator.
    return 'suspend';
  }
  if (status === 429 || status >= 500 || status === 0) {
    return 'retryLater';
  }
  return 'bug';
}

function kindOfCode(code: string): FailureKind | null {
  if (TEMPORARY_CODES.has(code)) return 'retryLater';
  if (CURSOR_CODES.has(code)) return 'cursorExpired';
  if (CONFLICT_CODES.has(code)) return 'conflict';
  if (NOT_FOUND_CODES.has(code)) return 'notFound';
  if (ACCESS_CODES.has(code)) return 'suspend';
  if (ITEM_CODES.has(code)) return 'itemError';
  return code.startsWith('Error') ? 'bug' : null;
}
