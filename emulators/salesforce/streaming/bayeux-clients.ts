import { randomBytes } from 'node:crypto';

export type WakeCause = 'published' | 'replaced' | 'timeout' | 'closed';

/** A long poll held open until events arrive, another connect replaces it, or its timeout ends. */
interface Waiter {
  wake(cause: WakeCause): void;
}

/** One handshaken CometD client: its cookie, its subscriptions (channel → last delivered replay id), its long poll. */
export interface BayeuxClient {
  id: string;
  browserCookie: string;
  subscriptions: Map<string, number>;
  lastSeen: number;
  waiter: Waiter | null;
}

/**
 * The server's table of CometD clients. A client that has not polled for `timeoutMs` is removed, as Salesforce
 * removes a client that misses its reconnect deadline; its next message gets `403::Unknown client`.
 */
export class BayeuxClients {
  timeoutMs: number;
  private readonly clients = new Map<string, BayeuxClient>();

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  create(): BayeuxClient {
    const client: BayeuxClient = {
      id: randomBytes(14).toString('base64url').toLowerCase(),
      browserCookie: randomBytes(12).toString('hex'),
      subscriptions: new Map(),
      lastSeen: Date.now(),
      waiter: null,
    };
    this.clients.set(client.id, client);
    return client;
  }

  get(id: unknown): BayeuxClient | undefined {
    this.forgetIdle();
    if (typeof id !== 'string') return undefined;
    const client = this.clients.get(id);
    if (client) client.lastSeen = Date.now();
    return client;
  }

  remove(id: string): void {
    const client = this.clients.get(id);
    client?.waiter?.wake('closed');
    this.clients.delete(id);
  }

  /** Removes every client, as a server restart does. Held long polls get their reply first. */
  clear(): void {
    for (const id of [...this.clients.keys()]) this.remove(id);
  }

  /** Wakes every held long poll, e.g. when an event was published. */
  wakeAll(): void {
    for (const client of this.clients.values()) client.waiter?.wake('published');
  }

  get size(): number {
    return this.clients.size;
  }

  private forgetIdle(): void {
    const deadline = Date.now() - this.timeoutMs;
    for (const client of this.clients.values()) {
      if (client.waiter === null && client.lastSeen < deadline) this.clients.delete(client.id);
    }
  }
}
