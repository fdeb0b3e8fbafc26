import { randomBytes } from 'node:crypto';
import { ConnectorError, type Failure } from '../../domain/errors.ts';
import { classifyGoogleError } from './classify-google-error.ts';
import { isRateRefusal, type GoogleHttp, type HttpMethod } from './google-http.ts';
import { GMAIL_METHOD_UNITS, type GmailMethod } from './quota-meter.ts';
import { decideRetry } from './retry-policy.ts';

/**
 * Google's HTTP batch: several API calls in one `multipart/mixed` POST to `/batch/{api}/{version}`, with a response per
 * part. Each part keeps its own status, so one failed part fails alone and a temporary failure is sent again in the
 * next round. Gmail takes at most 100 parts and advises 50 or fewer, because larger batches meet its rate limits.
 */

export const MAX_BATCH_PARTS = 50;

export interface BatchItem {
  /** Unique within one `executeBatch` call; results are keyed by it. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Path and query on the API host, e.g. `/calendar/v3/calendars/primary/events/abc`. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly idempotent: boolean;
  readonly gmailMethod?: GmailMethod;
}

export type BatchOutcome =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly failure: Failure };

export interface BatchTarget {
  readonly http: GoogleHttp;
  /** Absolute URL of the API's batch endpoint, e.g. `https://www.googleapis.com/batch/calendar/v3`. */
  readonly batchUrl: string;
  readonly label: string;
}

export async function executeBatch(target: BatchTarget, items: readonly BatchItem[]): Promise<Map<string, BatchOutcome>> {
  const outcomes = new Map<string, BatchOutcome>();
  // A batch of one saves no call, so the request goes to the API itself, with the same retries.
  const [only] = items;
  if (items.length === 1 && only !== undefined) {
    outcomes.set(only.id, await sendAlone(target, only));
    return outcomes;
  }
  for (let index = 0; index < items.length; index += MAX_BATCH_PARTS) {
    await runChunk(target, items.slice(index, index + MAX_BATCH_PARTS), outcomes);
  }
  return outcomes;
}

/**
 * Sends one GET per id to `{basePath}/{id}` in batches and returns the response body of each id found, keyed by id.
 * An id the API does not find (404, or Calendar's 410 for a deleted event) is left out. Any other failed part is
 * thrown as a ConnectorError.
 */
export async function getEachById(target: BatchTarget, basePath: string, ids: readonly string[]): Promise<Map<string, unknown>> {
  const unique = [...new Set(ids)];
  const items: BatchItem[] = unique.map((id, index) => ({ id: String(index), method: 'GET', path: `${basePath}/${encodeURIComponent(id)}`, idempotent: true }));
  const outcomes = await executeBatch(target, items);

  const bodies = new Map<string, unknown>();
  unique.forEach((id, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined || (!outcome.ok && outcome.failure.kind === 'notFound')) {
      return;
    }
    if (!outcome.ok) {
      throw new ConnectorError(outcome.failure);
    }
    bodies.set(id, outcome.body);
  });
  return bodies;
}

async function sendAlone(target: BatchTarget, item: BatchItem): Promise<BatchOutcome> {
  const response = await target.http.send({
    method: item.method,
    // The batch endpoint is `{apiBaseUrl}/batch/{api}/{version}`, and a part's path follows the same API root.
    url: `${target.batchUrl.replace(/\/batch\/[^/]+\/[^/]+$/, '')}${item.path}`,
    ...(item.body === undefined ? {} : { body: item.body }),
    ...(item.headers === undefined ? {} : { headers: item.headers }),
    idempotent: item.idempotent,
    label: `${target.label} ${item.method}`,
    ...(item.gmailMethod === undefined ? {} : { gmailMethod: item.gmailMethod }),
  });
  return response.ok ? { ok: true, status: response.status, body: response.body } : { ok: false, status: response.status, failure: response.failure };
}

async function runChunk(target: BatchTarget, chunk: readonly BatchItem[], outcomes: Map<string, BatchOutcome>): Promise<void> {
  const attempts = new Map<string, number>();
  const refreshed = new Set<string>();
  let pending = chunk;

  while (pending.length > 0) {
    const boundary = `batch_syncline_${randomBytes(9).toString('base64url')}`;
    const response = await target.http.send({
      method: 'POST',
      url: target.batchUrl,
      rawBody: { contentType: `multipart/mixed; boundary=${boundary}`, text: encodeBatch(boundary, pending) },
      idempotent: pending.every((item) => item.idempotent),
      label: `${target.label} batch`,
      gmailUnits: pending.reduce((sum, item) => sum + (item.gmailMethod === undefined ? 0 : GMAIL_METHOD_UNITS[item.gmailMethod]), 0),
      responseType: 'text',
    });
    if (!response.ok) {
      // A 404 for the batch itself means the endpoint is missing, not that every item is gone.
      const outcome: BatchOutcome =
        response.failure.kind === 'notFound'
          ? { ok: false, status: response.status, failure: { kind: 'bug', code: 'BatchEndpointNotFound', message: `the Google batch endpoint ${target.batchUrl} was not found (404); check google.apiBaseUrl` } }
          : response;
      pending.forEach((item) => outcomes.set(item.id, outcome));
      return;
    }

    const parts = decodeBatch(response.headers.get('content-type') ?? '', String(response.body ?? ''));
    const again: BatchItem[] = [];
    let waitMs = 0;
    for (const item of pending) {
      const attempt = (attempts.get(item.id) ?? 0) + 1;
      attempts.set(item.id, attempt);
      const outcome = parts.get(item.id) ?? missingPart();
      if (outcome.ok) {
        outcomes.set(item.id, outcome);
        continue;
      }
      if (outcome.failure.kind === 'reauthenticate' && !refreshed.has(item.id)) {
        refreshed.add(item.id);
        target.http.tokens.invalidate();
        again.push(item);
        continue;
      }

      const decision = decideRetry({ failure: outcome.failure, attempt, idempotent: item.idempotent, notProcessed: isRateRefusal(outcome) }, target.http.policy, target.http.random);
      if (!decision.retry) {
        outcomes.set(item.id, outcome);
        continue;
      }
      target.http.logger.warn({ operation: `${target.label} batch ${item.method}`, status: outcome.status, waitMs: decision.waitMs, reason: decision.reason, attempt }, 'Google batch part will be retried');
      waitMs = Math.max(waitMs, decision.waitMs);
      again.push(item);
    }

    if (again.length > 0 && waitMs > 0) {
      await target.http.sleep(waitMs);
    }
    pending = again;
  }
}

function missingPart(): BatchOutcome {
  return { ok: false, status: 0, failure: { kind: 'retryLater', code: 'BatchPartMissing', message: 'the batch response has no part for this request, so the request is sent again' } };
}

export function encodeBatch(boundary: string, items: readonly BatchItem[]): string {
  const parts = items.map((item) => {
    const headers = Object.entries(item.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    const body = item.body === undefined ? '' : `Content-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(item.body)}`;
    const request = `${item.method} ${item.path} HTTP/1.1\r\n${headers}${body === '' ? '\r\n' : body}`;
    return `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${item.id}>\r\n\r\n${request}\r\n`;
  });
  return `${parts.join('')}--${boundary}--\r\n`;
}

/** Read the parts of a batch response, keyed by the id in their `Content-ID: <response-{id}>`. */
export function decodeBatch(contentType: string, text: string): Map<string, BatchOutcome> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const outcomes = new Map<string, BatchOutcome>();
  if (boundary === undefined) {
    return outcomes;
  }

  for (const section of text.split(`--${boundary}`).slice(1)) {
    if (section.startsWith('--')) {
      break;
    }
    const [outerHead, inner] = splitHead(section.replace(/^\r?\n/, ''));
    const id = /^content-id:\s*<?response-([^>\r\n]+)>?/im.exec(outerHead)?.[1]?.trim();
    if (id === undefined) {
      continue;
    }
    const [innerHead, body] = splitHead(inner);
    const [statusLine = '', ...headerLines] = innerHead.split(/\r?\n/);
    const status = Number(/^HTTP\/[\d.]+\s+(\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers = new Headers();
    for (const line of headerLines) {
      const separator = line.indexOf(':');
      if (separator > 0) headers.set(line.slice(0, separator).trim(), line.slice(separator + 1).trim());
    }
    const parsed = parseJson(body);
    outcomes.set(id, status >= 200 && status < 300 ? { ok: true, status, body: parsed } : { ok: false, status, failure: classifyGoogleError(status, parsed, headers) });
  }
  return outcomes;
}

function splitHead(text: string): [string, string] {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? [text.slice(0, match.index), text.slice(match.index + match[0].length)] : [text, ''];
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return null;
  }
}
