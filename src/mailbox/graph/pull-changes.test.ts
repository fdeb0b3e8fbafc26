import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isConnectorError } from '../../domain/errors.ts';
import { corpusJson, relink, startFakeGraph, type FakeGraph } from './fake-graph.test-support.ts';

const WINDOW = { start: '2016-12-01T00:00:00.000Z', end: '2016-12-31T00:00:00.000Z' };
const PAGE_FILES: Record<string, string> = {
  R0usmcCM996atia_s: 'graph-calendarview-delta-page2-nextlink.json',
  R0usmci39OQxqJrxK4: 'graph-calendarview-delta-last-deltalink.json',
  R0usmcMDNGg0J1E: 'graph-calendarview-delta-removed.json',
};

interface Seen {
  readonly query: Record<string, string>;
  readonly headers: Record<string, unknown>;
}

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startDelta(extra: (token: string, reply: FastifyReply) => unknown = () => undefined): Promise<{ fake: FakeGraph; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await startFakeGraph((app) => {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as Record<string, string>;
      seen.push({ query, headers: request.headers });
      const token = query.$skiptoken ?? query.$deltatoken ?? 'initial';
      const answered = extra(token, reply);
      if (answered !== undefined) {
        return answered;
      }
      const file = token === 'initial' ? 'graph-calendarview-delta-page1-nextlink.json' : PAGE_FILES[token];
      return file ? relink(corpusJson(file), server.baseUrl) : reply.code(400).send({ error: { code: 'BadRequest' } });
    };
    app.get('/v1.0/users/:user/calendarView/delta', handler);
    app.get('/v1.0/me/calendarView/delta', handler);
  });
  fake = server;
  return { fake: server, seen };
}

describe('pullChanges', () => {
  it('full pull follows next links to the delta link', async () => {
    const { fake, seen } = await startDelta();
    const source = fake.source({ pageSize: 2 });

    const result = await source.pullChanges(null, WINDOW);

    expect(result.isFullListing).toBe(true);
    expect(result.nextCursor).toBe(`${fake.baseUrl}/me/calendarView/delta?$deltatoken=R0usmcMDNGg0J1E`);
    expect(result.changes.map((change) => [change.kind, change.id])).toEqual([
      ['upsert', 'AAMkADNVxRAAA='],
      ['upsert', 'AAMkADVxSAAA='],
      ['upsert', 'AAMkADVxTAAA='],
      ['upsert', 'AAMkADVxUAAA='],
      ['upsert', 'AAMkADj1HuAAA='],
    ]);
    expect(result.changes[4]).toMatchObject({ version: 'EZ9r3czxY0m2jz8c45czkwAALZu97g==', syncId: null, item: { subject: 'Rest!', location: 'Home' } });
    expect(source.calls).toBe(3);
    expect(seen[0]?.query).toEqual({ startDateTime: WINDOW.start, endDateTime: WINDOW.end });
  });

  it('sends the token and every preference in one Prefer header', async () => {
    const { fake, seen } = await startDelta();

    await fake.source({ pageSize: 2 }).pullChanges(null, WINDOW);

    expect(seen[0]?.headers.authorization).toBe('Bearer token-1');
    expect(seen[0]?.headers.prefer).toBe(
      'IdType="ImmutableId", outlook.timezone="UTC", outlook.body-content-type="text", odata.maxpagesize=2',
    );
    expect(fake.tokenRequests).toEqual([
      { grant_type: 'client_credentials', client_id: 'client-1', client_secret: 'secret-1', scope: 'https://graph.microsoft.com/.default' },
    ]);
  });

  it('incremental pull returns removed items as possible deletes', async () => {
    const { fake } = await startDelta();
    const source = fake.source();
    const full = await source.pullChanges(null, WINDOW);

    const next = await source.pullChanges(full.nextCursor, WINDOW);

    expect(next.isFullListing).toBe(false);
    expect(next.nextCursor).toBe(`${fake.baseUrl}/me/calendarView/delta?$deltatoken=R0usmcFuQtZdtpk4`);
    expect(next.changes).toHaveLength(2);
    expect(next.changes[0]).toEqual({ kind: 'delete', id: 'AAMkADk0MGFkODE3LWE4MmYtNDRhOS04OGQLkRkXbBznTvAADb6ytyAAA=', mayStillExist: true });
    expect(next.changes[1]).toMatchObject({ kind: 'upsert', id: 'AAMkADj1HvAAA=', item: { subject: 'Attend service' } });
  });

  it('keeps the last change of an id seen twice and skips series masters', async () => {
    const event = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      subject: id,
      start: { dateTime: '2016-12-10T10:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2016-12-10T11:00:00.0000000', timeZone: 'UTC' },
      ...extra,
    });
    const { fake } = await startDelta((token) =>
      token === 'dup'
        ? {
            value: [{ id: 'A', '@removed': { reason: 'deleted' } }, event('A'), event('B'), { id: 'B', '@removed': { reason: 'changed' } }, event('M', { type: 'seriesMaster' })],
            '@odata.deltaLink': `${fake?.baseUrl}/me/calendarView/delta?$deltatoken=next`,
          }
        : undefined,
    );

    const result = await fake.source().pullChanges(`${fake.baseUrl}/me/calendarView/delta?$deltatoken=dup`, WINDOW);

    expect(result.changes.map((change) => [change.kind, change.id])).toEqual([
      ['upsert', 'A'],
      ['delete', 'B'],
    ]);
  });

  it('throws cursorExpired on 410', async () => {
    const { fake } = await startDelta((token, reply) =>
      token === 'old' ? reply.code(410).send({ error: { code: 'syncStateNotFound', message: 'gone' } }) : undefined,
    );

    const error = await fake.source().pullChanges(`${fake.baseUrl}/me/calendarView/delta?$deltatoken=old`, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'cursorExpired')).toBe(true);
  });

  it('refuses a link to another host without sending the token', async () => {
    const { fake, seen } = await startDelta();

    const error = await fake.source().pullChanges('http://127.0.0.2:9/v1.0/me/calendarView/delta?$deltatoken=x', WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'bug')).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('gets a new token once after a 401', async () => {
    let rejected = 0;
    const { fake, seen } = await startDelta((token, reply) => {
      if (token === 'initial' && rejected === 0) {
        rejected += 1;
        return reply.code(401).send({ error: { code: 'InvalidAuthenticationToken' } });
      }
      return undefined;
    });
    const source = fake.source();

    const result = await source.pullChanges(null, WINDOW);

    expect(result.changes).toHaveLength(5);
    expect(fake.tokenRequests).toHaveLength(2);
    expect(seen[1]?.headers.authorization).toBe('Bearer token-2');
    expect(source.calls).toBe(4);
  });

  it('waits out a 429 with its Retry-After and goes on', async () => {
    let throttled = 0;
    const waits: number[] = [];
    const { fake } = await startDelta((token, reply) => {
      if (token === 'R0usmcCM996atia_s' && throttled === 0) {
        throttled += 1;
        return reply.code(429).header('Retry-After', '2.128').send(corpusJson('graph-error-429-throttled.json'));
      }
      return undefined;
    });
    const source = fake.source({ sleep: async (ms) => void waits.push(ms) });

    const result = await source.pullChanges(null, WINDOW);

    expect(result.changes).toHaveLength(5);
    expect(waits).toEqual([2128]);
    expect(source.calls).toBe(4);
  });
});
