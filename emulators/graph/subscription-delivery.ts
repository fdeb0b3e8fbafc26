import { randomUUID } from 'node:crypto';

/**
 * How the emulator talks to a subscriber's endpoint, as Graph documents it for webhooks: the validation handshake
 * (a POST with `?validationToken=…` that must be answered 200 with the token as text/plain within 10 seconds) and
 * the delivery of notification collections (`{ value: [...] }` as JSON). Graph treats any 2xx as delivered and
 * retries other answers with a growing wait; the emulator retries a few times on a shorter scale.
 */

/** Graph's limit for the handshake answer. */
const VALIDATION_TIMEOUT_MS = 10_000;
/** Graph drops an answer slower than this and retries the delivery. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Graph retries for up to four hours with exponential backoff; the emulator keeps the shape on a test scale. */
const RETRY_DELAYS_MS = [250, 1_000, 4_000] as const;
/** Changes that happen within this time reach the endpoint in one collection, as Graph batches them. */
const BATCH_DELAY_MS = 20;
const MAX_NOTIFICATIONS_PER_POST = 100;

export type ValidationOutcome = { readonly ok: true } | { readonly ok: false; readonly timedOut: boolean; readonly detail: string };

/** Send the handshake to `url` and check the answer. */
export async function validateEndpoint(url: string, signal: AbortSignal): Promise<ValidationOutcome> {
  // Graph's token is an opaque sentence with spaces and colons, so an endpoint must decode the query properly.
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);

  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(VALIDATION_TIMEOUT_MS)]),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return { ok: false, timedOut, detail: error instanceof Error ? error.message : String(error) };
  }

  const body = await response.text().catch(() => '');
  const contentType = response.headers.get('content-type') ?? '';
  if (response.status !== 200) {
    return { ok: false, timedOut: false, detail: `the endpoint answered ${response.status}` };
  }
  if (!contentType.toLowerCase().startsWith('text/plain')) {
    return { ok: false, timedOut: false, detail: `the endpoint answered with content type '${contentType}', not text/plain` };
  }
  if (body !== token) {
    return { ok: false, timedOut: false, detail: 'the endpoint did not echo the validation token' };
  }
  return { ok: true };
}

interface Outbox {
  readonly url: string;
  readonly pending: Record<string, unknown>[];
  timer: NodeJS.Timeout | null;
}

/** Queues notifications per endpoint and posts them as collections, retrying failed posts. */
export class NotificationDelivery {
  private readonly outboxes = new Map<string, Outbox>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  /** Collections posted with a 2xx answer, for the admin view. */
  delivered = 0;
  failed = 0;

  enqueue(url: string, notification: Record<string, unknown>): void {
    if (this.abort.signal.aborted) {
      return;
    }

    let outbox = this.outboxes.get(url);
    if (!outbox) {
      outbox = { url, pending: [], timer: null };
      this.outboxes.set(url, outbox);
    }
    outbox.pending.push(notification);
    outbox.timer ??= setTimeout(() => this.flush(url), BATCH_DELAY_MS);
  }

  /** Stop every timer and abort the posts in flight; queued notifications are dropped. */
  close(): void {
    this.abort.abort();
    for (const outbox of this.outboxes.values()) {
      if (outbox.timer) {
        clearTimeout(outbox.timer);
      }
    }
    for (const timer of this.retries) {
      clearTimeout(timer);
    }
    this.outboxes.clear();
    this.retries.clear();
  }

  private flush(url: string): void {
    const outbox = this.outboxes.get(url);
    if (!outbox) {
      return;
    }

    outbox.timer = null;
    while (outbox.pending.length > 0) {
      const value = outbox.pending.splice(0, MAX_NOTIFICATIONS_PER_POST);
      void this.post(url, value, 0);
    }
  }

  private async post(url: string, value: Record<string, unknown>[], attempt: number): Promise<void> {
    if (this.abort.signal.aborted) {
      return;
    }

    let ok = false;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ value }),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.status >= 200 && response.status < 300;
    } catch {
      ok = false;
    }

    if (ok) {
      this.delivered += 1;
      return;
    }

    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined || this.abort.signal.aborted) {
      this.failed += 1;
      return;
    }
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.post(url, value, attempt + 1);
    }, delay);
    this.retries.add(timer);
  }
}
