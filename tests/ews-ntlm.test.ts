import ntlm from '@ewsjs/ntlm-client';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';
import { ConnectorError } from '../src/domain/errors.ts';
import { ntlmIdentity } from '../src/mailbox/ews/auth/ntlm-transport.ts';
import { createMailboxShared, createSourceContext } from '../src/mailbox/ews/create-ews-client.ts';
import type { EwsAuth, EwsConnectorOptions } from '../src/mailbox/ews/ews-options.ts';
import { createEwsConnector, subscribeEws, type EwsChange } from '../src/mailbox/ews/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { event as plannerEvent } from './support/planner-fixtures.ts';

/** NTLM against the EWS emulator: the handshake, its reuse per connection, and the server's check of the response. */

const MAILBOX = 'kim.ntlm@contoso.example';
const DOMAIN_ACCOUNT = { username: 'CONTOSO\\svc-ntlm', password: 'Ntlm-päss-word-42', canImpersonate: true };
const UPN_ACCOUNT = { username: 'upn-svc@contoso.example', password: 'upn-secret-17', canImpersonate: true };
const GET_FOLDER = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>';

interface Stats {
  requests: number;
  maxInFlight: number;
  ntlmHandshakes: number;
  ntlmLogons: number;
  ntlmRejected: number;
}

let ews: RunningEwsEmulator;
const closers: (() => void)[] = [];

beforeAll(async () => {
  ews = await startEwsEmulator({ accounts: [DOMAIN_ACCOUNT, UPN_ACCOUNT], ntlm: { domain: 'CONTOSO' }, users: [{ smtp: MAILBOX, displayName: 'Kim', timeZone: 'Europe/Berlin' }], streamMinuteMs: 200 });
});

afterAll(async () => {
  for (const close of closers) close();
  await ews?.close();
});

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${ews.url}/_admin${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(response.ok, `${method} ${path}`).toBe(true);
  return (response.status === 204 ? null : await response.json()) as T;
}

async function freshStats(): Promise<void> {
  await admin('POST', '/stats/reset');
}

function ntlmClient(auth: EwsAuth, overrides: Partial<EwsConnectorOptions> = {}, url = `${ews.url}/EWS/Exchange.asmx`) {
  const options: EwsConnectorOptions = { ewsUrl: url, auth, mailboxAddress: MAILBOX, mailboxTimeZone: 'Europe/Berlin', logger: createSilentLogger(), sleep: () => Promise.resolve(), ...overrides };
  const shared = createMailboxShared(options);
  const transport = shared.credentials.transport;
  if (transport === undefined) throw new Error('an NTLM configuration must give a transport');
  closers.push(() => transport.close());
  const ctx = createSourceContext(options, 'ntlm-test', shared);
  return { client: ctx.client, transport, getFolder: () => ctx.client.call({ body: GET_FOLDER, idempotent: true, label: 'GetFolder' }) };
}

const domainAuth = (password = DOMAIN_ACCOUNT.password): EwsAuth => ({ kind: 'ntlm', username: DOMAIN_ACCOUNT.username, password });

describe('NTLM client against the EWS emulator', () => {
  it('one handshake serves many requests', async () => {
    await freshStats();
    const { getFolder, transport } = ntlmClient(domainAuth(), { maxConcurrency: 1 });

    for (let index = 0; index < 6; index += 1) {
      const reply = await getFolder();
      expect(reply.messages[0]?.responseClass).toBe('Success');
    }

    const stats = await admin<Stats>('GET', '/stats');
    expect(stats.ntlmHandshakes).toBe(1);
    expect(stats.ntlmLogons).toBe(1);
    expect(stats.ntlmRejected).toBe(0);
    // The Negotiate message, then six requests: the first carries Authenticate, the rest nothing.
    expect(stats.requests).toBe(7);
    expect(transport.handshakes).toBe(1);
  });

  it('UPN logs on without domain', async () => {
    await freshStats();
    const { getFolder } = ntlmClient({ kind: 'ntlm', username: UPN_ACCOUNT.username, password: UPN_ACCOUNT.password });

    const reply = await getFolder();

    expect(reply.messages[0]?.responseClass).toBe('Success');
    expect((await admin<Stats>('GET', '/stats')).ntlmLogons).toBe(1);
  });

  it('closed connection logs on again', async () => {
    await freshStats();
    const { getFolder, transport } = ntlmClient(domainAuth(), { maxConcurrency: 1 });
    await getFolder();
    await getFolder();

    ews.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reply = await getFolder();
    await getFolder();

    expect(reply.messages[0]?.responseClass).toBe('Success');
    const stats = await admin<Stats>('GET', '/stats');
    expect(stats.ntlmHandshakes).toBe(2);
    expect(stats.ntlmLogons).toBe(2);
    expect(transport.handshakes).toBe(2);
  });

  it('retries write reset at Negotiate', async () => {
    /** Reset the connection (nothing forwarded) at the first message carrying this NTLM message type. */
    const resetProxy = async (messageType: string) => {
      const target = new URL(ews.url);
      let resets = 1;
      const proxy = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        client.on('data', (chunk: Buffer) => {
          if (resets > 0 && chunk.toString('latin1').includes(`Authorization: NTLM ${messageType}`)) {
            resets -= 1;
            client.resetAndDestroy();
            upstream.destroy();
            return;
          }
          upstream.write(chunk);
        });
        upstream.on('data', (chunk) => client.write(chunk));
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.on('error', () => undefined);
        upstream.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      closers.push(() => proxy.close());
      return `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/EWS/Exchange.asmx`;
    };
    // "NTLMSSP\0" with type 1 (Negotiate) or type 3 (Authenticate), in base64.
    const negotiate = 'TlRMTVNTUAABAAAA';
    const authenticate = 'TlRMTVNTUAADAAAA';
    // A request sent with idempotent false, as CreateItem is.
    const once = (client: ReturnType<typeof ntlmClient>['client']) => client.call({ body: GET_FOLDER, idempotent: false, label: 'GetFolder' });

    const beforeBody = ntlmClient(domainAuth(), { maxConcurrency: 1 }, await resetProxy(negotiate));
    const reply = await once(beforeBody.client);
    expect(reply.messages[0]?.responseClass).toBe('Success');
    expect(beforeBody.client.retries).toBe(1);

    // Reset with the request itself: the server may have acted on it, so it is not sent again.
    const withBody = ntlmClient(domainAuth(), { maxConcurrency: 1 }, await resetProxy(authenticate));
    const error = await once(withBody.client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failure.code).toBe('NetworkError');
    expect(withBody.client.retries).toBe(0);
  });

  it('parallel requests bounded by maxConcurrency', async () => {
    await freshStats();
    await admin('POST', '/faults', { faults: [{ type: 'latency', ms: 40 }] });
    try {
      const { getFolder } = ntlmClient(domainAuth(), { maxConcurrency: 3 });

      const first = await Promise.all(Array.from({ length: 12 }, () => getFolder()));
      const afterFirst = await admin<Stats>('GET', '/stats');
      const second = await Promise.all(Array.from({ length: 12 }, () => getFolder()));
      const afterSecond = await admin<Stats>('GET', '/stats');

      expect([...first, ...second].every((reply) => reply.messages[0]?.responseClass === 'Success')).toBe(true);
      expect(afterFirst.ntlmHandshakes).toBeGreaterThanOrEqual(2);
      expect(afterFirst.ntlmHandshakes).toBeLessThanOrEqual(3);
      expect(afterSecond.ntlmHandshakes).toBe(afterFirst.ntlmHandshakes);
      expect(afterSecond.maxInFlight).toBeLessThanOrEqual(3);
    } finally {
      await admin('DELETE', '/faults');
    }
  });

  it('wrong password suspends with fix', async () => {
    await freshStats();
    const { getFolder } = ntlmClient(domainAuth('not-the-password'));

    const error = await getFolder().then(
      () => null,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ConnectorError);
    const failure = (error as ConnectorError).failure;
    expect(failure.kind).toBe('suspend');
    expect(failure.message).toContain('rejected the NTLM logon');
    expect(failure.message).toContain('ews.auth.username');
    expect(failure.message).toContain('SYNCLINE_<ORG>_EWS_PASSWORD');
    expect(failure.message).toContain('syncline resume');
    const stats = await admin<Stats>('GET', '/stats');
    expect(stats.ntlmRejected).toBe(1);
    expect(stats.ntlmLogons).toBe(0);
  });

  it('server without NTLM suspends', async () => {
    const basicOnly = await startEwsEmulator({ accounts: [DOMAIN_ACCOUNT], users: [{ smtp: MAILBOX, displayName: 'Kim', timeZone: 'Europe/Berlin' }] });
    try {
      const { getFolder } = ntlmClient(domainAuth(), {}, `${basicOnly.url}/EWS/Exchange.asmx`);

      const error = (await getFolder().catch((caught: unknown) => caught)) as ConnectorError;

      expect(error.failure.kind).toBe('suspend');
      expect(error.failure.code).toBe('NtlmNotOffered');
      expect(error.failure.message).toMatch(/does not offer NTLM \(it offers Basic, Bearer\)/);
    } finally {
      await basicOnly.close();
    }
  });
});

/** Send one request of a raw handshake on the socket of `agent` (one socket per agent). */
function post(agent: http.Agent, authorization: string | null, body = ''): Promise<{ status: number; authenticate: string | string[] | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${ews.url}/EWS/Exchange.asmx`);
    const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) };
    if (authorization !== null) headers.Authorization = authorization;
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, authenticate: response.headers['www-authenticate'] }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function envelope(): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${MAILBOX}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header><soap:Body>${GET_FOLDER}</soap:Body></soap:Envelope>`;
}

async function challenge(agent: http.Agent): Promise<ReturnType<typeof ntlm.decodeType2Message>> {
  const reply = await post(agent, ntlm.createType1Message('TESTHOST', 'CONTOSO'));
  expect(reply.status).toBe(401);
  const header = String(reply.authenticate);
  expect(header).toMatch(/^NTLM [A-Za-z0-9+/=]+$/);
  return ntlm.decodeType2Message(header);
}

function authenticate(type2: ReturnType<typeof ntlm.decodeType2Message>, password = DOMAIN_ACCOUNT.password): string {
  return ntlm.createType3Message({ ...type2, version: 2 }, 'svc-ntlm', password, 'TESTHOST', 'CONTOSO');
}

describe('NTLM with streaming notifications', () => {
  it('stream and requests share the pool', async () => {
    await freshStats();
    const options: EwsConnectorOptions = { ewsUrl: `${ews.url}/EWS/Exchange.asmx`, auth: domainAuth(), mailboxAddress: MAILBOX, mailboxTimeZone: 'Europe/Berlin', logger: createSilentLogger() };
    const changes: EwsChange[] = [];
    const subscription = await subscribeEws({ ...options, connectionTimeoutMinutes: 1 }, (change) => changes.push(change));
    const connector = createEwsConnector(options);
    const until = async (check: () => boolean): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('no notification in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const span = (hour: number) => ({ kind: 'timed' as const, start: `2026-05-04T${hour}:00:00.000Z`, end: `2026-05-04T${hour}:30:00.000Z`, timeZone: 'Europe/Berlin' });

    try {
      expect(subscription.mode).toBe('streaming');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await connector.events.applyWrites([{ op: 'create', ref: 'a', syncId: 'ntlm-stream-1', item: plannerEvent({ subject: 'Stream one', span: span(10), location: null, body: null }) }]);
      await until(() => changes.some((change) => change.folder === 'calendar' && change.changeType === 'created'));
      // Streams last 200 ms per ConnectionTimeout minute here, so this write arrives on a reopened stream.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const before = changes.length;
      await connector.events.applyWrites([{ op: 'create', ref: 'b', syncId: 'ntlm-stream-2', item: plannerEvent({ subject: 'Stream two', span: span(12), location: null, body: null }) }]);
      await until(() => changes.length > before);
    } finally {
      await subscription.close();
    }
    const stats = await admin<Stats>('GET', '/stats');
    expect(stats.ntlmRejected).toBe(0);
    expect(stats.ntlmLogons).toBeGreaterThanOrEqual(2);
  });
});

describe('NTLM in the EWS emulator', () => {
  const agents: http.Agent[] = [];
  const agent = (): http.Agent => {
    const created = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(created);
    return created;
  };
  afterAll(() => agents.forEach((created) => created.destroy()));

  it('offers NTLM on a 401 and challenges with extended session security and target information', async () => {
    const first = await post(agent(), null, envelope());
    expect(first.status).toBe(401);
    expect(first.authenticate).toContain('NTLM');

    const type2 = await challenge(agent());
    expect(type2.challenge).toHaveLength(8);
    expect(type2.version).toBe(2);
    expect(type2.targetName).toBe('CONTOSO');
    expect(type2.targetInfo?.parsed).toMatchObject({ DOMAIN: 'CONTOSO', SERVER: 'EXCH01' });
    const again = await challenge(agent());
    expect(again.challenge.equals(type2.challenge)).toBe(false);
  });

  it('accepts a correct response, and the connection stays logged on without a header', async () => {
    const connection = agent();
    const type2 = await challenge(connection);

    expect((await post(connection, authenticate(type2), envelope())).status).toBe(200);
    expect((await post(connection, null, envelope())).status).toBe(200);
    // Another connection has no logon.
    expect((await post(agent(), null, envelope())).status).toBe(401);
  });

  it('refuses a response with one changed byte', async () => {
    await freshStats();
    const connection = agent();
    const type2 = await challenge(connection);
    const message = Buffer.from(authenticate(type2).slice(5), 'base64');
    // The NT response's security buffer (offset at byte 24) points at the HMAC that proves the password.
    const proofAt = message.readUInt32LE(24);
    message[proofAt + 3] = (message[proofAt + 3] ?? 0) ^ 0x01;

    expect((await post(connection, `NTLM ${message.toString('base64')}`, envelope())).status).toBe(401);
    expect((await post(connection, null, envelope())).status).toBe(401);
    expect((await admin<Stats>('GET', '/stats')).ntlmRejected).toBe(1);
  });

  it('refuses a wrong password, and an answer taken to another connection', async () => {
    const first = agent();
    const wrong = await challenge(first);
    expect((await post(first, authenticate(wrong, 'guessed'), envelope())).status).toBe(401);

    const victim = agent();
    const stolen = authenticate(await challenge(victim));
    const attacker = agent();
    await challenge(attacker);
    expect((await post(attacker, stolen, envelope())).status).toBe(401);
    // Without any challenge on the connection, an Authenticate message is refused too.
    expect((await post(agent(), stolen, envelope())).status).toBe(401);
  });

  it('refuses an NTLMv1 response', async () => {
    const connection = agent();
    const type2 = await challenge(connection);
    // An NTLMv1 response is 24 bytes: cut the NT response to that length (the library's own NTLMv1 path cannot run on Node 20).
    const message = Buffer.from(authenticate(type2).slice(5), 'base64');
    message.writeUInt16LE(24, 20);
    message.writeUInt16LE(24, 22);

    expect((await post(connection, `NTLM ${message.toString('base64')}`, envelope())).status).toBe(401);
  });
});

describe('NTLM account names', () => {
  it('splits DOMAIN\\user and keeps a user principal name whole', () => {
    expect(ntlmIdentity({ kind: 'ntlm', username: 'CONTOSO\\svc', password: 'p' })).toMatchObject({ user: 'svc', domain: 'CONTOSO' });
    expect(ntlmIdentity({ kind: 'ntlm', username: 'svc@contoso.com', password: 'p' })).toMatchObject({ user: 'svc@contoso.com', domain: '' });
    expect(ntlmIdentity({ kind: 'ntlm', username: 'svc', password: 'p', domain: 'CONTOSO', workstation: 'SYNC01' })).toMatchObject({ user: 'svc', domain: 'CONTOSO', workstation: 'SYNC01' });
  });

  it('names the value and the fix for what NTLM cannot carry', () => {
    expect(() => ntlmIdentity({ kind: 'ntlm', username: 'CONTOSO\\svc', password: 'p', domain: 'FABRIKAM' })).toThrow(/ews\.auth\.username "CONTOSO\\svc" names the domain CONTOSO but ews\.auth\.domain is "FABRIKAM"/);
    expect(() => ntlmIdentity({ kind: 'ntlm', username: 'CONTOSO\\', password: 'p' })).toThrow(/ews\.auth\.username "CONTOSO\\" is incomplete/);
    expect(() => ntlmIdentity({ kind: 'ntlm', username: 'jürgen@contoso.com', password: 'p' })).toThrow(/ews\.auth\.username "jürgen@contoso\.com" has characters outside ASCII/);
  });
});
