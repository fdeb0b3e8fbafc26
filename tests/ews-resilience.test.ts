import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import { subscribeEws, type EwsChange } from '../src/mailbox/ews/index.ts';
import { EwsWorld } from './support/ews-world.ts';
import { event as plannerEvent } from './support/planner-fixtures.ts';

const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' };
const world = new EwsWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

function event(index: number): CalendarEvent {
  const start = new Date(Date.parse('2026-05-04T08:00:00Z') + index * 3600_000).toISOString();
  const end = new Date(Date.parse(start) + 1800_000).toISOString();
  return plannerEvent({ subject: `Storm ${index}`, span: { kind: 'timed', start, end, timeZone: 'Europe/Berlin' }, location: null, body: null });
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('EWS under throttling', () => {
  it('ErrorServerBusy storm loses nothing', async () => {
    const mailbox = await world.newMailbox([], { batchSize: 5 });
    await world.admin('POST', '/stats/reset');
    await world.admin('POST', '/faults', { faults: [{ type: 'serverBusyStorm', seconds: 30, share: 0.4, backOffMs: 30 }] });
    const writes = Array.from({ length: 40 }, (_, index) => ({ op: 'create' as const, ref: `c${index}`, syncId: `storm-${index}`, item: event(index) }));

    try {
      const results = await mailbox.connector.events.applyWrites(writes);
      const pull = await mailbox.connector.events.pullChanges(null, WINDOW);
      const stats = await world.admin<{ throttled: number; maxInFlight: number }>('GET', '/stats');

      expect(results.filter((result) => result.ok)).toHaveLength(40);
      expect(new Set(results.map((result) => (result.ok ? result.id : ''))).size).toBe(40);
      expect(pull.changes.map((change) => (change.kind === 'upsert' ? change.item.subject : '')).sort()).toEqual(writes.map((write) => write.item.subject).sort());
      expect(stats.throttled).toBeGreaterThan(0);
      expect(mailbox.waits.filter((ms) => ms > 0).length).toBeGreaterThanOrEqual(stats.throttled);
      expect(stats.maxInFlight).toBeLessThanOrEqual(3);
    } finally {
      await world.admin('DELETE', '/faults');
    }
  });

  it('HTTP 503 is retried', async () => {
    const mailbox = await world.newMailbox();
    await world.admin('POST', '/faults', { faults: [{ type: 'http503', count: 1 }] });

    const pull = await mailbox.connector.events.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    expect(mailbox.waits.length).toBeGreaterThan(0);
  });
});

describe('EWS notifications', () => {
  it('streams changes and reconnects', async () => {
    const mailbox = await world.newMailbox();
    const changes: EwsChange[] = [];
    const subscription = await subscribeEws({ ...mailbox.options, connectionTimeoutMinutes: 1 }, (change) => changes.push(change));

    try {
      expect(subscription.mode).toBe('streaming');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await mailbox.connector.events.applyWrites([{ op: 'create', ref: 'c', syncId: 'n1', item: event(1) }]);
      await until(() => changes.some((change) => change.folder === 'calendar' && change.changeType === 'created'));

      // The emulator's streams last 200 ms per ConnectionTimeout minute, so this write arrives on a reopened stream.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await mailbox.connector.tasks.applyWrites([{ op: 'create', ref: 't', syncId: 'n2', item: { subject: 'Call back', body: null, status: 'notStarted', importance: 'normal', dueDate: null, startDate: null, completedAt: null, reminderAt: null, isPrivate: false, categories: [] } }]);
      await until(() => changes.some((change) => change.folder === 'tasks'));
    } finally {
      await subscription.close();
    }
  });

  it('lost subscription triggers a resync', async () => {
    const mailbox = await world.newMailbox();
    const changes: EwsChange[] = [];
    const subscription = await subscribeEws({ ...mailbox.options, connectionTimeoutMinutes: 1 }, (change) => changes.push(change));

    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await world.admin('POST', '/faults', { faults: [{ type: 'dropSubscriptions' }, { type: 'closeStreams' }] });
      await until(() => changes.some((change) => change.folder === 'other' && change.itemId === null));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await mailbox.connector.events.applyWrites([{ op: 'create', ref: 'c', syncId: 'n3', item: event(2) }]);
      await until(() => changes.some((change) => change.folder === 'calendar'));
    } finally {
      await subscription.close();
    }
  });

  it('failed stream triggers a resync', async () => {
    const mailbox = await world.newMailbox();
    const changes: EwsChange[] = [];
    const subscription = await subscribeEws({ ...mailbox.options, connectionTimeoutMinutes: 1 }, (change) => changes.push(change));

    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The reopened GetStreamingEvents gets HTTP 503, so the client drops the subscription and makes a new one
      // after its 5 s reconnect delay. Events queued on the dropped subscription are lost, so a resync must follow.
      await world.admin('POST', '/faults', { faults: [{ type: 'http503', count: 1 }, { type: 'closeStreams' }] });
      await until(() => changes.some((change) => change.folder === 'other' && change.itemId === null), 10_000);
    } finally {
      await subscription.close();
    }
  }, 20_000);

  it('pull mode polls GetEvents', async () => {
    const mailbox = await world.newMailbox();
    const changes: EwsChange[] = [];
    const subscription = await subscribeEws({ ...mailbox.options, mode: 'pull', pollIntervalMs: 50 }, (change) => changes.push(change));

    try {
      expect(subscription.mode).toBe('pull');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await mailbox.connector.contacts.applyWrites([{ op: 'create', ref: 'c', syncId: 'n4', item: { givenName: 'Ada', surname: null, salutation: null, emails: [], phones: { business: null, mobile: null, home: null, businessFax: null }, companyName: null, jobTitle: null, department: null, businessAddress: null, homeAddress: null, notes: null, birthday: null, categories: [] } }]);
      await until(() => changes.some((change) => change.folder === 'contacts' && change.changeType === 'created'));
    } finally {
      await subscription.close();
    }
  });
});
