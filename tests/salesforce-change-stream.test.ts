import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeBatch, ChangeNotice, ChangeStream } from '../src/domain/change-stream.ts';
import { isConnectorError, type Failure } from '../src/domain/errors.ts';
import { createSalesforceChangeStream, type ChangeStreamOptions } from '../src/crm/salesforce/change-stream/change-stream.ts';
import { createTokenSource, type TokenSource } from '../src/crm/salesforce/change-stream/token-source.ts';
import { SalesforceRestClient } from '../src/crm/salesforce/rest-client.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';

const CLIENT = { clientId: 'stream-test', clientSecret: 'stream-test-secret', refreshTokens: ['stream-test-refresh'] };
const AUTH = { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'stream-test-refresh' } as const;
const ORG = 'org-1';
const CHANNEL = '/data/EventChangeEvent';
const V = '/services/data/v62.0';

let emulator: RunningSalesforceEmulator;
let store: SynclineStore;

beforeAll(async () => {
  emulator = await startSalesforceEmulator({ clients: [CLIENT] });
  store = await openStore({ kind: 'sqlite', path: ':memory:' }, createSilentLogger());
  await store.upsertOrg({ id: ORG, name: 'Contoso' });
});

afterAll(async () => {
  await store.close();
  await emulator.close();
});

/** Collects what a stream hands over and lets a test wait until a condition holds. */
class Received {
  readonly batches: ChangeBatch[] = [];
  failNext = 0;

  readonly handler = async (batch: ChangeBatch): Promise<void> => {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('handler refused the batch');
    }
    this.batches.push(batch);
  };

  get notices(): ChangeNotice[] {
    return this.batches.flatMap((batch) => [...batch.notices]);
  }

  idsOf(kind: 'change' | 'reread' = 'change'): string[] {
    return this.notices.flatMap((notice) => (notice.kind === kind ? [...(notice.recordIds ?? [])] : []));
  }

  async until(condition: (notices: ChangeNotice[]) => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.notices)) {
      if (Date.now() > deadline) throw new Error(`condition not met; received ${JSON.stringify(this.notices)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path} failed with ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** Creates an Event the way a Salesforce user's app would: a REST call without Syncline's client name. */
async function createAsUser(subject: string): Promise<string> {
  const token = await createTokenSource(fetch, emulator.url, AUTH).token();
  const response = await fetch(`${token.instanceUrl}${V}/sobjects/Event`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Subject: subject, StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z' }),
  });
  return ((await response.json()) as { id: string }).id;
}

describe('salesforce change stream', () => {
  let streams: ChangeStream[] = [];
  let tokens: TokenSource;

  const open = (received: Received, overrides: Partial<ChangeStreamOptions> = {}): ChangeStream => {
    const stream = createSalesforceChangeStream({
      orgId: ORG, channel: CHANNEL, apiVersion: '62.0', tokens, replayStore: store, logger: createSilentLogger(),
      onChanges: received.handler, backoff: { baseMs: 10, maxMs: 50 }, ...overrides,
    });
    streams.push(stream);
    return stream;
  };

  beforeEach(async () => {
    await admin('POST', 'reset');
    await admin('PUT', 'streaming/settings', { longPollTimeoutMs: 1_000, overflowThreshold: 100_000, gapNext: 0 });
    await store.truncateAll();
    await store.upsertOrg({ id: ORG, name: 'Contoso' });
    tokens = createTokenSource(fetch, emulator.url, AUTH);
  });

  afterEach(async () => {
    await Promise.all(streams.map((stream) => stream.stop()));
    streams = [];
  });

  it('delivers a new Event created through REST within a second', async () => {
    const received = new Received();
    await open(received).start();

    const started = Date.now();
    const id = await createAsUser('Pushed');
    await received.until((notices) => notices.length > 0, 1_000);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(received.notices).toEqual([expect.objectContaining({ kind: 'change', entityName: 'Event', changeType: 'CREATE', recordIds: [id], echo: false })]);
  });

  it('flags the engine own writes as echoes', async () => {
    const received = new Received();
    await open(received).start();
    const rest = new SalesforceRestClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger(), fetch });

    const created = await rest.request('POST', `${V}/sobjects/Event`, { Subject: 'Mine', StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z' });
    const userId = await createAsUser('Theirs');
    await received.until((notices) => notices.length === 2);

    const byId = new Map(received.notices.map((notice) => [notice.recordIds?.[0], notice]));
    expect(byId.get((created.body as { id: string }).id)).toMatchObject({ kind: 'change', echo: true });
    expect(byId.get(userId)).toMatchObject({ kind: 'change', echo: false });
  });

  it('restarted from the stored replay id gets exactly the missed events', async () => {
    const first = new Received();
    const stream = open(first);
    await stream.start();
    const seen = await createAsUser('seen');
    await first.until((notices) => notices.length === 1);
    await stream.stop();

    const missed = [await createAsUser('missed 1'), await createAsUser('missed 2')];
    const second = new Received();
    await open(second).start();
    await second.until((notices) => notices.length >= 2);
    const after = await createAsUser('after');
    await second.until((notices) => notices.length >= 3);

    expect(first.idsOf()).toEqual([seen]);
    expect(second.idsOf()).toEqual([...missed, after]);
  });

  it('falls back to a full re-read when the stored replay id is invalid', async () => {
    await createAsUser('old');
    const events = ((await admin('GET', 'streaming')) as { events: { event: { replayId: number } }[] }).events;
    await store.saveReplayId(ORG, CHANNEL, events[0]?.event.replayId ?? 0);
    await admin('POST', 'streaming/trim', { keepLast: 0 });

    const received = new Received();
    await open(received).start();
    const fresh = await createAsUser('fresh');
    await received.until((notices) => notices.length === 2);

    expect(received.notices[0]).toEqual({ kind: 'reread', entityName: 'Event', recordIds: null, reason: 'replayIdInvalid' });
    expect(received.idsOf()).toEqual([fresh]);
  });

  it('answers overflow and gap events with re-read notices', async () => {
    await admin('PUT', 'streaming/settings', { overflowThreshold: 1 });
    const received = new Received();
    await open(received).start();
    const rest = new SalesforceRestClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger(), fetch });
    const records = [1, 2, 3].map((n) => ({ attributes: { type: 'Event' }, Subject: `bulk ${n}`, StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z' }));
    await rest.request('POST', `${V}/composite/sobjects`, { allOrNone: false, records });
    await admin('POST', 'streaming/events', { entityName: 'Event', changeType: 'GAP_UPDATE', recordIds: ['00U000000000001AAA'] });
    await received.until((notices) => notices.length === 3);

    expect(received.notices.map((notice) => notice.kind)).toEqual(['change', 'reread', 'reread']);
    expect(received.notices[1]).toEqual({ kind: 'reread', entityName: 'Event', recordIds: null, reason: 'overflow' });
    expect(received.notices[2]).toEqual({ kind: 'reread', entityName: 'Event', recordIds: ['00U000000000001AAA'], reason: 'gap' });
  });

  it('saves the replay id only after the handler resolved', async () => {
    const received = new Received();
    received.failNext = 2;
    const storedDuring: (number | null)[] = [];
    await open(received, {
      onChanges: async (batch) => {
        storedDuring.push(await store.loadReplayId(ORG, CHANNEL));
        await received.handler(batch);
      },
    }).start();
    const id = await createAsUser('retried');
    await received.until((notices) => notices.length === 1);

    expect(received.idsOf()).toEqual([id]);
    expect(storedDuring).toEqual([null, null, null]);
    const events = ((await admin('GET', 'streaming')) as { events: { event: { replayId: number } }[] }).events;
    await expect.poll(() => store.loadReplayId(ORG, CHANNEL)).toBe(events.at(-1)?.event.replayId);
  });

  it('re-authenticates after token expiry and handshakes again after the server forgot it', async () => {
    const received = new Received();
    let invalidated = 0;
    let handshakes = 0;
    const counted: TokenSource = { token: () => tokens.token(), invalidate: () => { invalidated += 1; tokens.invalidate(); } };
    const countingFetch: typeof fetch = async (input, init) => {
      if (String(init?.body ?? '').includes('/meta/handshake')) handshakes += 1;
      return fetch(input, init);
    };
    await open(received, { tokens: counted, fetch: countingFetch }).start();

    await admin('POST', 'faults', { faults: [{ type: 'expireTokens' }] });
    const first = await createAsUser('after expiry');
    await received.until((notices) => notices.length === 1);
    await expect.poll(() => invalidated).toBe(1);
    await expect.poll(() => handshakes).toBe(2);
    await admin('POST', 'streaming/drop-clients');
    const second = await createAsUser('after restart');
    await received.until((notices) => notices.length === 2);

    expect(received.idsOf()).toEqual([first, second]);
    expect(handshakes).toBe(3);
  });

  it('stale replay id asks one re-read', async () => {
    await createAsUser('old');
    const events = ((await admin('GET', 'streaming')) as { events: { event: { replayId: number } }[] }).events;
    await store.saveReplayId(ORG, CHANNEL, events[0]?.event.replayId ?? 0);
    await admin('POST', 'streaming/trim', { keepLast: 0 });
    let handshakes = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      if (String(init?.body ?? '').includes('/meta/handshake')) handshakes += 1;
      return fetch(input, init);
    };

    const received = new Received();
    await open(received, { fetch: countingFetch }).start();
    await received.until((notices) => notices.length === 1);
    for (let drop = 1; drop <= 2; drop += 1) {
      await admin('POST', 'streaming/drop-clients');
      await expect.poll(() => handshakes).toBe(drop + 1);
    }
    const fresh = await createAsUser('fresh');
    await received.until((notices) => notices.some((notice) => notice.kind === 'change'));

    expect(received.notices.filter((notice) => notice.kind === 'reread')).toHaveLength(1);
    expect(received.idsOf()).toEqual([fresh]);
  });

  it('failure after start calls onFailure', async () => {
    const failures: Failure[] = [];
    await open(new Received(), { onFailure: (failure) => failures.push(failure) }).start();

    await admin('POST', 'faults', { faults: [{ type: 'revokeRefreshTokens' }, { type: 'expireTokens' }] });
    await admin('POST', 'streaming/drop-clients');
    await expect.poll(() => failures.length, { timeout: 4_000 }).toBe(1);

    expect(failures[0]).toMatchObject({ kind: 'suspend', code: 'invalid_grant' });
  });

  it('start rejects with suspend when the grant is revoked', async () => {
    await admin('POST', 'faults', { faults: [{ type: 'revokeRefreshTokens' }] });
    const error = await open(new Received()).start().then(() => null, (caught: unknown) => caught);
    expect(isConnectorError(error, 'suspend')).toBe(true);
  });
});
