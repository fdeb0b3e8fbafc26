import { afterEach, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { Write } from '../../domain/connector.ts';
import { startFakeGraph, type FakeGraph } from './fake-graph.test-support.ts';
import { SYNC_ID_PROPERTY_ID } from './sync-id-property.ts';

interface InnerRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: Record<string, unknown>;
}

interface InnerResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

const EVENT: CalendarEvent = {
  subject: 'Pipeline review',
  span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' },
  location: null,
  body: null,
  showAs: 'busy',
  sensitivity: 'normal',
  organizer: null,
  attendees: [],
  recurrence: null,
  isCancelled: false,
  iCalUId: null,
  categories: [],
};

const graphEvent = (id: string, changeKey: string, extra: Record<string, unknown> = {}) => ({
  id,
  changeKey,
  lastModifiedDateTime: '2026-05-01T08:00:00Z',
  subject: 'Pipeline review',
  start: { dateTime: '2026-05-04T13:00:00.0000000', timeZone: 'UTC' },
  end: { dateTime: '2026-05-04T14:00:00.0000000', timeZone: 'UTC' },
  originalStartTimeZone: 'W. Europe Standard Time',
  ...extra,
});

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startBatch(answer: (request: InnerRequest, round: number) => InnerResponse): Promise<{ fake: FakeGraph; batches: InnerRequest[][] }> {
  const batches: InnerRequest[][] = [];
  const rounds = new Map<string, number>();
  fake = await startFakeGraph((app) => {
    app.post('/v1.0/$batch', async (request) => {
      const requests = (request.body as { requests: InnerRequest[] }).requests;
      batches.push(requests);
      const responses = requests.map((inner) => {
        const key = `${inner.method} ${inner.url}`;
        const round = (rounds.get(key) ?? 0) + 1;
        rounds.set(key, round);
        return { id: inner.id, ...answer(inner, round) };
      });
      return { responses: responses.reverse() };
    });
  });
  return { fake, batches };
}

const USER = '/users/rosalindt%40contoso.onmicrosoft.com';

describe('applyWrites', () => {
  it('sends creates, updates and deletes in one batch', async () => {
    const { fake, batches } = await startBatch((request) => {
      if (request.method === 'POST') return { status: 201, body: graphEvent('new-1', 'ck-new') };
      if (request.method === 'PATCH') return { status: 200, body: graphEvent('e-2', 'ck-3') };
      return { status: 204, body: null };
    });
    const writes: Write<CalendarEvent>[] = [
      { op: 'create', ref: 'c', syncId: 'sync-1', item: EVENT },
      { op: 'update', ref: 'u', id: 'e-2', patch: { subject: 'Renamed' }, expectedVersion: 'ck-2' },
      { op: 'delete', ref: 'd', id: 'e-3' },
    ];

    const results = await fake.source().applyWrites(writes);

    expect(results).toEqual([
      { ref: 'c', ok: true, id: 'new-1', version: 'ck-new' },
      { ref: 'u', ok: true, id: 'e-2', version: 'ck-3' },
      { ref: 'd', ok: true, id: 'e-3', version: null },
    ]);
    expect(batches).toHaveLength(1);
    const [create, update, remove] = batches[0] ?? [];
    expect(create).toMatchObject({ method: 'POST', url: `${USER}/events` });
    expect(create?.body?.singleValueExtendedProperties).toEqual([{ id: SYNC_ID_PROPERTY_ID, value: 'sync-1' }]);
    expect(create?.body?.start).toEqual({ dateTime: '2026-05-04T15:00:00', timeZone: 'Europe/Berlin' });
    expect(update).toMatchObject({ method: 'PATCH', url: `${USER}/events/e-2`, body: { subject: 'Renamed' } });
    expect(update?.headers).toMatchObject({ 'If-Match': 'W/"ck-2"', 'Content-Type': 'application/json' });
    expect(update?.headers?.Prefer).toContain('outlook.timezone="UTC"');
    expect(remove).toMatchObject({ method: 'DELETE', url: `${USER}/events/e-3` });
  });

  it('splits 25 writes into batches of 20', async () => {
    const { fake, batches } = await startBatch(() => ({ status: 204 }));
    const writes = Array.from({ length: 25 }, (_, index): Write<CalendarEvent> => ({ op: 'delete', ref: `d${index}`, id: `e-${index}` }));

    const results = await fake.source().applyWrites(writes);

    expect(batches.map((batch) => batch.length).sort((a, b) => a - b)).toEqual([5, 20]);
    expect(results.map((result) => result.ref)).toEqual(writes.map((write) => write.ref));
    expect(results.every((result) => result.ok)).toBe(true);
  });

  it('repeats only the throttled request after its Retry-After', async () => {
    const waits: number[] = [];
    const { fake, batches } = await startBatch((request, round) =>
      request.url.endsWith('e-2') && round === 1
        ? { status: 429, headers: { 'Retry-After': '1.5' }, body: { error: { code: 'ApplicationThrottled' } } }
        : { status: 204 },
    );
    const source = fake.source({ sleep: async (ms) => void waits.push(ms) });

    const results = await source.applyWrites([
      { op: 'delete', ref: 'a', id: 'e-1' },
      { op: 'delete', ref: 'b', id: 'e-2' },
    ]);

    expect(results.every((result) => result.ok)).toBe(true);
    expect(batches.map((batch) => batch.map((request) => request.url))).toEqual([[`${USER}/events/e-1`, `${USER}/events/e-2`], [`${USER}/events/e-2`]]);
    expect(waits).toEqual([1500]);
    expect(source.calls).toBe(2);
  });

  it('reports a 412 as a conflict', async () => {
    const { fake } = await startBatch(() => ({ status: 412, body: { error: { code: 'ErrorIrresolvableConflict' } } }));

    const [result] = await fake.source().applyWrites([{ op: 'update', ref: 'u', id: 'e-1', patch: { subject: 'x' }, expectedVersion: 'old' }]);

    expect(result).toMatchObject({ ref: 'u', ok: false, failure: { kind: 'conflict', code: 'ErrorIrresolvableConflict' } });
  });

  it('counts a delete of a missing event as done', async () => {
    const { fake } = await startBatch(() => ({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } }));

    const results = await fake.source().applyWrites([{ op: 'delete', ref: 'd', id: 'gone' }]);

    expect(results).toEqual([{ ref: 'd', ok: true, id: 'gone', version: null }]);
  });

  it('links a create that failed unclearly to the event carrying its sync id', async () => {
    const { fake, batches } = await startBatch((request) => {
      if (request.method === 'POST') return { status: 503, body: { error: { code: 'ServiceUnavailable' } } };
      return { status: 200, body: { value: [graphEvent('stored-1', 'ck-s', { singleValueExtendedProperties: [{ id: SYNC_ID_PROPERTY_ID, value: 'sync-9' }] })] } };
    });

    const results = await fake.source().applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-9', item: EVENT }]);

    expect(results).toEqual([{ ref: 'c', ok: true, id: 'stored-1', version: 'ck-s' }]);
    expect(batches[0]).toHaveLength(1);
    const lookup = decodeURIComponent(batches[1]?.[0]?.url ?? '');
    expect(lookup).toContain(`$filter=singleValueExtendedProperties/Any(ep: ep/id eq '${SYNC_ID_PROPERTY_ID}' and ep/value eq 'sync-9')`);
  });

  it('sends nothing for a patch of read-only fields', async () => {
    const { fake, batches } = await startBatch(() => ({ status: 500 }));

    const results = await fake.source().applyWrites([{ op: 'update', ref: 'u', id: 'e-1', patch: { isCancelled: true }, expectedVersion: 'ck-1' }]);

    expect(results).toEqual([{ ref: 'u', ok: true, id: 'e-1', version: 'ck-1' }]);
    expect(batches).toHaveLength(0);
  });
});

describe('readItems and findBySyncIds', () => {
  it('reads events by id and leaves out missing ones', async () => {
    const { fake, batches } = await startBatch((request) =>
      request.url.includes('/events/e-1?')
        ? { status: 200, body: graphEvent('e-1', 'ck-1', { singleValueExtendedProperties: [{ id: SYNC_ID_PROPERTY_ID.toUpperCase(), value: 'sync-1' }] }) }
        : { status: 404, body: { error: { code: 'ErrorItemNotFound' } } },
    );

    const found = await fake.source().readItems(['e-1', 'e-2', 'e-1']);

    expect([...found.keys()]).toEqual(['e-1']);
    expect(found.get('e-1')).toMatchObject({ version: 'ck-1', syncId: 'sync-1', modifiedAt: '2026-05-01T08:00:00.000Z' });
    expect(batches[0]).toHaveLength(2);
    expect(decodeURIComponent(batches[0]?.[0]?.url ?? '')).toBe(
      `${decodeURIComponent(USER)}/events/e-1?$expand=singleValueExtendedProperties($filter=id eq '${SYNC_ID_PROPERTY_ID}')`,
    );
  });

  it('finds events by sync id and skips sync ids without one', async () => {
    const { fake } = await startBatch((request) =>
      decodeURIComponent(request.url).includes("'sync-1'")
        ? { status: 200, body: { value: [graphEvent('e-1', 'ck-1', { singleValueExtendedProperties: [{ id: SYNC_ID_PROPERTY_ID, value: 'sync-1' }] })] } }
        : { status: 200, body: { value: [] } },
    );

    const found = await fake.source().findBySyncIds(['sync-1', "it's-2"]);

    expect([...found.keys()]).toEqual(['sync-1']);
    expect(found.get('sync-1')).toMatchObject({ id: 'e-1', syncId: 'sync-1' });
  });

  it('throws when Graph refuses a read for good', async () => {
    const { fake } = await startBatch(() => ({ status: 403, body: { error: { code: 'ErrorAccessDenied' } } }));

    await expect(fake.source().readItems(['e-1'])).rejects.toMatchObject({ failure: { kind: 'suspend' } });
  });
});
