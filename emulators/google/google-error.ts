/**
 * Google's JSON error shape. The v1 APIs (Calendar, Gmail, Tasks) carry a legacy `errors` list with `domain` and
 * `reason`; every API carries the gRPC `status`, and People adds `details` with a `google.rpc.ErrorInfo`.
 */

const STATUS_OF_CODE: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  410: 'NOT_FOUND',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export interface GoogleErrorOptions {
  /** The legacy `errors[0].domain`, e.g. `global`, `usageLimits`, `calendar`. */
  readonly domain?: string;
  /** The gRPC status; derived from the HTTP code when absent. */
  readonly status?: string;
  /** A `google.rpc.ErrorInfo` reason (People API), e.g. `EXPIRED_SYNC_TOKEN`. */
  readonly errorInfoReason?: string;
  readonly retryAfterSeconds?: number;
  /** False for errors that come in the newer shape only (People), without the legacy `errors` list. */
  readonly legacyErrors?: boolean;
  /** More `details` entries, e.g. People's `BatchCreateContactsErrorDetails`. */
  readonly details?: readonly Record<string, unknown>[];
}

/** An error a route throws; the server turns it into Google's error body. */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly options: GoogleErrorOptions = {},
  ) {
    super(message);
    this.name = 'GoogleApiError';
  }

  body(): Record<string, unknown> {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.options.legacyErrors !== false) {
      error.errors = [{ message: this.message, domain: this.options.domain ?? 'global', reason: this.reason }];
    }
    error.status = this.options.status ?? STATUS_OF_CODE[this.code] ?? 'UNKNOWN';
    const details = [
      ...(this.options.errorInfoReason === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: this.options.errorInfoReason, domain: 'googleapis.com' }]),
      ...(this.options.details ?? []),
    ];
    if (details.length > 0) {
      error.details = details;
    }
    return { error };
  }
}

export const notFound = (what: string) => new GoogleApiError(404, 'notFound', `${what} not found.`);
export const invalid = (message: string) => new GoogleApiError(400, 'invalid', message);
export const required = (field: string) => new GoogleApiError(400, 'required', `Missing required field: ${field}.`);
