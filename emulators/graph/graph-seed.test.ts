import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphEventSeed } from './seed-types.ts';
import type { TestEmulator } from './test-client.ts';
import { SYNC_PROPERTY, startTestEmulator } from './test-client.ts';
import { singleSeed, weeklySeries } from './test-seeds.ts';

const WINDOW = 'startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-07-01T00:00:00Z';

interface SeedResponse {
  ids: string[];
  outcomes: string[];
  removed: number;
}

interface DeltaItem {
  id: string;
  subject?: string;
  '@removed'?: unknown;
}

describe('graph emulator seeding', () => {
  let test: TestEmulator;
  let users = 0;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  /** Add a mailbox for one test, so its counts and delta rounds see only that test's seeds. */
  async function newMailbox(): Promise<string> {
    users += 1;
    const address = `seed-user-${users}@example.com`;
    const created = await test.admin('POST', '/users', { userPrincipalName: address, displayName: `Seed user ${users}` });
    expect(created.status).toBe(201);
    return address;
  }

  async function seed(address: string, events: GraphEventSeed[]): Promise<SeedResponse> {
    const response = await test.admin('POST', `/users/${address}/seed`, { events });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    return response.json as SeedResponse;
  }

  async function liveEvents(address: string): Promise<{ id: string; type: string; subject: string; changeKey: string }[]> {
    return (await test.admin('GET', `/users/${address}/events`)).json.value;
  }

  async function deltaRound(url: string): Promise<{ items: DeltaItem[]; deltaLink: string }> {
    const items: DeltaItem[] = [];
    let next = url;
    for (;;) {
      const page = await test.graph('GET', next);
      expect(page.status).toBe(200);
      items.push(...page.json.value);
      if (page.json['@odata.deltaLink']) return { items, deltaLink: page.json['@odata.deltaLink'] };
      next = page.json['@odata.nextLink'];
    }
  }

  const meeting = () => singleSeed('file-a#meeting', 'Kick-off', '2026-05-04T09:00:00.0000000', '2026-05-04T10:00:00.0000000');

  it('seeding twice keeps one copy', async () => {
    const address = await newMailbox();
    const first = await seed(address, [meeting(), ...weeklySeries(3)]);
    const initial = await deltaRound(`/users/${address}/calendarView/delta?${WINDOW}`);

    const second = await seed(address, [meeting(), ...weeklySeries(3)]);
    const next = await deltaRound(initial.deltaLink);

    expect(first.outcomes).toEqual(['added', 'added', 'added', 'added', 'added']);
    expect(second.ids).toEqual(first.ids);
    expect(second.outcomes).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(second.removed).toBe(0);
    expect(await liveEvents(address)).toHaveLength(5);
    expect(next.items).toEqual([]);
  });

  it('known UID updates in place', async () => {
    const address = await newMailbox();
    const [id] = (await seed(address, [meeting()])).ids;
    const before = await liveEvents(address);
    const initial = await deltaRound(`/users/${address}/calendarView/delta?${WINDOW}`);

    // Another file (another seed key) with the same UID, as when two exports hold one meeting.
    const renamed = { ...meeting(), seedKey: 'file-b#meeting', subject: 'Kick-off (room changed)', location: { displayName: 'Room 2' } };
    const second = await seed(address, [renamed]);
    const after = await liveEvents(address);
    const next = await deltaRound(initial.deltaLink);

    expect(second).toEqual({ ids: [id], outcomes: ['updated'], removed: 0 });
    expect(after).toHaveLength(1);
    expect(after[0]?.subject).toBe('Kick-off (room changed)');
    expect(after[0]?.changeKey).not.toBe(before[0]?.changeKey);
    expect(next.items.map((item) => [item.id, item.subject, item['@removed']])).toEqual([[id, 'Kick-off (room changed)', undefined]]);
  });

  it('update keeps extended properties', async () => {
    const address = await newMailbox();
    const [id] = (await seed(address, [meeting()])).ids;
    const patched = await test.graph('PATCH', `/users/${address}/events/${id}`, {
      body: { singleValueExtendedProperties: [{ id: SYNC_PROPERTY, value: 'sync-1' }] },
    });
    expect(patched.status).toBe(200);

    await seed(address, [{ ...meeting(), subject: 'Kick-off v2' }]);
    const found = await test.graph('GET', `/users/${address}/events/${id}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${SYNC_PROPERTY}')`)}`);

    expect(found.json.subject).toBe('Kick-off v2');
    expect(found.json.singleValueExtendedProperties).toEqual([{ id: SYNC_PROPERTY, value: 'sync-1' }]);
  });

  it('reseeded series replaces its instances', async () => {
    const address = await newMailbox();
    const first = await seed(address, weeklySeries(4));
    const initial = await deltaRound(`/users/${address}/calendarView/delta?${WINDOW}`);

    const shorter = weeklySeries(2);
    const second = await seed(address, shorter);
    const next = await deltaRound(initial.deltaLink);
    const live = await liveEvents(address);

    expect(second.ids).toEqual(first.ids.slice(0, 3));
    expect(second.removed).toBe(2);
    expect(live.map((event) => event.id).sort()).toEqual(first.ids.slice(0, 3).sort());
    expect(next.items.filter((item) => item['@removed']).map((item) => item.id).sort()).toEqual(first.ids.slice(3).sort());
  });

  it('single turned series is replaced', async () => {
    const address = await newMailbox();
    const series = weeklySeries(2);
    const single = { ...singleSeed('single', 'Weekly sync', '2026-05-04T07:00:00.0000000', '2026-05-04T07:30:00.0000000'), iCalUId: series[0]!.iCalUId };
    const [singleId] = (await seed(address, [single])).ids;
    const initial = await deltaRound(`/users/${address}/calendarView/delta?${WINDOW}`);

    const second = await seed(address, series);
    const next = await deltaRound(initial.deltaLink);
    const live = await liveEvents(address);

    expect(second.outcomes).toEqual(['added', 'added', 'added']);
    expect(second.removed).toBe(1);
    expect(live.map((event) => event.type).sort()).toEqual(['exception', 'occurrence', 'seriesMaster']);
    expect(next.items.find((item) => item.id === singleId)?.['@removed']).toBeDefined();
  });

  it('one UID twice in a request', async () => {
    const address = await newMailbox();
    const orphans = [
      { ...meeting(), seedKey: 'x#1', subject: 'Moved occurrence one' },
      { ...meeting(), seedKey: 'x#2', subject: 'Moved occurrence two', start: { dateTime: '2026-05-11T09:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-05-11T10:00:00.0000000', timeZone: 'UTC' } },
    ];

    const first = await seed(address, orphans);
    const second = await seed(address, orphans);

    expect(new Set(first.ids).size).toBe(2);
    expect(second.ids).toEqual(first.ids);
    expect(second.outcomes).toEqual(['unchanged', 'unchanged']);
  });
});
