import { ConnectorError, type Failure } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { networkFailure } from '../graph/network-failure.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../graph/retry-policy.ts';
import { Semaphore } from '../graph/semaphore.ts';
import type { EwsCredentials } from './auth/ews-credentials.ts';
import { classifyEwsError } from './classify-ews-error.ts';
import { soapEnvelope } from './soap/envelope.ts';
import { parseEwsResponse, type ResponseMessage } from './soap/response.ts';
import type { XmlNode } from './soap/xml-tree.ts';

export interface EwsRequest {
  /** The operation element, e.g. `<m:GetItem>…</m:GetItem>`. */
  readonly body: string;
  /** True when sending the request twice cannot apply it twice. */
  readonly idempotent: boolean;
  /** Operation name for log lines and errors, e.g. `SyncFolderItems`; never an id or an address. */
  readonly label: string;
}

export interface EwsReply {
  readonly messages: readonly ResponseMessage[];
  /** The operation's response element, for the parts outside the response messages (GetStreamingEvents). */
  readonly body: XmlNode;
}

export interface EwsClientOptions {
  readonly ewsUrl: string;
  readonly credentials: EwsCredentials;
  /** The mailbox acted as; null sends no impersonation header. Always sent as X-AnchorMailbox. */
  readonly impersonate: string | null;
  readonly mailboxAddress: string;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** The mailbox's limits, shared by every source of the mailbox. */
  readonly gate: MailboxGate;
  readonly timeoutMs: number;
  readonly retryPolicy?: RetryPolicy;
}

/**
 * Limits of one mailbox that every source of it shares: requests in flight, and the pause after ErrorServerBusy.
 * The pause delays every request of the mailbox, because the budget Exchange reports is the mailbox's, not the
 * request's.
 */
export class MailboxGate {
  private pausedUntil = 0;
  private readonly semaphore: Semaphore;

  constructor(maxConcurrency: number) {
    this.semaphore = new Semaphore(maxConcurrency);
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.semaphore.run(task);
  }

  /** Hold back every request of this mailbox for `ms`, unless a longer pause is already set. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  async waitForPause(sleep: (ms: number) => Promise<void>): Promise<void> {
    const remaining = this.pausedUntil - Date.now();
    if (remaining > 0) {
      await sleep(remaining);
    }
  }
}

/**
 * Sends EWS requests for one mailbox: SOAP envelope, credentials, the mailbox's concurrency limit and the retry
 * policy, counting its own requests. ErrorServerBusy pauses the whole mailbox for the server's BackOffMilliseconds.
 */
export class EwsClient {
  private sent = 0;
  private retried = 0;

  constructor(private readonly options: EwsClientOptions) {}

  /** Requests sent so far, retries included, token requests excluded. */
  get calls(): number {
    return this.sent;
  }

  /** Attempts repeated after a temporary failure. */
  get retries(): number {
    return this.retried;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /** Send one request, repeating it while the failure is temporary; throws a ConnectorError when it finally fails. */
  async call(request: EwsRequest): Promise<EwsReply> {
    let refreshed = false;
    let serverWaitedMs = 0;

    for (let attempt = 1; ; attempt += 1) {
      await this.options.gate.waitForPause(this.options.sleep);
      const authorization = await this.options.credentials.authorization();
      const outcome = await this.options.gate.run(() => this.sendOnce(request, authorization));
      if (outcome.ok) {
        return outcome.reply;
      }

      // A token can be revoked before its expiry: one fresh token settles it, a second 401 is final.
      if (outcome.failure.kind === 'reauthenticate' && !refreshed && this.options.credentials.kind === 'oauth') {
        refreshed = true;
        this.options.credentials.invalidate(authorization);
        attempt -= 1;
        continue;
      }

      const serverDelayMs = outcome.failure.retryAfterMs;
      const policy = this.options.retryPolicy ?? DEFAULT_RETRY_POLICY;
      if (serverDelayMs !== undefined) {
        this.pause(Math.min(serverDelayMs, policy.maxServerDelayMs));
      }

      const decision = decideRetry({ failure: outcome.failure, attempt, idempotent: request.idempotent, notProcessed: outcome.notProcessed, serverWaitedMs }, policy);
      if (!decision.retry) {
        throw new ConnectorError(outcome.failure);
      }

      this.retried += 1;
      this.options.logger.warn({ operation: request.label, code: outcome.failure.code, waitMs: decision.waitMs, reason: decision.reason, attempt }, 'EWS request will be retried');
      await this.options.sleep(decision.waitMs);
      if (serverDelayMs !== undefined) {
        serverWaitedMs += decision.waitMs;
      }
    }
  }

  /**
   * Send a request whose response is a stream (GetStreamingEvents) and return the open response. It bypasses the
   * mailbox's concurrency limit, because Exchange counts streaming connections against a budget of their own.
   */
  async openStream(body: string, signal: AbortSignal): Promise<Response> {
    const authorization = await this.options.credentials.authorization();
    this.sent += 1;
    try {
      return await this.options.fetch(this.options.ewsUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml', Authorization: authorization, 'X-AnchorMailbox': this.options.mailboxAddress },
        body: soapEnvelope(body, { impersonate: this.options.impersonate }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      throw new ConnectorError(networkFailure(error, { url: this.options.ewsUrl, service: 'Exchange Web Services', configKey: 'ews.url' }));
    }
  }

  /** Hold back every request of this mailbox for `ms`. */
  pause(ms: number): void {
    this.options.gate.pause(ms);
  }

  private async sendOnce(request: EwsRequest, authorization: string): Promise<{ ok: true; reply: EwsReply } | { ok: false; failure: Failure; notProcessed: boolean }> {
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8',
      Accept: 'text/xml',
      Authorization: authorization,
      'X-AnchorMailbox': this.options.mailboxAddress,
    };

    this.sent += 1;
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(this.options.ewsUrl, {
        method: 'POST',
        headers,
        body: soapEnvelope(request.body, { impersonate: this.options.impersonate }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { ok: false, failure: networkFailure(error, { url: this.options.ewsUrl, service: 'Exchange Web Services', configKey: 'ews.url' }), notProcessed: false };
    }

    const parsed = parseEwsResponse(text);
    if (parsed.kind === 'fault') {
      const { responseCode, backOffMs } = parsed.fault;
      return { ok: false, failure: classifyEwsError({ status: response.status, responseCode, backOffMs }), notProcessed: responseCode === 'ErrorServerBusy' };
    }
    if (parsed.kind === 'unreadable' || !response.ok) {
      return { ok: false, failure: classifyEwsError({ status: response.status, responseCode: null, backOffMs: null }), notProcessed: response.status === 503 || response.status === 429 };
    }

    // Every message busy means the server processed nothing, so the whole request may go again.
    const busy = parsed.messages.length > 0 && parsed.messages.every((message) => message.responseCode === 'ErrorServerBusy');
    if (busy) {
      const backOffMs = Math.max(...parsed.messages.map((message) => message.backOffMs ?? 0));
      return { ok: false, failure: classifyEwsError({ status: response.status, responseCode: 'ErrorServerBusy', backOffMs: backOffMs > 0 ? backOffMs : null }), notProcessed: true };
    }
    return { ok: true, reply: { messages: parsed.messages, body: parsed.body } };
  }
}

/** Classifies the failure a response message reports, like a whole-request failure. */
export function messageFailure(message: ResponseMessage): Failure {
  return classifyEwsError({ status: 200, responseCode: message.responseCode, backOffMs: message.backOffMs });
}

/**
 * Returns the response message when it succeeded. Throws its classified failure when it is an error, and a `bug`
 * failure when Exchange sent no response message for `operation`.
 */
export function successMessage(message: ResponseMessage | undefined, operation: string): ResponseMessage {
  if (message === undefined) {
    throw new ConnectorError({ kind: 'bug', code: 'EmptyResponse', message: `Exchange returned no response message for ${operation}. Report this with the operation name` });
  }
  if (message.responseClass === 'Error') {
    throw new ConnectorError(messageFailure(message));
  }
  return message;
}
