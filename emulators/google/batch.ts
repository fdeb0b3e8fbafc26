import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { EmulatorServices } from './api-context.ts';
import { GoogleApiError } from './google-error.ts';

/**
 * Google's HTTP batch: `POST /batch/{api}/{version}` with a `multipart/mixed` body whose parts are
 * `application/http` requests, and the response is a `multipart/mixed` body of responses in the same order, each with
 * `Content-ID: <response-{id}>`. A batch holds requests of its own API only, at most 100 for Gmail and 1000 for the
 * others. The outer request's Authorization header applies to every part that sets none.
 */

const MAX_PARTS: Readonly<Record<string, number>> = { gmail: 100 };
const DEFAULT_MAX_PARTS = 1000;
const PATH_PREFIX: Readonly<Record<string, string>> = { calendar: '/calendar/', gmail: '/gmail/', tasks: '/tasks/' };

interface PartRequest {
  readonly contentId: string | null;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function registerBatchRoutes(app: FastifyInstance, services: EmulatorServices): void {
  app.post<{ Params: { api: string; version: string } }>('/batch/:api/:version', async (request, reply) => {
    const api = request.params.api;
    const prefix = PATH_PREFIX[api];
    if (prefix === undefined) {
      throw new GoogleApiError(404, 'notFound', `No batch endpoint for ${api}.`);
    }

    const parts = parseBatch(String(request.headers['content-type'] ?? ''), typeof request.body === 'string' ? request.body : '');
    const limit = MAX_PARTS[api] ?? DEFAULT_MAX_PARTS;
    if (parts.length > limit) {
      throw new GoogleApiError(400, 'invalid', `Too many requests in a batch: ${parts.length}; at most ${limit}.`);
    }
    services.stats.batches += 1;

    const boundary = `batch_${randomBytes(12).toString('base64url')}`;
    const chunks: string[] = [];
    for (const part of parts) {
      if (!part.path.startsWith(prefix)) {
        chunks.push(responsePart(boundary, part.contentId, 400, { 'content-type': 'application/json; charset=UTF-8' }, JSON.stringify(new GoogleApiError(400, 'invalid', `The batch for ${api} cannot carry ${part.path}.`).body())));
        continue;
      }
      const headers = { authorization: String(request.headers.authorization ?? ''), ...part.headers };
      const response = await app.inject({ method: part.method as 'GET', url: part.path, headers, payload: part.body === '' ? undefined : part.body });
      chunks.push(responsePart(boundary, part.contentId, response.statusCode, response.headers as Record<string, string>, response.body));
    }
    return reply.header('content-type', `multipart/mixed; boundary=${boundary}`).send(`${chunks.join('')}--${boundary}--\r\n`);
  });
}

function parseBatch(contentType: string, body: string): PartRequest[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!/^multipart\/mixed/i.test(contentType) || boundary === undefined) {
    throw new GoogleApiError(400, 'badContent', 'Batch requests need Content-Type multipart/mixed with a boundary.');
  }

  const sections = body.split(`--${boundary}`).slice(1);
  const parts: PartRequest[] = [];
  for (const section of sections) {
    if (section.startsWith('--')) {
      break;
    }
    parts.push(parsePart(section.replace(/^\r?\n/, '')));
  }
  return parts;
}

function parsePart(section: string): PartRequest {
  const [outerHead = '', inner = ''] = splitHead(section);
  const contentId = /^content-id:\s*(.+)$/im.exec(outerHead)?.[1]?.trim() ?? null;
  const [innerHead = '', innerBody = ''] = splitHead(inner);
  const [requestLine = '', ...headerLines] = innerHead.split(/\r?\n/);
  const [method = 'GET', target = '/'] = requestLine.trim().split(/\s+/);

  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const separator = line.indexOf(':');
    if (separator > 0) {
      headers[line.slice(0, separator).trim().toLowerCase()] = line.slice(separator + 1).trim();
    }
  }
  const path = /^https?:\/\//i.test(target) ? `${new URL(target).pathname}${new URL(target).search}` : target;
  return { contentId, method: method.toUpperCase(), path, headers, body: innerBody.replace(/\r?\n$/, '') };
}

function splitHead(text: string): [string, string] {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) {
    return [text, ''];
  }
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

function responsePart(boundary: string, contentId: string | null, status: number, headers: Record<string, string>, body: string): string {
  const id = contentId === null ? '' : `Content-ID: <response-${contentId.replace(/^<|>$/g, '')}>\r\n`;
  const kept = ['content-type', 'etag', 'retry-after'].filter((name) => headers[name] !== undefined).map((name) => `${name}: ${headers[name]}\r\n`).join('');
  return `--${boundary}\r\nContent-Type: application/http\r\n${id}\r\nHTTP/1.1 ${status} ${statusText(status)}\r\n${kept}\r\n${body}\r\n`;
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  return texts[status] ?? 'Unknown';
}
