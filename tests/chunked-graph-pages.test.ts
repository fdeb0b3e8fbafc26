import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { PullPage } from '../src/domain/connector.ts';
import { corpusJson, relink, startFakeGraph, type FakeGraph } from '../src/mailbox/graph/fake-graph.test-support.ts';

/** Graph's documented three-page calendar-view delta, served by a fake Graph that counts the pages asked for. */
const WINDOW = { start: '2016-12-01T00:00:00.000Z', end: '2016-12-31T00:00:00.000Z' };
const PAGE_FILES: Record<string, string> = {
  initial: 'graph-calendarview-delta-page1-nextlink.json',
  R0usmcCM996atia_s: 'graph-calendarview-delta-page2-nextlink.json',
  R0usmci39OQxqJrxK4: 'graph-calendarview-delta-last-deltalink.json',
};

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startDelta(): Promise<{ fake: FakeGraph; requests: () => number }> {
  let requests = 0;
  const server = await startFakeGraph((app) => {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      requests += 1;
      const query = request.query as Record<string, string>;
      const file = PAGE_FILES[query.$skiptoken ?? query.$deltatoken ?? 'initial'];
      return file ? relink(corpusJson(file), server.baseUrl) : reply.code(400).send({ error: { code: 'BadRequest' } });
    };
    app.get('/v1.0/users/:user/calendarView/delta', handler);
    app.get('/v1.0/me/calendarView/delta', handler);
  });
  fake = server;
  return { fake: server, requests: () => requests };
}

describe('Graph event source pullPages', () => {
  it('reads pages on demand', async () => {
    const { fake, requests } = await startDelta();
    const source = fake.source({ pageSize: 2 });
    const pages = source.pullPages?.(null, WINDOW)[Symbol.asyncIterator]();
    if (pages === undefined) {
      throw new Error('the Graph event source has no pullPages');
    }

    const pagesRead: PullPage<CalendarEvent>[] = [];
    for (let page = await pages.next(); page.done !== true; page = await pages.next()) {
      // One request per page read so far: the source does not read ahead of its caller.
      expect(requests()).toBe(pagesRead.length + 1);
      pagesRead.push(page.value);
    }

    expect(pagesRead).toHaveLength(3);
    expect(pagesRead.map((page) => page.nextCursor)).toEqual([null, null, `${fake.baseUrl}/me/calendarView/delta?$deltatoken=R0usmcMDNGg0J1E`]);
    const whole = await source.pullChanges(null, WINDOW);
    expect(pagesRead.flatMap((page) => page.changes)).toEqual(whole.changes);
    expect(whole.changes).toHaveLength(5);
  });
});
