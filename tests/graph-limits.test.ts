import { afterEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulatorOptions, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createGraphEventSource, type GraphConnectorOptions } from '../src/mailbox/graph/index.ts';
import { createGraphSubscriptionClient } from '../src/mailbox/graph/subscriptions.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { GRAPH_WEBHOOK_PATH, graphNotificationRoutes } from '../src/server/webhooks/graph-notifications.ts';
import { timedSeed } from './support/graph-seeds.ts';

const CLIENT = { tenantId: 'contoso', clientId: 'limits-app', clientSecret: 'limits-secret' };
const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };
const ADDRESS = 'rhea@contoso.example';

let emulator: RunningGraphEmulator;
let webhook: RunningServer | null = null;

async function start(options: GraphEmulatorOptions = {}, events = 0): Promise<void> {
  emulator = await startGraphEmulator({ clients: [CLIENT], users: [{ userPrincipalName: ADDRESS, displayName: 'Rhea', mailboxTimeZone: 'Europe/Berlin' }], ...options });
  if (events > 0) {
    const seeds = Array.from({ length: events }, (_, index) => timedSeed(`Meeting ${index}`, `2026-05-${String((index % 28) + 1).padStart(2, '0')}`, '09:00', '10:00'));
    await admin('POST', `/users/${ADDRESS}/seed`, { events: seeds });
  }
}

afterEach(async () => {
  await webhook?.close();
  webhook = null;
  await emulator.close();
});

async function admin(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}/_admin${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`admin ${method} ${route} failed with ${response.status}: ${text}`);
  }
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** Connection options of the mailbox; `host` picks the emulator's address, which is part of the limits' key. */
function options(overrides: Partial<GraphConnectorOptions> = {}, host = '127.0.0.1'): GraphConnectorOptions {
  const origin = emulator.url.replace('127.0.0.1', host);
  return {
    graphBaseUrl: `${origin}/v1.0`,
    tokenUrl: `${origin}/${CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    userId: ADDRESS,
    mailboxTimeZone: 'Europe/Berlin',
    logger: createSilentLogger(),
    ...overrides,
  };
}

async function eventIds(): Promise<string[]> {
  const listing = (await admin('GET', `/users/${ADDRESS}/events`)) as { value: { id: string }[] };
  return listing.value.map((event) => event.id);
}

async function throttled(): Promise<number> {
  return (await admin('GET', '/stats')).throttled as number;
}

describe('graph mailbox limits', () => {
  it('sources of one mailbox share four slots', async () => {
    await start({}, 120);
    await admin('POST', '/faults', { faults: [{ type: 'latency', ms: 15 }] });
    const ids = await eventIds();
    const events = createGraphEventSource(options());
    const sameMailbox = createGraphEventSource(options());

    const [first, second] = await Promise.all([events.readItems(ids), sameMailbox.readItems(ids)]);

    expect(first.size).toBe(120);
    expect(second.size).toBe(120);
    expect(await throttled()).toBe(0);
  }, 30_000);

  it('unshared limits overrun the mailbox', async () => {
    await start({}, 120);
    await admin('POST', '/faults', { faults: [{ type: 'latency', ms: 15 }] });
    const ids = await eventIds();
    // Another host name for the same emulator gives the second source limits of its own, as a second process would have.
    const events = createGraphEventSource(options());
    const separate = createGraphEventSource(options({}, 'localhost'));

    await Promise.all([events.readItems(ids), separate.readItems(ids)]);

    expect(await throttled()).toBeGreaterThan(0);
  }, 30_000);

  it('a 429 holds back the other sources', async () => {
    await start({}, 3);
    const [id = ''] = await eventIds();
    await admin('POST', '/faults', { faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 0.6, pathPattern: 'calendarView/delta$' }] });
    const other = createGraphEventSource(options());
    let otherWaitMs: Promise<number> | null = null;
    // The first source sleeps out its 429; the other one starts a request at that moment.
    const throttled = createGraphEventSource(
      options({
        sleep: (ms) => {
          otherWaitMs ??= (async () => {
            const started = Date.now();
            await other.readItems([id]);
            return Date.now() - started;
          })();
          return new Promise((resolve) => setTimeout(resolve, ms));
        },
      }),
    );

    await throttled.pullChanges(null, WINDOW);

    expect(otherWaitMs).not.toBeNull();
    expect(await otherWaitMs).toBeGreaterThanOrEqual(500);
  }, 30_000);

  it('request window keeps under the server limit', async () => {
    const limit = { requests: 20, windowMs: 1_000 };
    await start({ mailboxRequestLimit: limit }, 45);
    const source = createGraphEventSource(options({ pageSize: 1, requestWindow: { maxRequests: limit.requests, windowMs: limit.windowMs } }));
    const started = Date.now();

    const result = await source.pullChanges(null, WINDOW);

    expect(result.changes).toHaveLength(45);
    // One page per event, the last one with the delta link.
    expect(source.calls).toBe(45);
    expect(await throttled()).toBe(0);
    // 45 requests at 20 per second wait out two full windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  }, 30_000);

  it('without the window the server throttles', async () => {
    // A window long enough that even a slow machine sends the 11th request inside it.
    await start({ mailboxRequestLimit: { requests: 10, windowMs: 5_000 } }, 15);
    const source = createGraphEventSource(options({ pageSize: 1 }));

    const result = await source.pullChanges(null, WINDOW);

    expect(result.changes).toHaveLength(15);
    expect(await throttled()).toBeGreaterThan(0);
  }, 30_000);

  it('every request prefers immutable ids', async () => {
    await start({}, 3);
    const seen: { url: string; prefer: string | null }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const url = String(input);
      const headers = new Headers(init?.headers);
      if (!url.includes('/oauth2/')) {
        seen.push({ url, prefer: headers.get('prefer') });
        const body = typeof init?.body === 'string' && url.endsWith('/$batch') ? (JSON.parse(init.body) as { requests: { url: string; headers: Record<string, string> }[] }) : null;
        body?.requests.forEach((inner) => seen.push({ url: `$batch ${inner.url}`, prefer: inner.headers.Prefer ?? null }));
      }
      return fetch(input, init);
    };
    webhook = await createServer({
      logger: createSilentLogger(),
      routes: [graphNotificationRoutes({ lookupSubscription: async () => null, triggers: new Set(), requestSession: () => undefined, onLifecycle: () => undefined, logger: createSilentLogger() })],
    }).listen(0, '127.0.0.1');
    const source = createGraphEventSource(options({ fetch: recording }));
    const subscriptions = createGraphSubscriptionClient(options({ fetch: recording }));

    const pulled = await source.pullChanges(null, WINDOW);
    await source.readItems(pulled.changes.map((change) => change.id));
    await source.applyWrites([{ op: 'delete', ref: 'd', id: pulled.changes[0]?.id ?? '' }]);
    await subscriptions.create({
      resource: 'events',
      changeTypes: ['created'],
      notificationUrl: `${webhook.url}${GRAPH_WEBHOOK_PATH}`,
      lifecycleNotificationUrl: `${webhook.url}${GRAPH_WEBHOOK_PATH}`,
      clientState: 'state',
      expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
    });

    expect(seen.some((request) => request.url.endsWith('/subscriptions'))).toBe(true);
    expect(seen.some((request) => request.url.startsWith('$batch'))).toBe(true);
    for (const request of seen) {
      expect(request.prefer, request.url).toContain('IdType="ImmutableId"');
    }
  }, 30_000);
});
