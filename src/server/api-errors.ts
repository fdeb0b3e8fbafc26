import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Logger } from '../observability/logger.ts';

/**
 * Every error response of the HTTP server has one JSON shape: `{"error":{"code","message","field"?}}`.
 * `code` is a stable snake_case word a client can branch on, and `message` a sentence that names what to change.
 * `field` names the input at fault, as a dotted path into the body, query or path parameters.
 */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** An error a route raises on purpose; its status, code, message and headers go into the response unchanged. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Fastify's own errors for bodies and content types, in the API's words. */
const FASTIFY_ERRORS: Readonly<Record<string, { status: number; code: string; message: (request: FastifyRequest) => string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large', message: (request) => `the request body is larger than the ${request.routeOptions.bodyLimit ?? 0} bytes this operation accepts; send less` },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_body', message: () => 'the request body is not valid JSON; send one JSON object' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_body', message: () => 'the request body is empty but its content-type is application/json; send a JSON object such as {} or leave the content-type out' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: () => 'the content-type of the body is not supported; send JSON with content-type application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'malformed_body', message: () => 'the content-length header does not match the body; send the body again' },
};

export function sendError(reply: FastifyReply, status: number, body: ErrorBody, headers: Readonly<Record<string, string>> = {}): FastifyReply {
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Send the response for any error thrown while handling a request, in the API's error shape, and log it. */
export function handleServerError(error: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): FastifyReply {
  const path = request.routeOptions.url ?? 'unmatched';
  if (!(error instanceof Error)) {
    logger.error({ method: request.method, path, thrown: typeof error }, 'HTTP request failed: a route threw a value that is not an Error');
    return sendError(reply, 500, { error: { code: 'internal_error', message: 'internal error; the server log has the details' } });
  }

  if (error instanceof ApiError) {
    logger.debug({ method: request.method, path, status: error.statusCode, code: error.code }, 'HTTP request rejected');
    return sendError(reply, error.statusCode, { error: withField(error.code, error.message, error.field) }, error.headers);
  }

  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext ?? 'body';
    const issues = error.validation.map((issue) => ({ field: fieldOf(issue.instancePath, issue.params), message: describeIssue(issue.keyword, issue.message ?? 'invalid', issue.params) }));
    const message = issues.map((issue) => (issue.field === '' ? `${context}: ${issue.message}` : `${issue.field}: ${issue.message}`)).join('; ');
    const first = issues[0]?.field ?? '';
    logger.debug({ method: request.method, path, status: 400, fields: issues.map((issue) => issue.field) }, 'HTTP request failed validation');
    return sendError(reply, 400, { error: withField('invalid_request', message, first === '' ? undefined : first) });
  }

  const known = FASTIFY_ERRORS[(error as FastifyError).code ?? ''];
  if (known !== undefined) {
    logger.debug({ method: request.method, path, status: known.status, code: (error as FastifyError).code }, 'HTTP request rejected');
    return sendError(reply, known.status, { error: { code: known.code, message: known.message(request) } });
  }

  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    logger.info({ method: request.method, path, status, code: (error as FastifyError).code }, 'HTTP request rejected');
    return sendError(reply, status, { error: { code: 'bad_request', message: error.message } });
  }

  // The URL path pattern only: a query string may carry a token, and bodies never reach the log.
  logger.error({ method: request.method, path, err: error }, 'HTTP request failed with an internal error');
  return sendError(reply, 500, { error: { code: 'internal_error', message: 'internal error; the server log has the details' } });
}

/** Zod's default wording for the two most common slips, in the words the rest of the API uses. */
function describeIssue(keyword: string, message: string, params: Record<string, unknown>): string {
  if (keyword === 'unrecognized_keys') {
    return 'unknown field; remove it or check its spelling against /openapi.json';
  }
  if (keyword === 'invalid_type' && /received undefined$/.test(message)) {
    return `missing; expected ${String(params.expected ?? 'a value')}`;
  }
  return message;
}

/** `/a/0/b` → `a.0.b`; a rejected unknown key is named by the key itself. */
function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.split('/').filter((part) => part !== '');
  const keys = params.keys;
  if (Array.isArray(keys) && keys.length > 0) {
    path.push(String(keys[0]));
  }
  return path.join('.');
}

function withField(code: string, message: string, field: string | undefined): ErrorBody['error'] {
  return field === undefined ? { code, message } : { code, message, field };
}
