import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../observability/logger.ts';
import { createGraphEventSource } from './create-graph-event-source.ts';
import { startFakeGraph, type FakeGraph } from './fake-graph.test-support.ts';

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Graph requests', () => {
  it('keeps at most maxConcurrency requests in flight', async () => {
    let running = 0;
    let peak = 0;
    fake = await startFakeGraph((app) => {
      app.post('/v1.0/$batch', async (request) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        const requests = (request.body as { requests: Array<{ id: string }> }).requests;
        return { responses: requests.map((inner) => ({ id: inner.id, status: 204 })) };
      });
    });
    const source = fake.source({ maxConcurrency: 2 });
    const writes = Array.from({ length: 100 }, (_, index) => ({ op: 'delete' as const, ref: `d${index}`, id: `e-${index}` }));

    const results = await source.applyWrites(writes);

    expect(results).toHaveLength(100);
    expect(source.calls).toBe(5);
    expect(peak).toBe(2);
  });

  it('gives up on a 503 after the last attempt with retryLater', async () => {
    const waits: number[] = [];
    fake = await startFakeGraph((app) => {
      app.get('/v1.0/users/:user/calendarView/delta', async (_request, reply) => reply.code(503).send({ error: { code: 'ServiceUnavailable' } }));
    });
    const source = fake.source({ sleep: async (ms) => void waits.push(ms) });

    await expect(source.pullChanges(null, { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' })).rejects.toMatchObject({
      failure: { kind: 'retryLater', code: 'ServiceUnavailable' },
    });
    expect(source.calls).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it('reports connection refused as retryLater', async () => {
    fake = await startFakeGraph(() => undefined);
    const source = fake.source({ fetch: async (input, init) => (String(input).includes('/token') ? fetch(input, init) : Promise.reject(new TypeError('fetch failed'))) });

    await expect(source.readItems(['e-1'])).rejects.toMatchObject({ failure: { kind: 'retryLater', code: 'NetworkError' } });
  });

  it('names URL, cause and graphBaseUrl when unreachable', async () => {
    fake = await startFakeGraph(() => undefined);
    const unreachable = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND graph.example.test'), { code: 'ENOTFOUND' }) });
    const source = fake.source({ fetch: async (input, init) => (String(input).includes('/token') ? fetch(input, init) : Promise.reject(unreachable)) });

    const error = await source.pullChanges(null, { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }).catch((caught: unknown) => caught);
    const message = (error as Error).message;

    expect(message).toContain(`no response from Microsoft Graph at ${fake.baseUrl}/users/{mailbox}/calendarView/delta (ENOTFOUND, host name not found in DNS)`);
    expect(message).toContain("check the org's graph.graphBaseUrl");
    expect(message).not.toContain('startDateTime');
  });

  it('rejects a mailbox zone it does not know', () => {
    const options = {
      graphBaseUrl: 'http://127.0.0.1:9/v1.0',
      tokenUrl: 'http://127.0.0.1:9/token',
      clientId: 'c',
      clientSecret: 's',
      userId: 'u',
      mailboxTimeZone: 'Mars/Olympus',
      logger: createSilentLogger(),
    };

    expect(() => createGraphEventSource(options)).toThrow('mailboxTimeZone "Mars/Olympus" is not a known zone');
  });
});
