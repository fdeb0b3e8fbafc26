import type { Logger } from '../../observability/logger.ts';
import type { Failure } from '../../domain/errors.ts';
import type { GraphHttp, HttpMethod } from './graph-http.ts';
import { PREFERENCES } from './graph-http.ts';
import { classifyGraphError } from './classify-graph-error.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';

/** Graph runs at most 20 requests per JSON batch. */
export const MAX_BATCH_SIZE = 20;

export interface BatchItem {
  /** Unique within one `executeBatch` call; results are keyed by it. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Path relative to the Graph version root, starting with `/`, e.g. `/users/{u}/events`. */
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly idempotent: boolean;
}

export type BatchOutcome =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly failure: Failure };

export interface BatchDeps {
  readonly http: GraphHttp;
  readonly baseUrl: string;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retryPolicy?: RetryPolicy;
  readonly random?: () => number;
}

interface WireResponse {
  readonly id?: unknown;
  readonly status?: unknown;
  readonly headers?: Record<string, string> | null;
  readonly body?: unknown;
}

/** Run requests through `$batch`, 20 at a time; an inner request that fails for a while is repeated alone. */
export async function executeBatch(deps: BatchDeps, items: readonly BatchItem[]): Promise<Map<string, BatchOutcome>> {
  const chunks: BatchItem[][] = [];
  for (let index = 0; index < items.length; index += MAX_BATCH_SIZE) {
    chunks.push(items.slice(index, index + MAX_BATCH_SIZE));
  }

  const outcomes = new Map<string, BatchOutcome>();
  await Promise.all(chunks.map((chunk) => runChunk(deps, chunk, outcomes)));
  return outcomes;
}

async function runChunk(deps: BatchDeps, chunk: readonly BatchItem[], outcomes: Map<string, BatchOutcome>): Promise<void> {
  const attempts = new Map<string, number>();
  const refreshed = new Set<string>();
  let pending = chunk;

  while (pending.length > 0) {
    const response = await deps.http.send({
      method: 'POST',
      url: `${deps.baseUrl}/$batch`,
      body: { requests: pending.map(toWire) },
      idempotent: pending.every((item) => item.idempotent),
      label: '$batch',
      // Outlook counts every request of a batch against the mailbox's limit.
      cost: pending.length,
    });
    if (!response.ok) {
      pending.forEach((item) => outcomes.set(item.id, response));
      return;
    }

    const byId = indexResponses(response.body);
    const again: BatchItem[] = [];
    let waitMs = 0;
    let serverDelayMs = 0;

    for (const item of pending) {
      const attempt = (attempts.get(item.id) ?? 0) + 1;
      attempts.set(item.id, attempt);
      const outcome = toOutcome(byId.get(item.id));
      if (outcome.ok) {
        outcomes.set(item.id, outcome);
        continue;
      }

      // An inner 401 means the token went stale while the batch ran; one fresh token settles it.
      if (outcome.failure.kind === 'reauthenticate' && !refreshed.has(item.id)) {
        refreshed.add(item.id);
        deps.http.tokens.clear();
        again.push(item);
        continue;
      }

      const decision = decideRetry(
        { failure: outcome.failure, attempt, idempotent: item.idempotent, notProcessed: outcome.status === 429 },
        deps.retryPolicy ?? DEFAULT_RETRY_POLICY,
        deps.random,
      );
      if (!decision.retry) {
        outcomes.set(item.id, outcome);
        continue;
      }

      deps.logger.warn(
        { operation: `$batch ${item.method}`, status: outcome.status, waitMs: decision.waitMs, reason: decision.reason, attempt },
        'Graph batch request will be retried',
      );
      waitMs = Math.max(waitMs, decision.waitMs);
      serverDelayMs = Math.max(serverDelayMs, outcome.failure.retryAfterMs ?? 0);
      again.push(item);
    }

    // An inner 429 throttles the mailbox like a direct one, so every source of the mailbox waits with this batch.
    const pauseId = serverDelayMs > 0 ? deps.http.pauseMailbox(serverDelayMs) : null;
    if (again.length > 0) {
      await deps.sleep(waitMs);
    }
    if (pauseId !== null) {
      deps.http.liftPause(pauseId);
    }
    pending = again;
  }
}

function toWire(item: BatchItem): Record<string, unknown> {
  const headers: Record<string, string> = { Prefer: PREFERENCES.join(', '), ...item.headers };
  if (item.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }

  const wire: Record<string, unknown> = { id: item.id, method: item.method, url: item.url, headers };
  if (item.body !== undefined) {
    wire.body = item.body;
  }
  return wire;
}

function indexResponses(body: unknown): Map<string, WireResponse> {
  const responses = (body as { responses?: unknown } | null)?.responses;
  const byId = new Map<string, WireResponse>();
  if (!Array.isArray(responses)) {
    return byId;
  }

  for (const response of responses as WireResponse[]) {
    if (typeof response?.id === 'string') {
      byId.set(response.id, response);
    }
  }
  return byId;
}

function toOutcome(response: WireResponse | undefined): BatchOutcome {
  if (response === undefined || typeof response.status !== 'number') {
    const failure: Failure = {
      kind: 'retryLater',
      code: 'BatchResponseMissing',
      message: 'the $batch response has no entry for this request, so the request is sent again',
    };
    return { ok: false, status: 0, failure };
  }

  const { status } = response;
  const body = response.body ?? null;
  if (status >= 200 && status < 300) {
    return { ok: true, status, body };
  }

  return { ok: false, status, failure: classifyGraphError(status, body, new Headers(response.headers ?? {})) };
}
