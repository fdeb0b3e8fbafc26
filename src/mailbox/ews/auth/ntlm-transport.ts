import ntlm, { type Type2Message } from '@ewsjs/ntlm-client';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { ConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import type { EwsNtlmAuth } from '../ews-options.ts';

/** The account as the NTLM messages carry it. */
export interface NtlmIdentity {
  readonly user: string;
  readonly domain: string;
  readonly workstation: string | undefined;
  readonly password: string;
}

/** Transport that sends EWS requests over connections it logs on with NTLM. Each connection does the handshake once. */
export interface NtlmTransport {
  readonly fetch: typeof fetch;
  /** Handshakes started so far, for tests and logs. */
  readonly handshakes: number;
  /** Close every pooled connection. */
  close(): void;
}

/**
 * Idle time after which a pooled connection is closed. IIS closes an idle connection after 120 s by default
 * (connectionTimeout), so closing ours first avoids sending on a connection the server is about to drop.
 */
const IDLE_TIMEOUT_MS = 60_000;

/** Split `DOMAIN\user`, `user@domain` or `user` into what the NTLM messages carry, checking what NTLM cannot carry. */
export function ntlmIdentity(auth: EwsNtlmAuth): NtlmIdentity {
  const slash = auth.username.indexOf('\\');
  const prefix = slash === -1 ? null : auth.username.slice(0, slash);
  const user = slash === -1 ? auth.username : auth.username.slice(slash + 1);
  if (user === '' || prefix === '') {
    throw new Error(`ews.auth.username "${auth.username}" is incomplete: use DOMAIN\\user, user@domain or a bare user name with ews.auth.domain`);
  }
  if (prefix !== null && auth.domain !== undefined && prefix.toLowerCase() !== auth.domain.toLowerCase()) {
    throw new Error(`ews.auth.username "${auth.username}" names the domain ${prefix} but ews.auth.domain is "${auth.domain}": remove ews.auth.domain or make both the same`);
  }
  const domain = auth.domain ?? prefix ?? '';
  // The type 1 message of @ewsjs/ntlm-client requests OEM strings, which carry ASCII only. The password travels as an MD4
  // hash of its UTF-16 form, so any character works there.
  for (const [key, value] of [['username', auth.username], ['domain', domain], ['workstation', auth.workstation ?? '']] as const) {
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw new Error(`ews.auth.${key} "${value}" has characters outside ASCII, which the NTLM messages cannot carry: use the account's pre-Windows 2000 name (DOMAIN\\user)`);
    }
  }
  return { user, domain, workstation: auth.workstation, password: auth.password };
}

/**
 * A network failure of the handshake before the request itself was sent (a reset or timeout of the Negotiate step).
 * The server cannot have acted on the request, so the caller may send it again whether or not it is idempotent.
 */
export class NtlmNotSentError extends Error {
  constructor(readonly networkError: unknown) {
    super(`the NTLM logon failed before the request was sent: ${networkError instanceof Error ? networkError.message : String(networkError)}`, { cause: networkError });
    this.name = 'NtlmNotSentError';
  }
}

interface Connection {
  readonly agent: http.Agent;
  /** Socket of the last successful handshake. The server drops the logon when that socket closes. */
  loggedOn: Socket | null;
  busy: boolean;
}

interface RawReply {
  readonly status: number;
  readonly message: http.IncomingMessage;
  readonly socket: Socket;
}

interface Outgoing {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly signal: AbortSignal | undefined;
}

/**
 * Create the NTLM transport of one mailbox. NTLM logs on a TCP connection, not a request: Negotiate (type 1), a 401
 * with the Challenge (type 2), then the request itself with Authenticate (type 3), all on one keep-alive connection.
 * Each pooled connection is an agent with one socket, so the three messages cannot land on different sockets, and
 * the pool grows to the number of requests in flight, which the mailbox's concurrency limit bounds.
 */
export function createNtlmTransport(auth: EwsNtlmAuth, options: { readonly ewsUrl: string; readonly logger: Logger }): NtlmTransport {
  const identity = ntlmIdentity(auth);
  const secure = new URL(options.ewsUrl).protocol === 'https:';
  const pool: Connection[] = [];
  let handshakes = 0;

  const acquire = (): Connection => {
    const idle = pool.filter((candidate) => !candidate.busy);
    const connection = idle.find((candidate) => isLoggedOn(candidate)) ?? idle[0] ?? newConnection();
    connection.busy = true;
    return connection;
  };

  const newConnection = (): Connection => {
    const settings = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1, timeout: IDLE_TIMEOUT_MS };
    const connection: Connection = { agent: secure ? new https.Agent(settings) : new http.Agent(settings), loggedOn: null, busy: false };
    pool.push(connection);
    return connection;
  };

  const handshake = async (connection: Connection, url: URL, request: Outgoing): Promise<RawReply> => {
    handshakes += 1;
    const negotiate = ntlm.createType1Message(identity.workstation, identity.domain);
    let challengeReply: RawReply;
    try {
      challengeReply = await send(connection, url, { ...request, headers: { ...request.headers, Authorization: negotiate }, body: Buffer.alloc(0) });
      await drain(challengeReply.message);
    } catch (error) {
      // The Negotiate message carries no body, so the server has not seen the request: even a CreateItem may go again.
      throw new NtlmNotSentError(error);
    }
    const challenge = readChallenge(challengeReply, options.ewsUrl);

    // NOTE: @ewsjs/ntlm-client draws the client challenge from Math.random and sends no MIC or channel binding, so
    // servers that require Extended Protection reject this logon.
    const authenticate = ntlm.createType3Message(challenge, identity.user, identity.password, identity.workstation, identity.domain);
    const reply = await send(connection, url, { ...request, headers: { ...request.headers, Authorization: authenticate } });
    if (reply.socket !== challengeReply.socket && reply.status === 401) {
      await drain(reply.message);
      throw new ConnectorError({
        kind: 'retryLater',
        code: 'NtlmConnectionClosed',
        message: `Exchange at ${options.ewsUrl} closed the connection between the NTLM challenge and the Authenticate message, so the logon failed. NTLM needs keep-alive connections: check that no proxy or load balancer between Syncline and Exchange closes them. The request is repeated later`,
      });
    }
    // A 401 here is the server rejecting the credentials; EwsClient suspends the mailbox for it.
    connection.loggedOn = reply.status === 401 ? null : reply.socket;
    return reply;
  };

  const exchange = async (connection: Connection, url: URL, request: Outgoing): Promise<RawReply> => {
    if (isLoggedOn(connection)) {
      const reply = await send(connection, url, request);
      if (reply.status !== 401) {
        return reply;
      }
      // The socket closed while idle and the agent opened a new one, which the server has not seen a logon on.
      await drain(reply.message);
      options.logger.debug({ handshakes }, 'EWS NTLM connection lost its logon; logging on again');
    }
    connection.loggedOn = null;
    return handshake(connection, url, request);
  };

  const ntlmFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const request: Outgoing = {
      method: init?.method ?? 'GET',
      headers: plainHeaders(init?.headers),
      body: Buffer.from(typeof init?.body === 'string' ? init.body : ''),
      signal: init?.signal ?? undefined,
    };
    const connection = acquire();
    let reply: RawReply;
    try {
      reply = await exchange(connection, url, request);
    } catch (error) {
      connection.busy = false;
      throw error;
    }
    // The connection is free again once the caller has read or dropped the body (a stream may stay open for minutes).
    reply.message.once('close', () => {
      connection.busy = false;
    });
    return toResponse(reply);
  };

  return {
    fetch: ntlmFetch as typeof fetch,
    get handshakes() {
      return handshakes;
    },
    close: () => {
      for (const connection of pool.splice(0)) {
        connection.agent.destroy();
      }
    },
  };
}

function isLoggedOn(connection: Connection): boolean {
  return connection.loggedOn !== null && !connection.loggedOn.destroyed;
}

/** Return the type 2 message of the response to Negotiate, or throw the failure that explains why there is none. */
function readChallenge(reply: RawReply, ewsUrl: string): Type2Message {
  const offered = headerValues(reply.message.headers['www-authenticate']);
  const token = offered.map((value) => /^NTLM\s+([A-Za-z0-9+/=]+)$/i.exec(value.trim())?.[1]).find((value) => value !== undefined);
  if (reply.status !== 401 || token === undefined) {
    const schemes = offered.map((value) => value.trim().split(/\s/)[0]).filter((value) => value !== undefined && value !== '');
    if (reply.status === 401) {
      throw new ConnectorError({
        kind: 'suspend',
        code: 'NtlmNotOffered',
        message: `Exchange at ${ewsUrl} does not offer NTLM (it offers ${schemes.length === 0 ? 'no scheme' : schemes.join(', ')}), so the mailbox is suspended. Enable Windows Authentication on the EWS virtual directory, or set ews.auth.kind to a scheme the server offers, then run "syncline resume" for the mailbox`,
      });
    }
    throw new ConnectorError({
      kind: 'bug',
      code: 'NtlmNoChallenge',
      message: `Exchange at ${ewsUrl} responded to the NTLM Negotiate message with HTTP ${reply.status} instead of 401 with a challenge. Check that ews.url is the EWS endpoint (…/EWS/Exchange.asmx) and that no proxy in between handles authentication`,
    });
  }

  let challenge: Type2Message;
  try {
    challenge = ntlm.decodeType2Message(token);
  } catch (error) {
    throw new ConnectorError({ kind: 'bug', code: 'NtlmBadChallenge', message: `Exchange at ${ewsUrl} sent an NTLM challenge that cannot be read (${error instanceof Error ? error.message : String(error)}). Report this with the server's Exchange version` });
  }
  if (challenge.targetInfo === undefined) {
    // Without target information only the NTLMv1 response is possible, which Syncline does not send: it is crackable offline.
    throw new ConnectorError({
      kind: 'suspend',
      code: 'NtlmV2Unavailable',
      message: `Exchange at ${ewsUrl} offers only NTLMv1, which Syncline does not use, so the mailbox is suspended. Set the server's LAN Manager authentication level (LmCompatibilityLevel) to accept NTLMv2, or use ews.auth.kind "basic" over HTTPS, then run "syncline resume" for the mailbox`,
    });
  }
  challenge.version = 2;
  return challenge;
}

function send(connection: Connection, url: URL, request: Outgoing): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, {
      method: request.method,
      headers: { ...request.headers, 'Content-Length': String(request.body.length) },
      agent: connection.agent,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    outgoing.once('response', (message) => resolve({ status: message.statusCode ?? 0, message, socket: message.socket as Socket }));
    outgoing.once('error', reject);
    outgoing.end(request.body);
  });
}

/**
 * Read a body to its end, so the agent can reuse the socket for the next message of the handshake. An empty body
 * must be read too: the agent frees the socket on the stream's end, not when the parser has seen the last byte.
 */
function drain(message: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (message.readableEnded || message.destroyed) {
      resolve();
      return;
    }
    message.once('end', resolve);
    message.once('close', resolve);
    message.resume();
  });
}

function toResponse(reply: RawReply): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(reply.message.headers)) {
    if (value === undefined) {
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      headers.append(name, item);
    }
  }
  const noBody = reply.status === 204 || reply.status === 205 || reply.status === 304;
  if (noBody) {
    reply.message.resume();
  }
  return new Response(noBody ? null : (Readable.toWeb(reply.message) as ReadableStream<Uint8Array>), { status: reply.status, headers });
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  // Node joins repeated WWW-Authenticate headers with ", ", so each scheme name starts a new value.
  const joined = Array.isArray(value) ? value.join(', ') : value;
  return joined.split(/,\s*(?=(?:NTLM|Negotiate|Basic|Bearer|Digest|Kerberos)\b)/i);
}

function plainHeaders(headers: RequestInit['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    // The logon belongs to the connection, and a stray Authorization header would start another scheme.
    if (name !== 'authorization') result[name] = value;
  });
  return result;
}
