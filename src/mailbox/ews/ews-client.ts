import { ConnectorError, type Failure } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { networkFailure } from '../graph/network-failure.ts';
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../graph/retry-policy.ts';
import { Semaphore } from '../graph/semaphore.ts';
import type { EwsCredentials } from './auth/ews-credentials.ts';
import { NtlmNotSentError } from './auth/ntlm-transport.ts';
import { processRejectedAccounts, type RejectedAccounts } from './auth/rejected-accounts.ts';
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
  /** Rejected service account passwords; defaults to the ones every client of this process shares. */
  readonly rejectedAccounts?: RejectedAccounts;
}

/**
 * Maximum time the sources of one mailbox spend in server back-offs per connector, which is one session. Twenty
 * minutes leave ten of the session's 30-minute lease (src/sync/mailbox-session.ts) for its work. A back-off that does
 * not fit ends the session, and the next session continues.
 */
export const SERVER_WAIT_LIMIT_MS = 20 * 60_000;

/** Minimum wait after ErrorServerBusy without a positive BackOffMilliseconds: 1 s, doubled per attempt up to 60 s. */
const BUSY_MIN_WAIT_MS = 1000;
const BUSY_MAX_MIN_WAIT_MS = 60_000;

/** Return the wait after the `attempt`-th ErrorServerBusy: the server's back-off when positive, else the exponential minimum. */
export function busyWaitMs(backOffMs: number | null | undefined, attempt: number): number {
  if (backOffMs !== null && backOffMs !== undefined && backOffMs > 0) {
    return backOffMs;
  }
  return Math.min(BUSY_MAX_MIN_WAIT_MS, BUSY_MIN_WAIT_MS * 2 ** Math.max(0, attempt - 1));
}

/**
 * Limits of one mailbox that every source of it shares: requests in flight, and the pause after ErrorServerBusy.
 * The pause delays every request of the mailbox, because the budget Exchange reports is the mailbox's, not the
 * request's. The time paused is counted once however many requests wait in it, against `serverWaitLimitMs`.
 */
export class MailboxGate {
  private pausedUntil = 0;
  private pausedMs = 0;
  private readonly semaphore: Semaphore;

  constructor(
    maxConcurrency: number,
    readonly serverWaitLimitMs: number = SERVER_WAIT_LIMIT_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.semaphore = new Semaphore(maxConcurrency);
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.semaphore.run(task);
  }

  /** Milliseconds of the server-wait allowance not yet used. */
  get remainingServerWaitMs(): number {
    return Math.max(0, this.serverWaitLimitMs - this.pausedMs);
  }

  /**
   * Hold back every request of this mailbox for `ms`, unless a longer pause is already set. Returns false, and
   * pauses nothing, when the time this adds to the pauses so far would exceed the allowance.
   */
  pause(ms: number): boolean {
    const now = this.now();
    const until = Math.max(this.pausedUntil, now + ms);
    const added = until - Math.max(this.pausedUntil, now);
    if (this.pausedMs + added > this.serverWaitLimitMs) {
      return false;
    }
    this.pausedMs += added;
    this.pausedUntil = until;
    return true;
  }

  async waitForPause(sleep: (ms: number) => Promise<void>): Promise<void> {
    const remaining = this.pausedUntil - this.now();
    if (remaining > 0) {
      await sleep(remaining);
    }
  }
}

/**
 * Sends EWS requests for one mailbox: SOAP envelope, credentials, the mailbox's concurrency limit and the retry
 * policy, counting its own requests. ErrorServerBusy pauses the whole mailbox for the server's BackOffMilliseconds (or an
 * exponential minimum when it gives none), within the mailbox's server-wait allowance.
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
    this.skipRejectedAccount();

    for (let attempt = 1; ; attempt += 1) {
      await this.options.gate.waitForPause(this.options.sleep);
      const authorization = await this.options.credentials.authorization();
      // The check and the record sit inside the mailbox's queue, so a request that waited there meanwhile sends no
      // password Exchange has just rejected.
      const send = () => this.options.gate.run(async () => {
        this.skipRejectedAccount();
        const sent = await this.sendOnce(request, authorization);
        this.noteLogon(!sent.ok && sent.failure.kind === 'reauthenticate', sent.ok ? '' : sent.failure.code);
        return sent;
      });
      const outcome = await this.logOn(send, (sent) => sent.ok);
      if (outcome.ok) {
        return outcome.reply;
      }

      if (outcome.failure.kind === 'reauthenticate') {
        // A token can be revoked before its expiry: one fresh token settles it, a second 401 is final.
        if (!refreshed && this.options.credentials.kind === 'oauth') {
          refreshed = true;
          this.options.credentials.invalidate(authorization);
          attempt -= 1;
          continue;
        }
        if (this.options.credentials.kind === 'basic') {
          throw new ConnectorError(basicRejected(outcome.failure, this.options.credentials.passwordVariable));
        }
        if (this.options.credentials.kind === 'ntlm') {
          throw new ConnectorError(ntlmRejected(outcome.failure, this.options.credentials.passwordVariable));
        }
      }

      const failure = withBusyMinimum(outcome.failure, attempt);
      const policy = this.options.retryPolicy ?? EWS_RETRY_POLICY;
      const decision = decideRetry({ failure, attempt, idempotent: request.idempotent, notProcessed: outcome.notProcessed, serverWaitedMs }, policy);
      if (!decision.retry) {
        throw new ConnectorError(failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxServerDelayMs ? tooLongBackOff(failure, Math.min(policy.maxServerDelayMs, this.options.gate.remainingServerWaitMs)) : failure);
      }

      this.retried += 1;
      this.options.logger.warn({ operation: request.label, code: failure.code, waitMs: decision.waitMs, reason: decision.reason, attempt }, 'EWS request will be retried');
      if (failure.retryAfterMs === undefined) {
        await this.options.sleep(decision.waitMs);
        continue;
      }
      // The server's back-off pauses the whole mailbox, so the wait happens at the top of the loop, with the other requests.
      if (!this.pause(decision.waitMs)) {
        throw new ConnectorError(tooLongBackOff(failure, this.options.gate.remainingServerWaitMs));
      }
      serverWaitedMs += decision.waitMs;
    }
  }

  /**
   * Send a request whose response is a stream (GetStreamingEvents) and return the open response. It bypasses the
   * mailbox's concurrency limit, because Exchange counts streaming connections against a budget of their own.
   */
  async openStream(body: string, signal: AbortSignal): Promise<Response> {
    this.skipRejectedAccount();
    const authorization = await this.options.credentials.authorization();
    const open = async () => {
      this.skipRejectedAccount();
      const opened = await this.fetchStream(body, authorization, signal);
      this.noteLogon(opened.status === 401, 'HTTP401');
      return opened;
    };
    return this.logOn(open, (opened) => opened.ok);
  }

  private async fetchStream(body: string, authorization: string, signal: AbortSignal): Promise<Response> {
    this.sent += 1;
    try {
      return await this.options.fetch(this.options.ewsUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml', ...authorizationHeader(authorization), 'X-AnchorMailbox': this.options.mailboxAddress },
        body: soapEnvelope(body, { impersonate: this.options.impersonate }),
        signal,
      });
    } catch (error) {
      if (signal.aborted || error instanceof ConnectorError) {
        throw error;
      }
      throw new ConnectorError(networkFailure(error, { url: this.options.ewsUrl, service: 'Exchange Web Services', configKey: 'ews.url' }));
    }
  }

  /** Send under the account's first logon rule (RejectedAccounts.firstLogon); OAuth tokens have no such account. */
  private logOn<T>(send: () => Promise<T>, accepted: (outcome: T) => boolean): Promise<T> {
    const key = this.options.credentials.accountKey;
    if (key === undefined) {
      return send();
    }
    return (this.options.rejectedAccounts ?? processRejectedAccounts).firstLogon(key, send, accepted, () => this.skipRejectedAccount());
  }

  /** Throw the suspension of a mailbox whose service account password Exchange rejected a moment ago. */
  private skipRejectedAccount(): void {
    const key = this.options.credentials.accountKey;
    const accounts = this.options.rejectedAccounts ?? processRejectedAccounts;
    const rejection = key === undefined ? null : accounts.find(key, Date.now());
    if (rejection === null) {
      return;
    }
    const variable = this.options.credentials.passwordVariable ?? 'SYNCLINE_<ORG>_EWS_PASSWORD';
    const where = rejection.mailboxAddress === this.options.mailboxAddress ? 'for this mailbox' : `for mailbox ${rejection.mailboxAddress}`;
    const until = new Date(accounts.until(rejection.at)).toISOString();
    throw new ConnectorError({
      kind: 'suspend',
      code: rejection.code,
      // The mailbox resumes by itself when the same password may be tried again.
      resumeAt: until,
      message: `Exchange rejected the service account's password at ${new Date(rejection.at).toISOString()} ${where}, so it was not tried again: `
        + `each failed logon counts toward the account's lockout. The mailbox resumes by itself at ${until} and tries the same password once. `
        + `To try a fixed password sooner, fix ews.auth (the password is ews.auth.password or the ${variable} environment variable), restart Syncline, `
        + 'then run "syncline resume" for the mailbox; after only unlocking the account in Active Directory, do the same without the fix',
    });
  }

  /** Remember a rejected Basic or NTLM password before the requests that wait on this one go on. */
  private noteLogon(rejected: boolean, code: string): void {
    const key = this.options.credentials.accountKey;
    if (rejected && key !== undefined) {
      (this.options.rejectedAccounts ?? processRejectedAccounts).record(key, { at: Date.now(), mailboxAddress: this.options.mailboxAddress, code });
    }
  }

  /**
   * Hold back every request of this mailbox for `ms` of server back-off. Returns false, pausing nothing, when the
   * mailbox's server-wait allowance (SERVER_WAIT_LIMIT_MS) has less than that left.
   */
  pause(ms: number): boolean {
    return this.options.gate.pause(ms);
  }

  /** Milliseconds of server back-off this mailbox may still wait out in this session. */
  get remainingServerWaitMs(): number {
    return this.options.gate.remainingServerWaitMs;
  }

  private async sendOnce(request: EwsRequest, authorization: string): Promise<{ ok: true; reply: EwsReply } | { ok: false; failure: Failure; notProcessed: boolean }> {
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8',
      Accept: 'text/xml',
      ...authorizationHeader(authorization),
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
      if (error instanceof ConnectorError) {
        // The NTLM transport failed before the server processed the request, e.g. because the server offers no NTLM.
        return { ok: false, failure: error.failure, notProcessed: true };
      }
      if (error instanceof NtlmNotSentError) {
        // The connection failed during the NTLM Negotiate step, before the request itself went out.
        return { ok: false, failure: networkFailure(error.networkError, { url: this.options.ewsUrl, service: 'Exchange Web Services', configKey: 'ews.url' }), notProcessed: true };
      }
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

/**
 * The retry policy of EWS requests: the graph policy, except that one request may wait out server back-offs up to the
 * mailbox's whole allowance, so the allowance (MailboxGate) is the limit that counts.
 */
export const EWS_RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxServerDelayMs: SERVER_WAIT_LIMIT_MS, maxServerWaitMs: SERVER_WAIT_LIMIT_MS };

/** ErrorServerBusy always has a wait: a BackOffMilliseconds of 0, or none, gets the exponential minimum instead. */
function withBusyMinimum(failure: Failure, attempt: number): Failure {
  if (failure.kind !== 'retryLater' || (failure.code !== 'ErrorServerBusy' && failure.retryAfterMs === undefined)) {
    return failure;
  }
  return { ...failure, retryAfterMs: busyWaitMs(failure.retryAfterMs, attempt) };
}

/** Build the failure for a back-off longer than the session may still wait: the session ends, and the next one continues. */
export function tooLongBackOff(failure: Failure, remainingMs: number): Failure {
  const requestedSeconds = Math.ceil((failure.retryAfterMs ?? 0) / 1000);
  return {
    ...failure,
    message: `Exchange returned ${failure.code} and requested a wait of ${requestedSeconds} s, more than the ${Math.floor(remainingMs / 1000)} s left of this session's ${SERVER_WAIT_LIMIT_MS / 60_000}-minute allowance for server back-offs (it must end inside its 30-minute lease). The session stops here and the next one continues. If this repeats, lower the load on the Exchange server or raise the EWS throttling policy of the service account`,
  };
}

/** Basic credentials have no token to renew: a rejected password fails every request until the configuration changes. */
function basicRejected(failure: Failure, passwordVariable: string | undefined): Failure {
  return {
    kind: 'suspend',
    code: failure.code,
    message: `Exchange rejected the service account's user name or password (${readableCode(failure.code)}), so the mailbox is suspended. Fix ews.auth.username and the password (ews.auth.password, or the ${passwordVariable ?? 'SYNCLINE_<ORG>_EWS_PASSWORD'} environment variable), check that the account is not locked, then run "syncline resume" for the mailbox`,
  };
}

/** `HTTP401` is the code's stable form; people read it as `HTTP 401`. */
function readableCode(code: string): string {
  return code.replace(/^HTTP(\d{3})$/, 'HTTP $1');
}

/** Build the suspension for a 401 after the NTLM Authenticate message. NTLM has no token to renew, so only a fix of the account helps. */
function ntlmRejected(failure: Failure, passwordVariable: string | undefined): Failure {
  return {
    kind: 'suspend',
    code: failure.code,
    message: `Exchange rejected the NTLM logon of the service account (${readableCode(failure.code)}), so the mailbox is suspended. Fix ews.auth.username (DOMAIN\\user or user@domain), ews.auth.domain and the password (ews.auth.password, or the ${passwordVariable ?? 'SYNCLINE_<ORG>_EWS_PASSWORD'} environment variable), check that the account is not locked and that the server accepts NTLMv2, then run "syncline resume" for the mailbox`,
  };
}

function authorizationHeader(authorization: string): Record<string, string> {
  return authorization === '' ? {} : { Authorization: authorization };
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
