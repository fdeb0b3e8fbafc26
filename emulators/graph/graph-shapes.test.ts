import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEmulator } from './test-client.ts';
import { USER, corpusApiDir, startTestEmulator, timedEvent } from './test-client.ts';

/**
 * Responses compared with the documented payloads in the shared corpus (Graph docs examples): same keys and
 * value types. The docs truncate delta items and batch entries "for brevity", so there every documented key
 * must be present with the documented type; a full event must match key for key.
 */
type Shape = string | Shape[] | { [key: string]: Shape };

function shapeOf(value: unknown): Shape {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? [] : [shapeOf(value[0])];
  }
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])] as const);
    return Object.fromEntries(entries);
  }
  return typeof value;
}

/** Paths (like `value[0].location.address`) where `actual` lacks a documented key or has another type. */
function uncovered(documented: Shape, actual: Shape, at = ''): string[] {
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) {
      return [`${at}: array expected`];
    }
    const [first] = documented;
    const [actualFirst] = actual;
    return first === undefined || actualFirst === undefined ? [] : uncovered(first, actualFirst, `${at}[0]`);
  }
  if (typeof documented === 'object') {
    if (typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${at}: object expected`];
    }
    return Object.keys(documented).flatMap((key) =>
      key in actual ? uncovered(documented[key] as Shape, actual[key] as Shape, `${at}.${key}`) : [`${at}.${key}: missing`],
    );
  }
  return documented === actual ? [] : [`${at}: ${documented} expected, got ${JSON.stringify(actual)}`];
}

function corpus(name: string): unknown {
  return JSON.parse(readFileSync(path.join(corpusApiDir, name), 'utf8'));
}

const USER_PATH = `/users/${USER.userPrincipalName}`;
const WINDOW = 'startDateTime=2016-12-01T00:00:00Z&endDateTime=2016-12-30T00:00:00Z';
const ORGANIZER = { emailAddress: { name: 'Nora Quill', address: 'noraq@contoso.onmicrosoft.com' } };

describe('graph emulator payload shapes match the documented ones', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
    const slots = [
      ['Plan shopping list', '2016-12-09T20:30:00', '2016-12-09T22:00:00'],
      ['Pick up car', '2016-12-10T01:00:00', '2016-12-10T02:00:00'],
      ['Get food', '2016-12-10T19:30:00', '2016-12-10T21:30:00'],
      ['Prepare food', '2016-12-10T22:00:00', '2016-12-11T00:00:00'],
      ['Rest!', '2016-12-12T02:00:00', '2016-12-12T07:30:00'],
    ] as const;
    for (const [subject, start, end] of slots) {
      await test.graph('POST', `${USER_PATH}/events`, { body: { ...timedEvent(subject, start, end), location: { displayName: 'Home' }, organizer: ORGANIZER } });
    }
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('created event matches graph-event-single.json key for key', async () => {
    const created = await test.graph('POST', `${USER_PATH}/events`, {
      headers: { prefer: 'outlook.timezone="Pacific Standard Time"' },
      body: {
        ...timedEvent("Let's go brunch", '2017-04-15T12:00:00', '2017-04-15T14:00:00', 'Pacific Standard Time'),
        body: { contentType: 'HTML', content: 'Does noon work for you?' },
        location: { displayName: "Harry's Bar" },
        attendees: [{ emailAddress: { address: 'rosalindt@contoso.onmicrosoft.com', name: 'Rosalind Tebbe' }, type: 'required' }],
        allowNewTimeProposals: true,
        transactionId: '7E163156-7762-4BEB-A1C6-729EA81755A7',
      },
    });

    expect(created.status).toBe(201);
    expect(shapeOf(created.json)).toEqual(shapeOf(corpus('graph-event-single.json')));
  });

  it('delta pages match the documented calendarView delta pages', async () => {
    const page1 = await test.graph('GET', `${USER_PATH}/calendarView/delta?${WINDOW}`, { headers: { prefer: 'odata.maxpagesize=2' } });
    const page2 = await test.graph('GET', page1.json['@odata.nextLink'], { headers: { prefer: 'odata.maxpagesize=2' } });
    const page3 = await test.graph('GET', page2.json['@odata.nextLink'], { headers: { prefer: 'odata.maxpagesize=2' } });

    for (const [ours, documented] of [
      [page1.json, corpus('graph-calendarview-delta-page1-nextlink.json')],
      [page2.json, corpus('graph-calendarview-delta-page2-nextlink.json')],
      [page3.json, corpus('graph-calendarview-delta-last-deltalink.json')],
    ] as const) {
      expect(Object.keys(ours).sort()).toEqual(Object.keys(documented as object).sort());
      expect(uncovered(shapeOf(documented), shapeOf(ours))).toEqual([]);
    }
  });

  it('next-round delta with a removal matches graph-calendarview-delta-removed.json', async () => {
    const round = await test.graph('GET', `${USER_PATH}/calendarView/delta?${WINDOW}`, { headers: { prefer: 'odata.maxpagesize=50' } });
    const removed = round.json.value.find((item: { subject: string }) => item.subject === 'Pick up car');
    await test.graph('DELETE', `${USER_PATH}/events/${removed.id}`);
    await test.graph('POST', `${USER_PATH}/events`, {
      body: {
        ...timedEvent('Attend service', '2016-12-25T06:00:00', '2016-12-25T07:30:00'),
        organizer: ORGANIZER,
        location: {
          displayName: 'Chapel of Saint Ignatius',
          address: { street: '900 Broadway', city: 'Seattle', state: 'WA', countryOrRegion: 'United States', postalCode: '' },
          coordinates: { latitude: 47.6105, longitude: -122.321 },
        },
      },
    });

    const next = await test.graph('GET', round.json['@odata.deltaLink']);
    const documented = corpus('graph-calendarview-delta-removed.json') as { value: unknown[] };

    expect(Object.keys(next.json).sort()).toEqual(Object.keys(documented).sort());
    expect(next.json.value).toHaveLength(2);
    expect(shapeOf(next.json.value[0])).toEqual(shapeOf(documented.value[0]));
    expect(uncovered(shapeOf(documented.value[1]), shapeOf(next.json.value[1]))).toEqual([]);
  });

  it('throttled responses match graph-error-429-throttled.json', async () => {
    await test.admin('POST', '/faults', { faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 2 }] });
    const throttled = await test.graph('GET', `${USER_PATH}/events`);

    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(shapeOf(throttled.json)).toEqual(shapeOf(corpus('graph-error-429-throttled.json')));
  });

  it('batch responses match graph-batch-response.json', async () => {
    const list = await test.graph('GET', `${USER_PATH}/events?$top=1`);
    const batch = await test.graph('POST', '/$batch', {
      body: {
        requests: [
          { id: '1', method: 'GET', url: `${USER_PATH}/events?$top=1` },
          { id: '2', method: 'GET', url: `/users/nobody@example.com/events` },
          { id: '3', method: 'DELETE', url: `${USER_PATH}/events/${list.json.value[0].id}` },
        ],
      },
    });
    const documented = corpus('graph-batch-response.json') as { responses: { id: string; status: number }[] };
    const ours = new Map(batch.json.responses.map((entry: { status: number }) => [entry.status, entry]));

    expect(Object.keys(batch.json)).toEqual(['responses']);
    for (const status of [200, 204]) {
      const documentedEntry = documented.responses.find((entry) => entry.status === status);
      expect(uncovered(shapeOf(documentedEntry), shapeOf(ours.get(status)))).toEqual([]);
    }
    const documentedError = documented.responses.find((entry) => entry.status === 401);
    expect(uncovered(shapeOf(documentedError), shapeOf(ours.get(404)))).toEqual([]);
    expect(ours.get(204)).toEqual({ id: '3', status: 204, body: null });
  });
});
