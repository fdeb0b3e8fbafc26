import type { FastifyRequest } from 'fastify';
import { GoogleApiError } from './google-error.ts';

/** Parse the request's JSON object body; the server leaves bodies as text so malformed JSON gets Google's error shape. */
export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  if (raw === undefined || raw === null || raw === '') {
    return {};
  }

  let parsed: unknown = raw;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new GoogleApiError(400, 'parseError', 'Parse Error');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GoogleApiError(400, 'parseError', 'Parse Error: expected a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** Return the query string as URLSearchParams, which keeps repeated parameters such as `privateExtendedProperty`. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? request.url;
  const index = url.indexOf('?');
  return new URLSearchParams(index < 0 ? '' : url.slice(index + 1));
}
