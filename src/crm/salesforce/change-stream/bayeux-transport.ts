import { ConnectorError } from '../../../domain/errors.ts';
import type { SalesforceToken } from '../auth.ts';
import { classifyBayeuxStatus } from './bayeux-failure.ts';

export type BayeuxMessage = Readonly<Record<string, unknown>>;

/** Thrown out of a request that `stop` aborted; the stream ends quietly on it. */
export class StreamStopped extends Error {
  constructor() {
    super('The change stream was stopped');
    this.name = 'StreamStopped';
  }
}

export interface TransportOptions {
  readonly fetch: typeof fetch;
  readonly token: SalesforceToken;
  readonly apiVersion: string;
  /** Aborted by `stop`. */
  readonly signal: AbortSignal;
}

/**
 * Bayeux over HTTP long polling to `{instance_url}/cometd/{version}`: JSON message arrays, the bearer token, and
 * the cookies of the handshake sent back on every later request, because Salesforce pins a client to one server
 * by cookie. One transport lives as long as one handshake.
 */
export class BayeuxTransport {
  private readonly cookies = new Map<string, string>();
  private nextId = 1;

  constructor(private readonly options: TransportOptions) {}

  /** Posts `messages`; `afterStop` sends even once `stop` aborted the stream (the farewell disconnect). */
  async send(messages: readonly Record<string, unknown>[], timeoutMs: number, afterStop = false): Promise<BayeuxMessage[]> {
    const body = messages.map((message) => ({ id: String(this.nextId++), ...message }));
    const { token, apiVersion, signal } = this.options;
    let text: string;
    let status: number;
    try {
      const response = await this.options.fetch(`${token.instanceUrl}/cometd/${apiVersion}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.cookies.size === 0 ? {} : { cookie: this.cookieHeader() }),
        },
        body: JSON.stringify(body),
        signal: afterStop ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      this.keepCookies(response.headers);
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal.aborted && !afterStop) throw new StreamStopped();
      const detail = error instanceof Error ? error.name : 'no response';
      throw new ConnectorError(
        { kind: 'retryLater', code: 'NETWORK_ERROR', message: `The Streaming API request failed or timed out (${detail}): reconnecting after a wait` },
        { cause: error },
      );
    }

    if (status !== 200) throw new ConnectorError(classifyBayeuxStatus(status));
    return parseMessages(text);
  }

  private keepCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const index = pair.indexOf('=');
      if (index > 0) this.cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function parseMessages(text: string): BayeuxMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed)) {
    throw new ConnectorError({
      kind: 'retryLater',
      code: 'INVALID_BAYEUX_RESPONSE',
      message: 'The Streaming API response is not a JSON array of messages: reconnecting after a wait',
    });
  }
  return parsed.filter((item): item is BayeuxMessage => item !== null && typeof item === 'object');
}
