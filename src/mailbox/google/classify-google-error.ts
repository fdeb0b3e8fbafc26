import type { Failure, FailureKind } from '../../domain/errors.ts';

/**
 * Google's JSON errors carry the HTTP code, a gRPC `status`, the legacy `errors[].reason` (Calendar, Gmail, Tasks)
 * and, in newer APIs such as People, a `google.rpc.ErrorInfo` reason in `details`. This module reads those codes,
 * never the message text, and maps them to the failure kinds the sync core acts on.
 */

/** Reasons of temporary refusals: per-user and per-project rate limits and Calendar's usage limits. */
const RATE_REASONS = new Set(['ratelimitexceeded', 'userratelimitexceeded', 'quotaexceeded', 'backenderror', 'resource_exhausted', 'rate_limit_exceeded']);

/** Reasons that mean the mailbox is out of reach until a person acts: no access, API off, daily quota spent. */
const ACCESS_REASONS = new Set([
  'insufficientpermissions',
  'forbidden',
  'accessnotconfigured',
  'service_disabled',
  'domainpolicy',
  'access_token_scope_insufficient',
  'forbiddenforserviceaccounts',
  'requiredaccesslevel',
  'dailylimitexceeded',
  'permission_denied',
]);

/** 403 reasons about one item only: Calendar refuses some edits of events the user does not organize. */
const ITEM_FORBIDDEN_REASONS = new Set(['forbiddenfornonorganizer', 'cannotchangeorganizer', 'cannotchangeorganizerofinstance', 'malformedworkinglocationevent', 'eventtyperestriction']);

/** 400 reasons Google gives for a value it will not store; the request shape was right. */
const ITEM_REASONS = new Set(['invalid', 'required', 'timerangeempty', 'invalidargument', 'badrequest', 'invalidvalue', 'duplicate']);

const ADVICE: Record<FailureKind, string> = {
  retryLater: 'Google is busy or limits the rate, so the request is repeated after a backoff',
  reauthenticate: 'the access token was rejected, so a new token is requested',
  cursorExpired: 'the stored sync token or history id expired, so the items are read again in full',
  suspend:
    'Syncline has no access to this mailbox. An administrator must enable the API in the Cloud project and grant the scopes in docs/connect-google.md (domain-wide delegation), or the user must connect Google again',
  itemError: 'Google rejected this item, so it is recorded and skipped',
  conflict: 'the item changed since it was read, so it is read again in the next session',
  notFound: 'the item no longer exists',
  bug: 'Google rejected a request that Syncline built. Report this with the code',
};

/** Turn a failed Google API response into a failure kind, from the status and the error codes only. */
export function classifyGoogleError(status: number, body: unknown, headers: Headers): Failure {
  const codes = errorCodes(body);
  const code = codes.reason ?? codes.infoReason ?? codes.status ?? `HTTP${status}`;
  const kind = failureKind(status, codes);
  const failure: Failure = { kind, code, message: `Google returned ${status} ${code}: ${ADVICE[kind]}` };

  if (kind !== 'retryLater') {
    return failure;
  }
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
}

interface ErrorCodes {
  readonly reason: string | null;
  readonly status: string | null;
  readonly infoReason: string | null;
}

function failureKind(status: number, codes: ErrorCodes): FailureKind {
  const reason = codes.reason?.toLowerCase() ?? '';
  const grpc = codes.status?.toLowerCase() ?? '';
  if (codes.infoReason === 'EXPIRED_SYNC_TOKEN' || reason === 'fullsyncrequired' || reason === 'updatedmintoold') {
    return 'cursorExpired';
  }
  if (status === 429 || status >= 500 || RATE_REASONS.has(reason)) {
    return 'retryLater';
  }

  switch (status) {
    case 401:
      return 'reauthenticate';
    case 403:
      if (ITEM_FORBIDDEN_REASONS.has(reason)) return 'itemError';
      return ACCESS_REASONS.has(reason) || ACCESS_REASONS.has(grpc) ? 'suspend' : 'bug';
    case 404:
      return 'notFound';
    // Calendar returns 410 for an event deleted before (reason `deleted`); an expired sync token was handled above.
    case 410:
      return reason === 'deleted' ? 'notFound' : 'cursorExpired';
    case 409:
    case 412:
      return 'conflict';
    case 413:
      return 'itemError';
    case 400:
      return badRequestKind(reason, grpc);
    default:
      return 'bug';
  }
}

/**
 * People reports an etag that moved on (a contact edited since it was read) as FAILED_PRECONDITION without a
 * legacy reason; Gmail's `failedPrecondition` reason means the mailbox has no Gmail service at all.
 */
function badRequestKind(reason: string, grpc: string): FailureKind {
  if (reason === '' && grpc === 'failed_precondition') {
    return 'conflict';
  }
  if (reason === 'failedprecondition') {
    return 'suspend';
  }
  return ITEM_REASONS.has(reason) || (reason === '' && grpc === 'invalid_argument') ? 'itemError' : 'bug';
}

function errorCodes(body: unknown): ErrorCodes {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) {
    return { reason: null, status: null, infoReason: null };
  }

  const record = error as { errors?: unknown; status?: unknown; details?: unknown };
  const first = Array.isArray(record.errors) ? (record.errors[0] as { reason?: unknown } | undefined) : undefined;
  const info = Array.isArray(record.details)
    ? (record.details as { '@type'?: unknown; reason?: unknown }[]).find((detail) => String(detail['@type'] ?? '').endsWith('google.rpc.ErrorInfo'))
    : undefined;
  return {
    reason: typeof first?.reason === 'string' && first.reason !== '' ? first.reason : null,
    status: typeof record.status === 'string' && record.status !== '' ? record.status : null,
    infoReason: typeof info?.reason === 'string' ? info.reason : null,
  };
}

/** Read Retry-After in seconds; Google sends it with some 429 and 503 responses. An HTTP date is ignored. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) {
    return undefined;
  }
  return Math.ceil(Number(value) * 1000);
}
