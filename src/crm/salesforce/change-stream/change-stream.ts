import type { ChangeBatch, ChangeNotice, ChangeStream, ReplayIdStore } from '../../../domain/change-stream.ts';
import { ConnectorError, isConnectorError, type Failure } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { SYNCLINE_CLIENT_NAME } from '../rest-client.ts';
import { classifyBayeuxError } from './bayeux-failure.ts';
import { BayeuxTransport, StreamStopped, type BayeuxMessage } from './bayeux-transport.ts';
import { entityOfChannel, readChangeEventData, toChangeNotice, type ChangeEventData } from './change-notices.ts';
import type { TokenSource } from './token-source.ts';

export interface ChangeStreamOptions {
  /** Syncline's org id: the key of the stored replay id. */
  readonly orgId: string;
  /** `/data/EventChangeEvent` for one object, `/data/ChangeEvents` for every selected object. */
  readonly channel: string;
  readonly apiVersion: string;
  readonly tokens: TokenSource;
  readonly replayStore: ReplayIdStore;
  /** The `Sforce-Call-Options` client name of Syncline's own writes; their change events are echoes. */
  readonly clientName?: string;
  readonly logger: Logger;
  /**
   * Handler called with each delivery. The replay id is saved only after it resolves. When it rejects, the same
   * notices are handed over again after a wait, and a process that ends meanwhile replays them from the stored id.
   */
  readonly onChanges: (batch: ChangeBatch) => Promise<void>;
  /** Called when the stream gives up after it started (a revoked grant, a channel that no longer exists). */
  readonly onFailure?: (failure: Failure) => void;
  readonly fetch?: typeof fetch;
  /** Waits between failed attempts: doubling from `baseMs` up to `maxMs`, half of it random. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

/** Extra wait beyond the server's long-poll timeout (110 s on Salesforce) before a connect counts as lost. */
const POLL_MARGIN_MS = 15_000;
const SHORT_REQUEST_MS = 30_000;
const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 60_000 };
/** Slack between Salesforce's commit clock and ours when skipping history on a replay of every retained event. */
const CLOCK_SKEW_MS = 60_000;

interface Advice {
  reconnect: string;
  interval: number;
  timeout: number;
}

/**
 * Follows a Change Data Capture channel over the Streaming API (CometD long polling): handshake, subscribe from
 * the stored replay id, connect again and again as the server advises. After each delivery the handler runs and
 * only then is the last replay id saved, so a restart replays what was not handled. A replay id that fell out of
 * retention becomes a re-read notice for the whole object; gap and overflow events become re-read notices too.
 */
export function createSalesforceChangeStream(options: ChangeStreamOptions): ChangeStream {
  return new SalesforceChangeStream(options);
}

class SalesforceChangeStream implements ChangeStream {
  private readonly abort = new AbortController();
  private readonly logger: Logger;
  private readonly clientName: string;
  private running: Promise<void> | null = null;
  private subscribed: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  /** When the first subscription, from the newest event, succeeded; null until then. */
  private firstSubscribedAt: number | null = null;
  /** Events committed before this instant are history the stream chose to skip (see `startingPoint`). */
  private skipBefore: number | null = null;
  /** A stored replay id Salesforce refused as out of retention; it stays stored until an event is handled. */
  private refusedReplayId: number | null = null;

  constructor(private readonly options: ChangeStreamOptions) {
    this.logger = options.logger.child({ component: 'salesforce-change-stream', org: options.orgId, channel: options.channel });
    this.clientName = options.clientName ?? SYNCLINE_CLIENT_NAME;
  }

  start(): Promise<void> {
    if (this.running !== null) {
      throw new Error(`The change stream for ${this.options.channel} was started already: create a new stream to start again`);
    }
    const started = new Promise<void>((resolve, reject) => {
      this.subscribed = { resolve, reject };
    });
    this.running = this.run();
    return started;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.subscribed?.resolve();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        await this.session(() => {
          failures = 0;
        });
      } catch (error) {
        if (error instanceof StreamStopped || this.abort.signal.aborted) break;
        const failure = toFailure(error);
        if (failure.kind === 'suspend' || failure.kind === 'bug') {
          this.giveUp(failure, error);
          return;
        }
        if (failure.kind === 'reauthenticate') this.options.tokens.invalidate();
        failures += 1;
        const waitMs = backoffMs(failures, this.options.backoff ?? DEFAULT_BACKOFF);
        this.logger.warn({ code: failure.code, attempt: failures, waitMs }, 'Change stream interrupted; reconnecting after a wait');
        await this.pause(waitMs);
      }
    }
  }

  /** Runs one handshake's life: subscribe, then connect until the server advises a new handshake. */
  private async session(onSubscribed: () => void): Promise<void> {
    const token = await this.options.tokens.token();
    const transport = new BayeuxTransport({
      fetch: this.options.fetch ?? fetch, token, apiVersion: this.options.apiVersion, signal: this.abort.signal,
    });
    const handshake = await this.handshake(transport);
    const clientId = String(handshake.clientId);
    try {
      await this.subscribe(transport, clientId);
      onSubscribed();
      // Once `start` resolved, a later failure goes to `onFailure` instead of the settled promise.
      this.subscribed?.resolve();
      this.subscribed = null;
      await this.poll(transport, clientId, readAdvice(handshake.advice, null));
    } finally {
      if (this.abort.signal.aborted) await disconnect(transport, clientId);
    }
  }

  private async handshake(transport: BayeuxTransport): Promise<BayeuxMessage> {
    const replies = await transport.send(
      [{ channel: '/meta/handshake', version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], ext: { replay: true } }],
      SHORT_REQUEST_MS,
    );
    const reply = replies.find((message) => message.channel === '/meta/handshake');
    if (reply?.successful !== true || typeof reply.clientId !== 'string') {
      throw new ConnectorError(classifyBayeuxError(reply ?? {}));
    }
    return reply;
  }

  /** Subscribes from the stored replay id; one that fell out of retention restarts at the newest event. */
  private async subscribe(transport: BayeuxTransport, clientId: string): Promise<void> {
    const stored = await this.options.replayStore.loadReplayId(this.options.orgId, this.options.channel);
    const reply = await this.subscribeFrom(transport, clientId, this.startingPoint(stored));
    if (reply.successful === true) {
      this.firstSubscribedAt ??= Date.now();
      return;
    }

    const failure = classifyBayeuxError(reply);
    if (failure.kind !== 'cursorExpired' || stored === null) throw new ConnectorError(failure);

    this.logger.warn({ code: failure.code }, 'Stored replay id is no longer retained; subscribing to new events and asking for a full re-read');
    this.refusedReplayId = stored;
    const fresh = await this.subscribeFrom(transport, clientId, this.startingPoint(stored));
    if (fresh.successful !== true) throw new ConnectorError(classifyBayeuxError(fresh));
    this.firstSubscribedAt ??= Date.now();
    // Subscribed first, re-read second: a change made while the records are read arrives as an event.
    const notice: ChangeNotice = { kind: 'reread', entityName: entityOfChannel(this.options.channel), recordIds: null, reason: 'replayIdInvalid' };
    await this.handOver([notice], null);
  }

  /**
   * The replay id to subscribe from. A stream that never handled an event starts at new events (-1): the scheduled
   * sessions cover the past. If it must subscribe again before any event was saved, it requests every retained
   * event (-2) and skips those committed before its first subscription, so nothing in between is missed. A stored
   * id Salesforce refused counts as none: it asked for one full re-read already, not one per reconnect.
   */
  private startingPoint(stored: number | null): number {
    this.skipBefore = null;
    if (stored !== null && stored !== this.refusedReplayId) return stored;
    if (this.firstSubscribedAt === null) return -1;
    this.skipBefore = this.firstSubscribedAt - CLOCK_SKEW_MS;
    return -2;
  }

  private async subscribeFrom(transport: BayeuxTransport, clientId: string, replayId: number): Promise<BayeuxMessage> {
    const channel = this.options.channel;
    const replies = await transport.send(
      [{ channel: '/meta/subscribe', clientId, subscription: channel, ext: { replay: { [channel]: replayId } } }],
      SHORT_REQUEST_MS,
    );
    return replies.find((message) => message.channel === '/meta/subscribe') ?? {};
  }

  /** Connects until the server advises a new handshake; returns then, throws on any other failure. */
  private async poll(transport: BayeuxTransport, clientId: string, initial: Advice): Promise<void> {
    let advice = initial;
    let first = true;
    while (!this.abort.signal.aborted) {
      const connect = { channel: '/meta/connect', clientId, connectionType: 'long-polling', ...(first ? { advice: { timeout: 0 } } : {}) };
      first = false;
      const replies = await transport.send([connect], advice.timeout + POLL_MARGIN_MS);
      await this.deliver(replies);

      const reply = replies.find((message) => message.channel === '/meta/connect');
      advice = readAdvice(reply?.advice, advice);
      if (reply?.successful !== true) {
        const failure = classifyBayeuxError(reply ?? {});
        if (advice.reconnect === 'handshake' || failure.code === 'UNKNOWN_CLIENT') return;
        throw new ConnectorError(failure);
      }
      if (advice.reconnect === 'handshake') return;
      if (advice.reconnect === 'none') throw new ConnectorError(classifyBayeuxError({ error: '503::Server advised no reconnect' }));
      if (advice.interval > 0) await this.pause(advice.interval);
    }
  }

  /** Hands the change events of one connect reply to the handler, then saves the last replay id. */
  private async deliver(replies: readonly BayeuxMessage[]): Promise<void> {
    const events = replies
      .filter((message) => message.channel === this.options.channel)
      .map((message) => readChangeEventData(message.data))
      .filter((data): data is ChangeEventData => data !== null);
    const last = events.at(-1);
    if (last === undefined) return;
    const skipBefore = this.skipBefore;
    const wanted = skipBefore === null ? events : events.filter((data) => commitTimestamp(data) >= skipBefore);
    await this.handOver(wanted.map((data) => toChangeNotice(data, this.clientName)), last.event.replayId);
  }

  /** Runs the handler until it resolves (waiting between attempts), then saves `replayId`. */
  private async handOver(notices: readonly ChangeNotice[], replayId: number | null): Promise<void> {
    for (let attempt = 1; notices.length > 0; attempt += 1) {
      try {
        await this.options.onChanges({ channel: this.options.channel, notices });
        break;
      } catch (error) {
        if (this.abort.signal.aborted) throw new StreamStopped();
        const waitMs = backoffMs(attempt, this.options.backoff ?? DEFAULT_BACKOFF);
        const reason = error instanceof Error ? error.name : 'unknown';
        this.logger.warn({ attempt, waitMs, reason }, 'Change handler failed; handing the same notices over again after a wait');
        await this.pause(waitMs);
        if (this.abort.signal.aborted) throw new StreamStopped();
      }
    }
    if (replayId !== null) await this.options.replayStore.saveReplayId(this.options.orgId, this.options.channel, replayId);
    this.logger.debug({ notices: notices.length, replayId }, 'Change notices handled');
  }

  private giveUp(failure: Failure, error: unknown): void {
    this.logger.error({ code: failure.code, kind: failure.kind }, `Change stream stopped: ${failure.message}`);
    const pending = this.subscribed;
    this.subscribed = null;
    if (pending) {
      pending.reject(isConnectorError(error) ? error : new ConnectorError(failure, { cause: error }));
      return;
    }
    this.options.onFailure?.(failure);
  }

  /** Waits `ms`, or less when `stop` is called meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}

function readAdvice(raw: unknown, previous: Advice | null): Advice {
  const advice = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return {
    reconnect: typeof advice.reconnect === 'string' ? advice.reconnect : (previous?.reconnect ?? 'retry'),
    interval: typeof advice.interval === 'number' ? advice.interval : (previous?.interval ?? 0),
    timeout: typeof advice.timeout === 'number' ? advice.timeout : (previous?.timeout ?? 110_000),
  };
}

function commitTimestamp(data: ChangeEventData): number {
  const header = data.payload.ChangeEventHeader as { commitTimestamp?: unknown } | undefined;
  return typeof header?.commitTimestamp === 'number' ? header.commitTimestamp : Number.POSITIVE_INFINITY;
}

function toFailure(error: unknown): Failure {
  if (isConnectorError(error)) return error.failure;
  const detail = error instanceof Error ? error.message : String(error);
  return { kind: 'retryLater', code: 'STREAM_ERROR', message: `The change stream failed: ${detail.slice(0, 160)}` };
}

function backoffMs(failures: number, backoff: { baseMs: number; maxMs: number }): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1));
  // Half fixed, half random, so streams of many orgs that failed together do not reconnect together.
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

/** Tells the server the client leaves, so it frees the client at once; a failure here changes nothing. */
async function disconnect(transport: BayeuxTransport, clientId: string): Promise<void> {
  await transport.send([{ channel: '/meta/disconnect', clientId }], 2_000, true).catch(() => undefined);
}
