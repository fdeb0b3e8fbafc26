import { channelCarries } from './change-channels.ts';
import type { BayeuxClient, BayeuxClients, WakeCause } from './bayeux-clients.ts';
import type { ChangeBus } from './change-bus.ts';

type Message = Record<string, unknown>;

/** One POST to `/cometd/{version}`, parsed. */
export interface BayeuxRequest {
  messages: Message[];
  /** The Authorization header names a live session. */
  authorized: boolean;
  cookies: Record<string, string>;
  channelExists(channel: string): boolean;
}

export interface BayeuxReply {
  messages: Message[];
  /** A `Set-Cookie` value to send, after a handshake. */
  setCookie?: string;
}

export interface PollSettings {
  /** How long a connect is held when no event is waiting (Salesforce: 110 s, sent as `advice.timeout`). */
  longPollTimeoutMs: number;
  maxEventsPerConnect: number;
}

export const BROWSER_COOKIE = 'BAYEUX_BROWSER';

/**
 * The Bayeux protocol over long polling as Salesforce's Streaming API speaks it: handshake, subscribe with the
 * replay extension, connect held until events arrive, disconnect, and the `NNN::text` errors with their advice.
 */
export class BayeuxServer {
  constructor(
    private readonly bus: ChangeBus,
    private readonly clients: BayeuxClients,
    private readonly settings: PollSettings,
  ) {}

  async handle(request: BayeuxRequest): Promise<BayeuxReply> {
    const replies: Message[] = [];
    let setCookie: string | undefined;
    const connects: Message[] = [];
    for (const message of request.messages) {
      const channel = message.channel;
      if (channel === '/meta/connect') {
        connects.push(message);
      } else if (channel === '/meta/handshake') {
        const { reply, cookie } = this.handshake(message, request);
        replies.push(reply);
        setCookie = cookie ?? setCookie;
      } else if (channel === '/meta/subscribe' || channel === '/meta/unsubscribe') {
        replies.push(this.subscription(message, request));
      } else if (channel === '/meta/disconnect') {
        replies.push(this.disconnect(message));
      } else {
        replies.push(failure(message, '403::Publish not allowed', null));
      }
    }
    // The connect reply comes last, after the messages sent with it took effect.
    for (const connect of connects) replies.push(...(await this.connect(connect, request)));
    return { messages: replies, ...(setCookie === undefined ? {} : { setCookie }) };
  }

  private handshake(message: Message, request: BayeuxRequest): { reply: Message; cookie?: string } {
    if (!request.authorized) {
      return { reply: { channel: '/meta/handshake', id: message.id, successful: false, error: '403::Handshake denied',
        ext: { sfdc: { failureReason: '401::Authentication invalid' } }, advice: { reconnect: 'none' } } };
    }
    const types = message.supportedConnectionTypes;
    if (Array.isArray(types) && !types.includes('long-polling')) {
      return { reply: failure(message, `400::Invalid connection type ${types.join(',')}`, 'none') };
    }
    const client = this.clients.create();
    return {
      reply: {
        channel: '/meta/handshake', id: message.id, version: '1.0', minimumVersion: '1.0', clientId: client.id,
        supportedConnectionTypes: ['long-polling'], successful: true,
        advice: { interval: 0, timeout: this.settings.longPollTimeoutMs, reconnect: 'retry' },
        ext: { replay: true, 'payload.format': true },
      },
      cookie: `${BROWSER_COOKIE}=${client.browserCookie}; Path=/; HttpOnly`,
    };
  }

  /** Returns the client a message belongs to, or the error reply that refuses it. */
  private clientOf(message: Message, request: BayeuxRequest): BayeuxClient | Message {
    if (!request.authorized) return failure(message, '401::Authentication invalid', 'none');
    const client = this.clients.get(message.clientId);
    if (!client) return failure(message, '403::Unknown client', 'handshake');
    if (request.cookies[BROWSER_COOKIE] !== client.browserCookie) {
      return failure(message, `400::Client ${client.id} has established a session, but no ${BROWSER_COOKIE} cookie present`, 'handshake');
    }
    return client;
  }

  private subscription(message: Message, request: BayeuxRequest): Message {
    const client = this.clientOf(message, request);
    if (!isClient(client)) return client;
    const channel = message.subscription;
    const reply = { channel: message.channel, id: message.id, clientId: client.id, subscription: channel };
    if (typeof channel !== 'string' || channel === '') return { ...reply, successful: false, error: '400::Channel name not specified' };
    if (!channel.startsWith('/')) {
      return { ...reply, successful: false, error: "400::Channel subscriptions must start with a leading '/'" };
    }
    if (message.channel === '/meta/unsubscribe') {
      client.subscriptions.delete(channel);
      return { ...reply, successful: true };
    }
    if (!request.channelExists(channel)) {
      return { ...reply, successful: false, error: `400::The channel you requested to subscribe to does not exist ${channel}` };
    }

    const position = this.startPosition(message, channel);
    if (position === null) {
      const replayId = replayIdOf(message, channel);
      return { ...reply, successful: false, error: `400::The replayId ${String(replayId)} you provided was invalid.  `
        + 'Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.' };
    }
    client.subscriptions.set(channel, position);
    client.waiter?.wake('published');
    return { ...reply, successful: true };
  }

  /** Returns the replay id after which delivery starts: -1 the newest event, -2 the oldest retained, else a retained id. */
  private startPosition(message: Message, channel: string): number | null {
    const replayId = replayIdOf(message, channel);
    if (replayId === undefined || replayId === -1) return this.bus.tip;
    if (replayId === -2) return this.bus.start;
    if (typeof replayId === 'number' && this.bus.isRetained(replayId)) return replayId;
    return null;
  }

  private disconnect(message: Message): Message {
    if (typeof message.clientId === 'string') this.clients.remove(message.clientId);
    return { channel: '/meta/disconnect', id: message.id, clientId: message.clientId, successful: true };
  }

  private async connect(message: Message, request: BayeuxRequest): Promise<Message[]> {
    const client = this.clientOf(message, request);
    if (!isClient(client)) return [client];
    if (message.connectionType !== 'long-polling') {
      return [failure(message, `400::Invalid connection type ${String(message.connectionType)}`, 'retry')];
    }

    let events = this.collect(client);
    const immediate = (message.advice as Message | undefined)?.timeout === 0;
    const deadline = Date.now() + this.settings.longPollTimeoutMs;
    while (events.length === 0 && !immediate && Date.now() < deadline) {
      const cause = await this.hold(client, deadline - Date.now());
      if (this.clients.get(client.id) !== client) return [failure(message, '403::Unknown client', 'handshake')];
      events = this.collect(client);
      if (cause !== 'published') break;
    }
    const advice = { interval: 0, timeout: this.settings.longPollTimeoutMs, reconnect: 'retry' };
    return [...events, { channel: '/meta/connect', id: message.id, clientId: client.id, successful: true, advice }];
  }

  /** Takes the events due to the client's subscriptions and moves each subscription past them. */
  private collect(client: BayeuxClient): Message[] {
    const messages: Message[] = [];
    for (const [channel, position] of client.subscriptions) {
      const room = this.settings.maxEventsPerConnect - messages.length;
      if (room <= 0) break;
      const events = this.bus.after(position, (event) => channelCarries(channel, event.entityName), room);
      const last = events.at(-1);
      if (last) client.subscriptions.set(channel, last.replayId);
      for (const event of events) messages.push({ channel, data: event.data });
    }
    return messages;
  }

  /** Holds the connect until an event is published, a newer connect arrives, or `waitMs` ends. */
  private hold(client: BayeuxClient, waitMs: number): Promise<WakeCause> {
    client.waiter?.wake('replaced');
    return new Promise<WakeCause>((resolve) => {
      const waiter = {
        wake: (cause: WakeCause) => {
          clearTimeout(timer);
          if (client.waiter === waiter) client.waiter = null;
          client.lastSeen = Date.now();
          resolve(cause);
        },
      };
      const timer = setTimeout(() => waiter.wake('timeout'), waitMs);
      client.waiter = waiter;
    });
  }
}

function isClient(value: BayeuxClient | Message): value is BayeuxClient {
  return value.subscriptions instanceof Map;
}

function replayIdOf(message: Message, channel: string): unknown {
  const ext = message.ext as { replay?: Record<string, unknown> } | undefined;
  return ext?.replay?.[channel];
}

function failure(message: Message, error: string, reconnect: 'retry' | 'handshake' | 'none' | null): Message {
  return {
    channel: message.channel, id: message.id, clientId: message.clientId, successful: false, error,
    ...(reconnect === null ? {} : { advice: { reconnect, interval: 0 } }),
  };
}
