import { randomUUID } from 'node:crypto';

/**
 * A Graph error as the service returns it: an HTTP status plus the `{ error: { code, message, innerError } }`
 * body. Handlers throw it, and the request pipeline turns it into the response.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

interface ErrorBodyContext {
  readonly requestId: string;
  readonly clientRequestId: string;
}

/** Graph writes `innerError.date` as a UTC timestamp without fraction or zone letter, e.g. `2020-08-18T12:51:51`. */
export function graphErrorDate(now: Date = new Date()): string {
  return now.toISOString().slice(0, 19);
}

export function graphErrorBody(error: GraphError, context: ErrorBodyContext): Record<string, unknown> {
  // The documented 429 body repeats the status inside innerError and has no client-request-id there.
  // Other errors carry both request ids.
  const innerError: Record<string, unknown> =
    error.status === 429
      ? {
          code: '429',
          date: graphErrorDate(),
          message: 'Please retry after the number of seconds in the Retry-After header.',
          'request-id': context.requestId,
          status: '429',
        }
      : { date: graphErrorDate(), 'request-id': context.requestId, 'client-request-id': context.clientRequestId };

  return { error: { code: error.code, message: error.message, innerError } };
}

export function newRequestId(): string {
  return randomUUID();
}

export function itemNotFound(): GraphError {
  return new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

export function badRequest(message: string, code = 'BadRequest'): GraphError {
  return new GraphError(400, code, message);
}
