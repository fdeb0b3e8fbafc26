import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonResponse, TestEmulator } from './test-client.ts';
import { USER, startTestEmulator, timedEvent } from './test-client.ts';
import { singleSeed, weeklySeries } from './test-seeds.ts';

const USER_PATH = `/users/${USER.userPrincipalName}`;
const WINDOW = 'startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-06-01T00:00:00Z';

interface Round {
  pages: JsonResponse[];
  items: Record<string, unknown>[];
  deltaLink: string;
}

async function runRound(test: TestEmulator, firstUrl: string, pageSize: number | null): Promise<Round> {
  const headers: Record<string, string> = pageSize === null ? {} : { prefer: `odata.maxpagesize=${pageSize}` };
  const pages: JsonResponse[] = [];
  let url = firstUrl;
  for (;;) {
    const page = await test.graph('GET', url, { headers });
    expect(page.status).toBe(200);
    pages.push(page);
    if (page.json['@odata.deltaLink']) {
      return { pages, items: pages.flatMap((entry) => entry.json.value), deltaLink: page.json['@odata.deltaLink'] };
    }
    url = page.json['@odata.nextLink'];
  }
}

describe('graph emulator calendarView delta', () => {
  let test: TestEmulator;
  let singles: string[];
  let series: string[];

  beforeAll(async () => {
    test = await startTestEmulator();
    const seeded = await test.admin('POST', `${USER_PATH}/seed`, {
      events: [
        singleSeed('a', 'Alpha', '2026-05-02T09:00:00.0000000', '2026-05-02T10:00:00.0000000'),
        singleSeed('b', 'Bravo', '2026-05-03T09:00:00.0000000', '2026-05-03T10:00:00.0000000'),
        singleSeed('c', 'Charlie', '2026-05-20T09:00:00.0000000', '2026-05-20T10:00:00.0000000'),
        singleSeed('outside', 'Outside', '2026-07-01T09:00:00.0000000', '2026-07-01T10:00:00.0000000'),
        ...weeklySeries(3),
      ],
    });
    singles = seeded.json.ids.slice(0, 4);
    series = seeded.json.ids.slice(4);
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('initial round pages instances with skip tokens and ends with a delta link', async () => {
    const round = await runRound(test, `${USER_PATH}/calendarView/delta?${WINDOW}`, 2);
    const ids = round.items.map((item) => item.id);

    expect(round.pages).toHaveLength(3);
    expect(round.pages[0]?.json['@odata.nextLink']).toMatch(/\/calendarView\/delta\?\$skiptoken=[\w-]+$/);
    expect(round.deltaLink).toMatch(/\/calendarView\/delta\?\$deltatoken=[\w-]+$/);
    expect(round.pages[0]?.headers.get('preference-applied')).toBe('odata.maxpagesize=2');
    expect(round.pages[0]?.json['@odata.context']).toMatch(/\$metadata#Collection\(event\)$/);
    expect([...ids].sort()).toEqual([singles[0], singles[1], singles[2], ...series.slice(1)].sort());
    expect(round.items.every((item) => item['@odata.type'] === '#microsoft.graph.event')).toBe(true);
    expect(round.items.some((item) => item.type === 'seriesMaster')).toBe(false);
  });

  it('delta link returns only what changed, with removals as @removed', async () => {
    const initial = await runRound(test, `${USER_PATH}/calendarView/delta?${WINDOW}`, null);
    await test.graph('PATCH', `${USER_PATH}/events/${singles[0]}`, { body: { subject: 'Alpha v2' } });
    await test.graph('DELETE', `${USER_PATH}/events/${singles[1]}`);
    const created = await test.graph('POST', `${USER_PATH}/events`, { body: timedEvent('Delta', '2026-05-25T09:00:00', '2026-05-25T10:00:00') });
    const transient = await test.graph('POST', `${USER_PATH}/events`, { body: timedEvent('Gone soon', '2026-05-26T09:00:00', '2026-05-26T10:00:00') });
    await test.graph('DELETE', `${USER_PATH}/events/${transient.json.id}`);

    const next = await runRound(test, initial.deltaLink, null);
    const quiet = await runRound(test, next.deltaLink, null);

    expect(next.items).toHaveLength(3);
    expect(next.items.find((item) => item.id === singles[0])?.subject).toBe('Alpha v2');
    expect(next.items.find((item) => item.id === singles[1])).toEqual({ '@odata.type': '#microsoft.graph.event', id: singles[1], '@removed': { reason: 'deleted' } });
    expect(next.items.find((item) => item.id === created.json.id)?.subject).toBe('Delta');
    expect(quiet.items).toEqual([]);
  });

  it('an event moved out of the window or cancelled comes back as removed', async () => {
    const initial = await runRound(test, `${USER_PATH}/calendarView/delta?${WINDOW}`, 5);
    await test.graph('PATCH', `${USER_PATH}/events/${singles[2]}`, {
      body: { start: { dateTime: '2026-06-10T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-06-10T10:00:00', timeZone: 'UTC' } },
    });
    await test.admin('POST', `${USER_PATH}/events/${series[2]}/touch`, { isCancelled: true });

    const next = await runRound(test, initial.deltaLink, 5);

    expect(next.items).toEqual([
      { '@odata.type': '#microsoft.graph.event', id: singles[2], '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.event', id: series[2], '@removed': { reason: 'deleted' } },
    ]);
  });

  it('expireDeltaTokens makes delta and skip links answer 410 syncStateNotFound', async () => {
    const initial = await runRound(test, `${USER_PATH}/calendarView/delta?${WINDOW}`, null);
    const firstPage = await test.graph('GET', `${USER_PATH}/calendarView/delta?${WINDOW}`, { headers: { prefer: 'odata.maxpagesize=1' } });
    await test.admin('POST', '/faults', { faults: [{ type: 'expireDeltaTokens' }] });

    const expiredDelta = await test.graph('GET', initial.deltaLink);
    const expiredSkip = await test.graph('GET', firstPage.json['@odata.nextLink']);
    const restarted = await runRound(test, `${USER_PATH}/calendarView/delta?${WINDOW}`, null);

    expect(expiredDelta.status).toBe(410);
    expect(expiredDelta.json.error.code).toBe('syncStateNotFound');
    expect(expiredSkip.status).toBe(410);
    expect(restarted.items.length).toBeGreaterThan(0);
  });

  it('rejects $select and a missing window', async () => {
    const select = await test.graph('GET', `${USER_PATH}/calendarView/delta?${WINDOW}&$select=subject`);
    const noWindow = await test.graph('GET', `${USER_PATH}/calendarView/delta`);

    expect(select.status).toBe(400);
    expect(noWindow.status).toBe(400);
    expect(noWindow.json.error.code).toBe('ErrorInvalidParameter');
  });

  it('uses the maxPageSize option when the client states no page size', async () => {
    const own = await startTestEmulator({ maxPageSize: 3 });
    try {
      const events = Array.from({ length: 7 }, (_, index) => singleSeed(`p${index}`, `P${index}`, `2026-05-0${index + 1}T09:00:00`, `2026-05-0${index + 1}T10:00:00`));
      await own.admin('POST', `${USER_PATH}/seed`, { events });
      const round = await runRound(own, `${USER_PATH}/calendarView/delta?${WINDOW}`, null);

      expect(round.pages.map((page) => page.json.value.length)).toEqual([3, 3, 1]);
    } finally {
      await own.emulator.close();
    }
  });

  it('delta over 10,000 events stays fast', async () => {
    const own = await startTestEmulator();
    try {
      const events = Array.from({ length: 10_000 }, (_, index) => {
        const minute = String(index % 60).padStart(2, '0');
        const day = String(1 + (index % 28)).padStart(2, '0');
        return singleSeed(`bulk${index}`, `Bulk ${index}`, `2026-05-${day}T08:${minute}:00`, `2026-05-${day}T09:${minute}:00`);
      });
      const seeded = await own.admin('POST', `${USER_PATH}/seed`, { events });
      const started = performance.now();
      const initial = await runRound(own, `${USER_PATH}/calendarView/delta?${WINDOW}`, 500);
      for (const id of seeded.json.ids.slice(0, 10)) {
        await own.graph('PATCH', `${USER_PATH}/events/${id}`, { body: { subject: 'changed' } });
      }
      const next = await runRound(own, initial.deltaLink, 500);
      const elapsedMs = performance.now() - started;

      expect(initial.items).toHaveLength(10_000);
      expect(new Set(initial.items.map((item) => item.id)).size).toBe(10_000);
      expect(next.items).toHaveLength(10);
      expect(elapsedMs).toBeLessThan(15_000);
    } finally {
      await own.emulator.close();
    }
  });
});
