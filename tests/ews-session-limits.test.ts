import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { MailboxGate } from '../src/mailbox/ews/ews-client.ts';
import { envelope, failure, operationResponse } from '../emulators/ews/soap-reply.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { EwsWorld, SERVICE_ACCOUNT } from './support/ews-world.ts';

const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };
const MINUTE = 60_000;
const world = new EwsWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

const EVENT: CalendarEvent = {
  subject: 'Review',
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

async function addTasks(address: string, from: number, count: number): Promise<void> {
  for (let index = from; index < from + count; index += 1) {
    const xml = `<t:Task xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Subject>Task ${index}</t:Subject></t:Task>`;
    await world.admin('POST', `/users/${encodeURIComponent(address)}/items`, { folder: 'tasks', xml });
  }
}

function subjects(changes: readonly { kind: string; item?: { subject: string } }[]): string[] {
  return changes.flatMap((change) => (change.kind === 'upsert' && change.item !== undefined ? [change.item.subject] : [])).sort();
}

/** A fetch that returns HTTP 500 for SyncFolderItems from the `failFrom`-th call on, while `armed` is true. */
function failingSyncFetch(state: { armed: boolean; calls: number; failFrom: number }): typeof fetch {
  return async (url, init) => {
    if (String(init?.body ?? '').includes('m:SyncFolderItems')) {
      state.calls += 1;
      if (state.armed && state.calls >= state.failFrom) return new Response('', { status: 500 });
    }
    return fetch(url, init);
  };
}

describe('EWS sync state after every page', () => {
  it('keeps pages before a failed page', async () => {
    const faults = { armed: false, calls: 0, failFrom: 2 };
    const mailbox = await world.newMailbox([], { syncPageSize: 5, fetch: failingSyncFetch(faults), sleep: async () => {} });
    await addTasks(mailbox.address, 0, 2);
    const first = await mailbox.connector.tasks.pullChanges(null, WINDOW);
    await addTasks(mailbox.address, 2, 12);

    faults.calls = 0;
    faults.armed = true;
    const partial = await mailbox.connector.tasks.pullChanges(first.nextCursor, WINDOW);
    faults.armed = false;
    const rest = await mailbox.connector.tasks.pullChanges(partial.nextCursor, WINDOW);

    expect(partial.isFullListing).toBe(false);
    expect(subjects(partial.changes)).toHaveLength(5);
    expect([...subjects(partial.changes), ...subjects(rest.changes)].sort()).toEqual(Array.from({ length: 12 }, (_, index) => `Task ${index + 2}`).sort());
  });

  it('fails an unfinished full listing', async () => {
    const faults = { armed: true, calls: 0, failFrom: 2 };
    const mailbox = await world.newMailbox([], { syncPageSize: 5, fetch: failingSyncFetch(faults), sleep: async () => {} });
    await addTasks(mailbox.address, 0, 12);

    const error = await mailbox.connector.tasks.pullChanges(null, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'retryLater')).toBe(true);
  });

  it('caps incremental pages, not full listings', async () => {
    const mailbox = await world.newMailbox([], { syncPageSize: 3, syncPagesPerPull: 2 });
    await addTasks(mailbox.address, 0, 10);
    const full = await mailbox.connector.tasks.pullChanges(null, WINDOW);
    await addTasks(mailbox.address, 10, 10);

    const capped = await mailbox.connector.tasks.pullChanges(full.nextCursor, WINDOW);
    const rest = await mailbox.connector.tasks.pullChanges(capped.nextCursor, WINDOW);

    expect(full.isFullListing).toBe(true);
    expect(subjects(full.changes)).toHaveLength(10);
    expect(subjects(capped.changes)).toHaveLength(6);
    expect(subjects(rest.changes)).toHaveLength(4);
  });

  it('continues a capped calendar pull', async () => {
    const mailbox = await world.newMailbox([], { syncPageSize: 2, syncPagesPerPull: 1 });
    const full = await mailbox.connector.events.pullChanges(null, WINDOW);
    const writes = [0, 1, 2].map((index) => ({ op: 'create' as const, ref: `c${index}`, syncId: `page-${index}`, item: { ...EVENT, subject: `Page ${index}` } }));
    await mailbox.connector.events.applyWrites(writes);

    const capped = await mailbox.connector.events.pullChanges(full.nextCursor, WINDOW);
    const rest = await mailbox.connector.events.pullChanges(capped.nextCursor, WINDOW);

    expect(subjects(capped.changes)).toEqual(['Page 0', 'Page 1']);
    expect(subjects(rest.changes)).toEqual(['Page 2']);
  });
});

describe('EWS server back-offs', () => {
  it('honours a five-minute back-off', async () => {
    const waits: number[] = [];
    const mailbox = await world.newMailbox([timedSeed('Kick-off', '2026-05-04', '09:00', '10:00')], { sleep: async (ms) => void waits.push(ms) });
    await world.admin('POST', '/faults', { faults: [{ type: 'serverBusy', count: 1, backOffMs: 5 * MINUTE }] });

    const pull = await mailbox.connector.events.pullChanges(null, WINDOW);

    expect(subjects(pull.changes)).toEqual(['Kick-off']);
    expect(waits[0]).toBeGreaterThan(4.9 * MINUTE);
  });

  it('fails a back-off beyond the allowance', async () => {
    const waits: number[] = [];
    const mailbox = await world.newMailbox([], { sleep: async (ms) => void waits.push(ms) });
    await world.admin('POST', '/faults', { faults: [{ type: 'serverBusy', count: 1, backOffMs: 25 * MINUTE }] });

    const error = await mailbox.connector.events.pullChanges(null, WINDOW).catch((caught: unknown) => caught);
    await world.admin('DELETE', '/faults');

    expect(isConnectorError(error, 'retryLater')).toBe(true);
    expect((error as Error).message).toContain('20-minute allowance');
    expect(waits).toEqual([]);
  });

  it('waits exponentially without a back-off', async () => {
    const waits: number[] = [];
    const mailbox = await world.newMailbox([], { sleep: async (ms) => void waits.push(ms) });
    await world.admin('POST', '/faults', { faults: [{ type: 'serverBusy', count: 3, backOffMs: 0 }] });

    await mailbox.connector.tasks.pullChanges(null, WINDOW);

    expect(waits.slice(0, 3).map((ms) => Math.round(ms / 100) * 100)).toEqual([1000, 2000, 4000]);
  });

  it('counts overlapping pauses once', () => {
    let now = 0;
    const gate = new MailboxGate(3, 20 * MINUTE, () => now);

    expect(gate.pause(10 * MINUTE)).toBe(true);
    expect(gate.pause(10 * MINUTE)).toBe(true);
    expect(gate.remainingServerWaitMs).toBe(10 * MINUTE);
    now += 10 * MINUTE;
    expect(gate.pause(8 * MINUTE)).toBe(true);
    expect(gate.pause(3 * MINUTE)).toBe(true);
    expect(gate.pause(12 * MINUTE)).toBe(false);
    expect(gate.remainingServerWaitMs).toBe(2 * MINUTE);
  });

  it('bounds per-item busy waits', async () => {
    const waits: number[] = [];
    const answers = [0, 25 * MINUTE];
    let createCalls = 0;
    const busyItems: typeof fetch = async (url, init) => {
      if (String(init?.body ?? '').includes('m:CreateItem')) {
        const backOffMs = answers[createCalls];
        createCalls += 1;
        if (backOffMs !== undefined) {
          const message = failure('CreateItem', 'ErrorServerBusy', 'The server cannot service this request right now.', { backOffMs });
          return new Response(envelope(operationResponse('CreateItem', [message, message])), { status: 200, headers: { 'content-type': 'text/xml' } });
        }
      }
      return fetch(url, init);
    };
    const mailbox = await world.newMailbox([], { fetch: busyItems, sleep: async (ms) => void waits.push(ms) });
    const writes = [0, 1].map((index) => ({ op: 'create' as const, ref: `c${index}`, syncId: `busy-${index}`, item: { ...EVENT, subject: `Busy ${index}` } }));

    const results = await mailbox.connector.events.applyWrites(writes);

    expect(createCalls).toBe(2);
    expect(waits.slice(0, 1).map((ms) => Math.round(ms / 100) * 100)).toEqual([1000]);
    expect(waits.every((ms) => ms < 2 * MINUTE)).toBe(true);
    expect(results.map((result) => (result.ok ? 'ok' : result.failure.kind))).toEqual(['retryLater', 'retryLater']);
  });
});

describe('EWS Basic credentials', () => {
  it('suspends on a wrong password', async () => {
    const mailbox = await world.newMailbox([], { auth: { kind: 'basic', username: SERVICE_ACCOUNT.username, password: 'wrong-password' }, sleep: async () => {} });

    const error = await mailbox.connector.tasks.pullChanges(null, WINDOW).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toContain('ews.auth.username');
  });
});
