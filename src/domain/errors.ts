/**
 * The few kinds of failure the sync core understands. Each connector maps its protocol's status codes and
 * error codes (never body text) to one of these in a pure `classify…Error` function.
 */
export const FAILURE_KINDS = [
  'retryLater', // 429, 503, 5xx, network errors: wait (the server's delay wins) and repeat
  'reauthenticate', // 401 or an expired session: get a new token once, then repeat
  'cursorExpired', // the stored cursor is no longer valid: full re-read reconciled against the links
  'suspend', // revoked consent, API limit exhausted, org locked: stop the mailbox with the reason
  'itemError', // this item only (validation, required field): record it and go on with the rest
  'conflict', // the item changed since we read it (412 on If-Match): re-read in the next session
  'notFound', // the item no longer exists
  'bug', // a request we built wrongly: report it, never retry
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface Failure {
  readonly kind: FailureKind;
  /** Stable machine-readable code from the service, e.g. `ErrorItemNotFound` or `FIELD_CUSTOM_VALIDATION_EXCEPTION`. */
  readonly code: string;
  /** Human-readable explanation safe to log: never contains a token or a mail body. */
  readonly message: string;
  /** Server-requested delay before a retry, in milliseconds, when the server gave one. */
  readonly retryAfterMs?: number;
  /** Fields the service named as the cause, e.g. Salesforce `fields`. */
  readonly fields?: readonly string[];
  /** For `suspend`: ISO instant after which the cause is expected to have cleared (an exhausted API limit). */
  readonly resumeAt?: string;
}

/** A failure thrown out of a connector; the session decides from `failure.kind` what to do. */
export class ConnectorError extends Error {
  constructor(
    readonly failure: Failure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
    this.name = 'ConnectorError';
  }
}

export function isConnectorError(error: unknown, kind?: FailureKind): error is ConnectorError {
  return error instanceof ConnectorError && (kind === undefined || error.failure.kind === kind);
}
